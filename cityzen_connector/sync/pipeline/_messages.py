"""A citizen's message written to their case (``cityzen.case-message/v1`` on the submissions
queue; docs/cases.md, "The conversation").

One change set ("Execute batch operations using the Web API", change sets: all or nothing):

1. ``PATCH cz_casemessages(cz_messageid='…')`` with ``If-None-Match: *`` (create only, by the
   alternate key "Use Upsert to Create or Update a record" describes): the subject, the text,
   ``cz_direction`` 1 (from the citizen), ``cz_visibletocitizen`` true, and the case bound by
   its own alternate key, ``regardingobjectid_incident_cz_casemessage@odata.bind:
   "/incidents(cz_submissionid='…')"`` — no lookup of the case first;
2. ``PATCH`` of the same row to ``statecode`` 1 / ``statuscode`` 2 (Completed): a row is
   created Open (``statecode`` is not valid for create on activitypointer), and an open
   activity would stand in the way of an agent resolving the case;
3. one note per file (``annotation``, ``documentbody`` base64), bound to the row by its key
   (``objectid_cz_casemessage@odata.bind``: "A custom activity table must have a relationship
   to notes"), the bytes read from the blob the API stored;
4. when the API asked (``reopen_status``), the case's status reason, in the same change set.

A redelivery meets its own row: the create-only write answers 412, the change set rolls back,
and the message is done (``AlreadyDone``). A message whose request is not a case yet (still
queued, or retrying) waits: ``Transient``, re-scheduled with the queue's delivery back-off, the
submission's own status untouched.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError as PydanticValidationError

from cityzen_connector.dataverse import ChangeSet, DataverseClient, DataverseError, ops
from cityzen_connector.mapping import CONVERSATION
from cityzen_connector.messaging import Envelope, InvalidMessage
from cityzen_connector.models import CaseMessagePayload, MessageFile
from cityzen_connector.store import BlobNotFoundError, BlobStore, SubmissionStatuses

from ._outcome import AlreadyDone, Created, Permanent, ProcessOutcome, Transient, classify
from ._outcome import is_already_done as _already

__all__ = ["INVALID_CASE_MESSAGE", "MessageWriter", "message_changes", "read_case_message"]

INVALID_CASE_MESSAGE = "InvalidCaseMessage"
_C = CONVERSATION
SUBJECT = "Message de l'usager"
_COMPLETED = {"statecode": 1, "statuscode": 2}


def read_case_message(envelope: Envelope) -> CaseMessagePayload:
    try:
        work = CaseMessagePayload.model_validate(envelope.payload)
    except PydanticValidationError as exc:
        raise InvalidMessage(INVALID_CASE_MESSAGE, "not a case message payload") from exc
    if str(work.request_id) != envelope.correlation_id:
        raise InvalidMessage(INVALID_CASE_MESSAGE, "correlation_id is not the request id")
    return work


def message_changes(
    work: CaseMessagePayload,
    submission_column: str,
    files: Sequence[tuple[MessageFile, bytes]] = (),
) -> list[Any]:
    """The change set's requests (``bench/messages.py`` counts them)."""
    key = {_C.message_id: str(work.message_id)}
    case = {submission_column: str(work.request_id)}
    body = {
        _C.subject: SUBJECT,
        _C.text: work.text,
        _C.direction: _C.from_citizen,
        _C.visible: True,
        f"{_C.case_binding}@odata.bind": f"/incidents({submission_column}='{work.request_id}')",
    }
    changes: list[Any] = [
        ops.upsert(_C.entity_set, key, body, mode="create_only"),
        ops.update(_C.entity_set, key, _COMPLETED),
    ]
    for file, data in files:
        note = {
            "subject": file.file_name,
            "filename": file.file_name,
            "mimetype": file.media_type,
            "documentbody": base64.b64encode(data).decode("ascii"),
            f"{_C.note_binding}@odata.bind": (
                f"/{_C.entity_set}({_C.message_id}='{work.message_id}')"
            ),
        }
        changes.append(ops.create("annotations", note))
    if work.reopen_status is not None:
        changes.append(ops.update("incidents", case, {"statuscode": work.reopen_status}))
    return changes


class MessageWriter:
    def __init__(
        self,
        client: DataverseClient,
        statuses: SubmissionStatuses,
        *,
        submission_column: str,
        blobs: BlobStore | None = None,
    ) -> None:
        self._client, self._statuses, self._column = client, statuses, submission_column
        self._blobs = blobs

    def write(self, work: CaseMessagePayload) -> ProcessOutcome:
        status = self._statuses.get(str(work.request_id))
        if status is not None and status.status == "failed":
            return Permanent("request_failed", "the request never became a case")
        if status is None or status.status != "created":
            # Still queued (or retrying): the case does not exist yet. Wait for it.
            return Transient("waiting_for_case")
        files = self._files(work)
        if isinstance(files, Permanent):
            return files
        changes = message_changes(work, self._column, files)
        try:
            result = self._client.execute_batch([ChangeSet(changes)])
            result.raise_for_error()
        except DataverseError as exc:
            if _already(exc):
                return AlreadyDone(status.case_id)
            return classify(exc, what="the message's change set")
        return Created(status.case_id or "", status.ticket_number or "")

    def _files(self, work: CaseMessagePayload) -> list[tuple[MessageFile, bytes]] | Permanent:
        """Each file's bytes from the blob the API stored."""
        files: list[tuple[MessageFile, bytes]] = []
        for file in work.attachments:
            if self._blobs is None:
                return Permanent("no_blob_store", "this worker cannot read the message's files")
            try:
                files.append((file, self._blobs.get(file.blob_name)))
            except BlobNotFoundError:
                return Permanent("file_gone", "a file of the message is no longer stored")
        return files

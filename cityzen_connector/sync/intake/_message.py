"""A citizen's message on their request (``POST /api/v1/requests/{id}/messages``): validated,
made idempotent, queued (docs/cases.md, "The conversation").

The body is ``{"message_id": uuid?, "text": "…"}``: the text 1 to 2,000 characters (the
conversation table's ``description``, a Memo of 2,000: the activitypointer reference), not
blank; nothing else. The message id is the portal's idempotency key (a new one when absent):
kept in partition ``message-intake`` with a digest of the request and the text, so the same id
with the same text is the same message (202 again, the queue drops the repeat: its message id
is the message id) and with another text a 409. The queue message (``cityzen.case-message/v1``)
goes on the submissions queue, so one worker and one back-off serve both, and the pipeline
writes it in one change set once its request is a case.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from cityzen_connector.mapping import CONVERSATION
from cityzen_connector.messaging import encode
from cityzen_connector.models import CASE_MESSAGE_SCHEMA, CaseMessagePayload, MessageFile
from cityzen_connector.store import PreconditionFailedError

from ._attachments import CheckedFile, IncomingFile, check_files
from ._errors import IdempotencyConflictError, InvalidSubmissionError, unavailable_as_503
from ._idempotency import body_hash
from ._submit import IngestPorts

__all__ = [
    "CASE_MESSAGE_SCHEMA",
    "MESSAGE_INTAKE_PARTITION",
    "AcceptedMessage",
    "CaseMessagePayload",
    "CitizenMessageBody",
    "accept_message",
]

MESSAGE_INTAKE_PARTITION = "message-intake"


class CitizenMessageBody(BaseModel):
    """What the portal posts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    message_id: uuid.UUID | None = Field(
        None, description="The portal's id of the message (idempotency); a new one when absent."
    )
    text: Annotated[StrictStr, Field(min_length=1, max_length=CONVERSATION.text_max_length)]

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the text is blank")
        if "\x00" in value:
            raise ValueError("the text holds a NUL character")
        return value


@dataclass(frozen=True)
class AcceptedMessage:
    request_id: uuid.UUID
    message_id: uuid.UUID
    replay: bool  # the same message sent again: nothing new was recorded
    files: tuple[MessageFile, ...] = ()


@unavailable_as_503
def accept_message(
    request_id: uuid.UUID,
    body: Mapping[str, Any],
    ports: IngestPorts,
    *,
    reopen_status: int | None = None,
    files: Sequence[IncomingFile] = (),
) -> AcceptedMessage:
    """Validate, claim the message id, queue; ``InvalidSubmissionError`` (422) or
    ``IdempotencyConflictError`` (409) otherwise. The caller checked who files it and that the
    request is open."""
    try:
        parsed = CitizenMessageBody.model_validate(dict(body))
    except ValidationError as exc:
        raise InvalidSubmissionError.from_validation(exc) from None
    # The submission's rules: count and size limits, the type from the bytes, the scan hook.
    checked = check_files(files, ports.limits, ports.scanner)
    message_id = parsed.message_id or uuid.uuid4()
    digest = body_hash(
        {
            "request_id": str(request_id),
            "text": parsed.text,
            "files": [f.sha256 for f in checked],
        }
    )
    now = ports.clock()
    replay = False
    try:
        ports.store.put(
            MESSAGE_INTAKE_PARTITION,
            str(message_id),
            {"request_id": str(request_id), "digest": digest, "at": now.isoformat()},
            create_only=True,
            expires_at=now + ports.retention,
        )
    except PreconditionFailedError:
        found = ports.store.get(MESSAGE_INTAKE_PARTITION, str(message_id))
        if found is None or found.value.get("digest") != digest:
            raise IdempotencyConflictError("this message id was used for another message") from None
        replay = True
        if found.value.get("state") == "queued":
            return AcceptedMessage(request_id, message_id, replay, _files(found.value))
    stored = _store_files(checked, ports)
    payload = CaseMessagePayload(
        request_id=request_id,
        message_id=message_id,
        text=parsed.text,
        reopen_status=reopen_status,
        attachments=stored,
    )
    # Sent again on a replay: the first send may be what failed; the queue drops a repeat id.
    ports.bus.send(
        ports.queue,
        [
            encode(
                CASE_MESSAGE_SCHEMA,
                payload.model_dump(mode="json"),
                correlation_id=str(request_id),
                message_id=f"{message_id}~message",
            )
        ],
    )
    ports.store.put(
        MESSAGE_INTAKE_PARTITION,
        str(message_id),
        {
            "request_id": str(request_id),
            "digest": digest,
            "at": now.isoformat(),
            "state": "queued",
            "files": [f.model_dump() for f in stored],
        },
        expires_at=now + ports.retention,
    )
    return AcceptedMessage(request_id, message_id, replay, stored)


def _store_files(checked: Sequence[CheckedFile], ports: IngestPorts) -> tuple[MessageFile, ...]:
    stored = []
    for file in checked:
        ref = ports.blobs.put(file.data, media_type=file.media_type)
        stored.append(
            MessageFile(
                blob_name=ref.name,
                file_name=file.file_name,
                media_type=file.media_type,
                size=file.size,
            )
        )
    return tuple(stored)


def _files(value: Mapping[str, Any]) -> tuple[MessageFile, ...]:
    return tuple(MessageFile.model_validate(f) for f in value.get("files") or ())

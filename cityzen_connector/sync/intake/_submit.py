"""``POST /api/v1/requests`` as a plain function: validate, store the files, enqueue, 202.

Everything that can refuse a request runs before anything is written. Then: the files go to
the blob store, the ingest record -- idempotency reservation and ``queued`` status in one
create-only entity, with the blob references -- is written (one store round trip), and the
envelope (message id = submission id, so Service Bus duplicate detection drops a second send)
goes to the queue. If any step fails, what was written is removed again: no blob is left
behind and nothing was enqueued. A crash between the write and the send leaves a ``queued``
record that the same request, sent again, completes (it resends; see ``_idempotency``).
"""

from __future__ import annotations

import binascii
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from cityzen_connector._metrics import METRICS, SUBMISSIONS_ACCEPTED
from cityzen_connector.identity import CallerIdentity
from cityzen_connector.mapping import FormValidationError, PlanError, ThemeCatalog, identity_key
from cityzen_connector.messaging import MessageBus, encode
from cityzen_connector.models import (
    SUBMISSION_SCHEMA,
    Citizen,
    FieldError,
    Submission,
    text_errors,
)
from cityzen_connector.store import (
    SUBMISSIONS_PARTITION,
    BlobRef,
    BlobStore,
    StateStore,
    SubmissionStatuses,
)

from ._attachments import (
    AttachmentLimits,
    AttachmentScanner,
    CheckedFile,
    IncomingFile,
    NoScan,
    check_files,
)
from ._caller import ABSENT, citizen_from_caller, resolve_id
from ._errors import CallerNotAllowedError, InvalidSubmissionError, unavailable_as_503
from ._idempotency import IngestRecords, Reservation, body_hash
from ._request import SubmissionRequest
from ._territory import KnownAddresses, check_territory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubmissionInput:
    """A parsed request: the JSON object, and the file parts when it came as multipart."""

    body: Mapping[str, Any] = field(repr=False)
    files: Sequence[IncomingFile] | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class IngestPorts:
    bus: MessageBus
    queue: str
    store: StateStore
    blobs: BlobStore
    catalog: ThemeCatalog
    clock: Callable[[], datetime]
    retention: timedelta = timedelta(days=30)
    limits: AttachmentLimits = field(default_factory=AttachmentLimits)
    scanner: AttachmentScanner = field(default_factory=NoScan)
    identity_key: bytes = field(default=b"", repr=False)
    # Address help's memory of the results it served (a suggestion's id → its commune).
    addresses: KnownAddresses | None = None

    @property
    def records(self) -> IngestRecords:
        return IngestRecords(self.store, clock=self.clock, retention=self.retention)

    @property
    def statuses(self) -> SubmissionStatuses:
        return SubmissionStatuses(self.store, clock=self.clock, retention=self.retention)


@dataclass(frozen=True)
class Accepted:
    submission_id: uuid.UUID
    replayed: bool


def _validate(data: Mapping[str, Any], catalog: ThemeCatalog) -> Any:
    try:
        request = SubmissionRequest.model_validate(data)
    except ValidationError as exc:
        raise InvalidSubmissionError.from_validation(exc) from None
    fields = request.model_dump()
    try:
        catalog.validate_fields(fields["theme"], fields["sub_theme"], fields["fields"])
    except FormValidationError as exc:
        raise InvalidSubmissionError(exc.problems) from None
    except PlanError:
        problem = FieldError.of("sub_theme", "unknown_theme", "no such theme and sub-theme")
        raise InvalidSubmissionError([problem]) from None
    return request


def _refuse_what_is_not_text(request: SubmissionInput) -> None:
    """Every member name and string of the body, and every file name, must be Unicode text.

    One rule for all of the body, before the models read it: a lone surrogate is refused
    wherever it is, whichever field rules apply there (nothing else checks member names or
    fields without a text rule), and the other checks never see it.
    """
    errors = text_errors(request.body)
    for index, incoming in enumerate(request.files or ()):
        errors += text_errors(incoming.file_name, location=("attachments", index, "file_name"))
    if errors:
        raise InvalidSubmissionError(errors)


def _validate_all(
    data: dict[str, Any], caller: CallerIdentity, request: SubmissionInput, catalog: ThemeCatalog
) -> tuple[Citizen, Any]:
    """Every field problem at once -- the citizen's and the request's -- in one 422."""
    _refuse_what_is_not_text(request)
    errors: list[FieldError] = []
    citizen = parsed = None
    try:
        citizen = citizen_from_caller(caller, data.pop("citizen", ABSENT))
    except InvalidSubmissionError as exc:
        errors += exc.errors
    if request.files is not None and data.get("attachments"):
        errors.append(FieldError.of("attachments", "not_allowed", "send files as multipart parts"))
    try:
        parsed = _validate(data, catalog)
    except InvalidSubmissionError as exc:
        errors += exc.errors
    if errors or citizen is None:
        raise InvalidSubmissionError(errors)
    return citizen, parsed


def _decode_uploads(uploads: Sequence[Any]) -> list[IncomingFile]:
    files, problems = [], []
    for index, upload in enumerate(uploads):
        try:
            # strict_mode: RFC 4648 section 3.3 -- characters outside the alphabet are refused,
            # not skipped, so two different texts never decode to the same file.
            data = binascii.a2b_base64(upload.content_base64, strict_mode=True)
        except (binascii.Error, ValueError):
            location = f"attachments.{index}.content_base64"
            problems.append(FieldError.of(location, "base64", "not valid base64"))
            continue
        files.append(IncomingFile(data=data, file_name=upload.file_name))
    if problems:
        raise InvalidSubmissionError(problems)
    return files


@unavailable_as_503
def submit(request: SubmissionInput, caller: CallerIdentity, ports: IngestPorts) -> Accepted:
    """Accept one submission; raises an ``IngestError`` with nothing written on refusal."""
    if caller.kind == "agent":
        raise CallerNotAllowedError("agents do not file requests through this API")
    data = dict(request.body)
    citizen, parsed = _validate_all(data, caller, request, ports.catalog)
    check_territory(parsed.location, ports.catalog, ports.addresses)
    submission_id = resolve_id(parsed.id, request.idempotency_key)
    incoming = request.files if request.files is not None else _decode_uploads(parsed.attachments)
    files = check_files(incoming, ports.limits, ports.scanner)
    # Who filed, as the contact's own keyed identity hash: comparable, not an identity.
    filer = identity_key(citizen.issuer, citizen.sub, pepper=ports.identity_key)
    canonical = {
        "request": parsed.model_dump(mode="json", exclude={"id", "attachments", "citizen"}),
        "citizen": citizen.model_dump(mode="json"),
        "files": [[f.file_name, f.sha256] for f in files],
    }
    stored = _store_files(files, ports.blobs)
    attempt = uuid.uuid4().hex
    try:
        reservation = ports.records.reserve(
            str(submission_id),
            body=body_hash(canonical),
            filer=filer,
            blobs=stored,
            attempt=attempt,
        )
    except BaseException:
        # The write may have happened (a reply lost): remove it if it is ours; the blobs go
        # only when no record of ours can reference them.
        if ports.records.release_attempt(str(submission_id), attempt):
            _undo(ports, None, stored)
        raise
    if reservation.replay:
        _undo(ports, None, stored)  # the earlier attempt's blobs are the ones referenced
        if reservation.resend and _not_yet_processed(ports, reservation.submission_id):
            ports.bus.send(ports.queue, [_envelope(parsed, citizen, files, reservation)])
        return Accepted(submission_id, replayed=True)
    try:
        ports.bus.send(ports.queue, [_envelope(parsed, citizen, files, reservation)])
    except BaseException:
        _undo(ports, reservation, stored)
        raise
    METRICS.count(SUBMISSIONS_ACCEPTED)  # a replay is not counted twice
    return Accepted(submission_id, replayed=False)


def _store_files(files: Sequence[CheckedFile], blobs: BlobStore) -> list[BlobRef]:
    stored: list[BlobRef] = []
    try:
        for checked in files:
            stored.append(blobs.put(checked.data, media_type=checked.media_type))
    except BaseException:
        for ref in stored:
            _quietly(_deleter(blobs, ref.name))
        raise
    return stored


def _not_yet_processed(ports: IngestPorts, submission_id: str) -> bool:
    """No status from the pipeline yet: the earlier send may not have happened. (A replay
    only: one read, never on a first submission.)"""
    return ports.store.get(SUBMISSIONS_PARTITION, submission_id) is None


def _envelope(
    parsed: Any, citizen: Citizen, files: Sequence[CheckedFile], reservation: Reservation
) -> Any:
    """The same envelope for a first send and a resend: the record's blobs and time."""
    submission_id = reservation.submission_id
    submission = Submission.model_validate(
        {
            **parsed.model_dump(exclude={"attachments", "citizen"}),
            "id": submission_id,
            "submitted_at": reservation.since,
            "citizen": citizen,
            "attachments": [
                _reference(submission_id, index, checked, ref)
                for index, (checked, ref) in enumerate(zip(files, reservation.blobs, strict=True))
            ],
        }
    )
    return encode(
        SUBMISSION_SCHEMA,
        submission.model_dump(mode="json"),
        correlation_id=submission_id,
        message_id=submission_id,
    )


def _reference(
    submission_id: str, index: int, checked: CheckedFile, ref: BlobRef
) -> dict[str, Any]:
    # Derived, not random: a resend of the same submission (an attempt taken over after a
    # crash) names the same attachments, so the pipeline's notes upsert instead of doubling.
    return {
        "id": uuid.uuid5(uuid.UUID(submission_id), f"{index}:{checked.sha256}"),
        "blob_name": ref.name,
        "file_name": checked.file_name,
        "media_type": ref.media_type,
        "size": ref.size,
        "sha256": ref.sha256,
    }


def _deleter(blobs: BlobStore, name: str) -> Callable[[], object]:
    return lambda: blobs.delete(name)


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except Exception:  # cleanup after a failure: the original error wins
        logger.exception("cleanup after a failed submission left something behind")


def _undo(ports: IngestPorts, reservation: Reservation | None, stored: Sequence[BlobRef]) -> None:
    """Best effort. The record goes first: while it stays (the store failed too) it references
    the blobs, and the same request sent again resends with them -- so they stay as well."""
    if reservation is not None:
        try:
            ports.records.release(reservation)
        except Exception:  # cleanup after a failure: the original error wins
            logger.exception("a failed submission's record stays; a retry will complete it")
            return
    for ref in stored:
        _quietly(_deleter(ports.blobs, ref.name))

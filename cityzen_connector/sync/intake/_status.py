"""``GET /api/v1/requests/{id}``: where a submission stands, told only to whoever filed it.

A citizen sees only their own submissions: the ingest record keeps a keyed hash of the filer's
identity. Anyone else gets the same 404 as for an id that never existed, so the answer does not
reveal that a submission exists (a 403 would). The trusted portal sees every submission.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.mapping import identity_key as pseudonym
from cityzen_connector.models import CreatedStatus, FailedStatus, QueuedStatus
from cityzen_connector.store import SUBMISSIONS_PARTITION, StateStore

from ._errors import CallerNotAllowedError, SubmissionNotFoundError, unavailable_as_503
from ._idempotency import SENT_OR_SENDING, IngestRecords

if TYPE_CHECKING:
    from ._submit import IngestPorts

StatusView = QueuedStatus | CreatedStatus | FailedStatus

#: Shown when the pipeline recorded the case without a status label (a new case is "Nouveau"
#: until an agent moves it; case events update ``case_status`` in the status record).
DEFAULT_CASE_STATUS = "Nouveau"
FAILED_CODE = "rejected"


@unavailable_as_503
def read_status(
    submission_id: str,
    caller: CallerIdentity,
    *,
    store: StateStore,
    clock: Callable[[], datetime],
    identity_key: bytes = b"",
    retention: timedelta = timedelta(days=30),
) -> StatusView:
    """The status for this caller, or ``SubmissionNotFoundError``."""
    try:
        parsed = uuid.UUID(submission_id)
    except (ValueError, TypeError, AttributeError):
        raise SubmissionNotFoundError("no such submission") from None
    key = str(parsed)
    if caller.kind == "agent":
        raise CallerNotAllowedError("agents follow cases in Dynamics 365")
    ingest = IngestRecords(store, clock=clock, retention=retention).get(key)
    if caller.kind != "portal":
        expected = ingest.value.get("filer") if ingest is not None else None
        mine = pseudonym(caller.issuer, caller.subject, pepper=identity_key)
        if not isinstance(expected, str) or not hmac.compare_digest(expected, mine):
            raise SubmissionNotFoundError("no such submission")
    record = store.get(SUBMISSIONS_PARTITION, key)
    if record is None:
        # ``queued``: this layout's one record; ``accepted``: the previous layout's.
        if ingest is None or ingest.value.get("state") not in SENT_OR_SENDING:
            raise SubmissionNotFoundError("no such submission")
        return QueuedStatus(id=parsed)
    value = record.value
    if value.get("status") == "created":
        return CreatedStatus(
            id=parsed,
            ticket_number=str(value.get("ticket_number") or ""),
            case_status=str(value.get("case_status") or DEFAULT_CASE_STATUS),
        )
    if value.get("status") == "failed":
        reason = str(value.get("reason") or "the request could not be processed")
        return FailedStatus(id=parsed, code=str(value.get("code") or FAILED_CODE), reason=reason)
    return QueuedStatus(id=parsed)


def filed_by(submission_id: str, issuer: str, sub: str, ports: IngestPorts) -> uuid.UUID:
    """The request's id when the citizen (``issuer``, ``sub``) filed it, as its intake record
    keeps the filer's pseudonym; else ``SubmissionNotFoundError``, which says nothing of whose
    it is (the conversation routes: only the filer reads or writes its thread)."""
    try:
        parsed = uuid.UUID(submission_id)
    except (ValueError, TypeError, AttributeError):
        raise SubmissionNotFoundError("no such submission") from None
    record = ports.records.get(str(parsed))
    expected = record.value.get("filer") if record is not None else None
    mine = pseudonym(issuer, sub, pepper=ports.identity_key)
    if not isinstance(expected, str) or not hmac.compare_digest(expected, mine):
        raise SubmissionNotFoundError("no such submission")
    return parsed

"""Submission status records: ``queued`` → ``created`` (case id, ticket) or ``failed`` (reason).

Kept in the state store under partition ``submissions``, keyed by the submission id (the
envelope's correlation id, which the portal got back with its 202). Each record expires after
the retention period (RGPD). A late ``failed`` never overwrites ``created``: a duplicate
delivery that dead-letters after the case exists must not tell the citizen it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from cityzen_connector.store._errors import PreconditionFailedError
from cityzen_connector.store._port import StateStore

SUBMISSIONS_PARTITION = "submissions"
#: The ingest record of each submission id (sync/intake): since the one-write ingest path its
#: state ``queued`` is also the submission's first status, until the pipeline writes here.
INGEST_PARTITION = "submission-requests"
Status = Literal["queued", "created", "failed"]
_MAX_REASON = 1000
_ATTEMPTS = 5  # optimistic-concurrency retries when two writers race


@dataclass(frozen=True)
class SubmissionStatus:
    submission_id: str
    status: Status
    updated_at: datetime
    case_id: str | None = None
    ticket_number: str | None = None
    reason: str | None = None


class SubmissionStatuses:
    """Reads and writes submission status records in a ``StateStore``."""

    def __init__(
        self, store: StateStore, *, clock: Callable[[], datetime], retention: timedelta
    ) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention

    def get(self, submission_id: str) -> SubmissionStatus | None:
        record = self._store.get(SUBMISSIONS_PARTITION, submission_id)
        if record is None:
            return self._from_ingest(submission_id)
        value = record.value
        return SubmissionStatus(
            submission_id=submission_id,
            status=value["status"],
            updated_at=record.updated_at,
            case_id=value.get("case_id"),
            ticket_number=value.get("ticket_number"),
            reason=value.get("reason"),
        )

    def _from_ingest(self, submission_id: str) -> SubmissionStatus | None:
        """Queued, as the ingest record says until the pipeline writes a status: ingest writes
        one record, its ``queued`` state (``accepted`` in the previous layout) is the status."""
        record = self._store.get(INGEST_PARTITION, submission_id)
        if record is None or record.value.get("state") not in ("queued", "accepted"):
            return None
        return SubmissionStatus(submission_id, "queued", record.updated_at)

    def _write(self, submission_id: str, value: dict[str, Any], *, unless_created: bool) -> bool:
        for _ in range(_ATTEMPTS):
            current = self._store.get(SUBMISSIONS_PARTITION, submission_id)
            if unless_created and current is not None and current.value.get("status") == "created":
                return False
            try:
                self._store.put(
                    SUBMISSIONS_PARTITION,
                    submission_id,
                    value,
                    if_match=None if current is None else current.etag,
                    create_only=current is None,
                    expires_at=self._clock() + self._retention,
                )
            except PreconditionFailedError:
                continue  # someone wrote in between: read again and decide again
            return True
        raise PreconditionFailedError(f"status of a submission kept changing ({_ATTEMPTS} tries)")

    def mark_queued(self, submission_id: str) -> bool:
        value = {"status": "queued"}
        # A submission being accepted has no status yet: write create-only straight away (one
        # store round trip instead of a read then a write); a record already there -- a resend
        # or a recovery -- goes through the read-and-decide loop as every other status does.
        try:
            self._store.put(
                SUBMISSIONS_PARTITION,
                submission_id,
                value,
                create_only=True,
                expires_at=self._clock() + self._retention,
            )
        except PreconditionFailedError:
            return self._write(submission_id, value, unless_created=True)
        return True

    def mark_created(self, submission_id: str, *, case_id: str, ticket_number: str) -> bool:
        value = {"status": "created", "case_id": case_id, "ticket_number": ticket_number}
        return self._write(submission_id, value, unless_created=False)

    def mark_failed(self, submission_id: str, *, reason: str) -> bool:
        """Record the failure; ``False`` (and nothing written) if the case was already created."""
        value = {"status": "failed", "reason": reason[:_MAX_REASON]}
        return self._write(submission_id, value, unless_created=True)

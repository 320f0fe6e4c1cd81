"""Case histories in the state store: each change once, in order, and the portal told.

Partition ``cases``, key = the case id: the ``CaseRecord`` (written with ETag concurrency, as
``store/_status.py`` writes submission statuses: read, decide, write ``If-Match``; another
writer in between means read and decide again). Beside it, two small indexes the reads need:

- ``cases-of-contact-<contact id>``, key = case id: one summary per case of that contact, so
  "my requests" is one partition read, whoever filed the case;
- ``case-of-submission``, key = submission id: which case a submission became.

Each index entry carries the record's ``rev`` and is never overwritten by an older one.

When the citizen-facing status changes, a ``request.status_changed`` webhook event is published
*before* the record is written: publishing is idempotent (the event id is derived from the case
and the change, and the outbox queue drops a repeated id), so a crash after publishing and
before writing publishes the same event again on redelivery, never a lost one.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cityzen_connector.mapping import CitizenStatus, StatusVocabulary
from cityzen_connector.store import PreconditionFailedError, StateStore

from ._events import CaseChange
from ._record import CaseRecord, Placement
from ._webhook import WebhookEvent, WebhookOutbox

__all__ = [
    "CASES_PARTITION",
    "STATUS_CHANGED",
    "SUBMISSION_LINKS",
    "Applied",
    "CaseHistory",
    "contact_partition",
    "webhook_id",
]

CASES_PARTITION = "cases"
SUBMISSION_LINKS = "case-of-submission"
STATUS_CHANGED = "request.status_changed"
_ATTEMPTS = 8  # optimistic-concurrency rounds when writers race on one case
_LOG = logging.getLogger("cityzen_connector.cases")


def contact_partition(contact_id: uuid.UUID) -> str:
    return f"cases-of-contact-{contact_id}"


def webhook_id(case_id: uuid.UUID, change_key: str, code: str) -> str:
    """Stable per change: the same change seen twice, or both ways, has the same id. The code
    is part of it: a late older change can turn the same current entry from "received" into
    "in progress" (it proves an agent acted), which is news with an id of its own."""
    digest = hashlib.sha256(f"{case_id}:{change_key}:{code}".encode()).hexdigest()
    return f"msg_{digest[:32]}"


@dataclass(frozen=True)
class Applied:
    """What one observation did: ``current`` (the case's status moved), ``history`` (an older
    change, placed before the current one), ``same`` (nothing new), ``duplicate`` (already
    applied). ``event`` is the webhook event published, if any."""

    placement: Placement
    record: CaseRecord
    event: WebhookEvent | None = None


class CaseHistory:
    def __init__(
        self,
        store: StateStore,
        outbox: WebhookOutbox,
        vocabulary: StatusVocabulary,
        *,
        clock: Callable[[], datetime],
        retention: timedelta,
    ) -> None:
        self._store = store
        self._outbox = outbox
        self.vocabulary = vocabulary
        self._clock = clock
        self._retention = retention

    def get(self, case_id: uuid.UUID) -> CaseRecord | None:
        found = self._store.get(CASES_PARTITION, str(case_id))
        return CaseRecord.from_json(found.value) if found is not None else None

    def case_of_submission(self, submission_id: uuid.UUID) -> uuid.UUID | None:
        found = self._store.get(SUBMISSION_LINKS, str(submission_id))
        value = found.value.get("case_id") if found is not None else None
        return uuid.UUID(value) if isinstance(value, str) else None

    def apply(self, change: CaseChange, *, publish_new: bool = True) -> Applied:
        """Record ``change``; ``publish_new``: tell the portal about a case seen for the first
        time (not when change tracking first reads every existing case)."""
        key = str(change.case_id)
        for _ in range(_ATTEMPTS):
            found = self._store.get(CASES_PARTITION, key)
            before = CaseRecord.from_json(found.value) if found else CaseRecord(change.case_id)
            after, placement = before.merged(change)
            if placement == "duplicate":
                return Applied("duplicate", before)
            event = self._event(before, after, publish_new=publish_new)
            if event is not None:
                self._outbox.publish(event)
            try:
                self._store.put(
                    CASES_PARTITION,
                    key,
                    after.to_json(),
                    if_match=found.etag if found else None,
                    create_only=found is None,
                    expires_at=self._clock() + self._retention,
                )
            except PreconditionFailedError:
                continue  # another writer: read again and decide again
            self._index(before, after)
            return Applied(placement, after, event)
        raise PreconditionFailedError(f"a case kept changing ({_ATTEMPTS} tries)")

    def _event(
        self, before: CaseRecord, after: CaseRecord, *, publish_new: bool
    ) -> WebhookEvent | None:
        now, was = after.current(self.vocabulary), before.current(self.vocabulary)
        if now is None or now == was or (was is None and not publish_new):
            return None
        return status_event(after, now)

    def _index(self, before: CaseRecord, after: CaseRecord) -> None:
        expires = self._clock() + self._retention
        if after.submission_id is not None and before.submission_id != after.submission_id:
            self._store.put(
                SUBMISSION_LINKS,
                str(after.submission_id),
                {"case_id": str(after.case_id)},
                expires_at=expires,
            )
        if after.contact_id is not None:
            self._newer(contact_partition(after.contact_id), after, expires)
        if before.contact_id is not None and before.contact_id != after.contact_id:
            # The case moved to another customer: it is no longer the first one's.
            self._store.delete(contact_partition(before.contact_id), str(after.case_id))

    def _newer(self, partition: str, record: CaseRecord, expires: datetime) -> None:
        value = summary(record)
        for _ in range(_ATTEMPTS):
            found = self._store.get(partition, str(record.case_id))
            if found is not None and int(found.value.get("rev", 0)) >= record.rev:
                return
            try:
                self._store.put(
                    partition,
                    str(record.case_id),
                    value,
                    if_match=found.etag if found else None,
                    create_only=found is None,
                    expires_at=expires,
                )
            except PreconditionFailedError:
                continue
            return
        _LOG.warning("index of case %s left behind: too many concurrent writers", record.case_id)


def summary(record: CaseRecord) -> dict[str, Any]:
    """What "my requests" lists of a case: no history, raw state (labels are read's)."""
    last = record.entries[-1] if record.entries else None
    return {
        "rev": record.rev,
        "case_id": str(record.case_id),
        "ticket_number": record.ticket_number,
        "submission_id": str(record.submission_id) if record.submission_id else None,
        "subject_name": record.subject_name,
        "origin": record.origin,
        "created_on": record.created_on.isoformat() if record.created_on else None,
        "state": last.state if last else None,
        "status": last.status if last else None,
        "first": len(record.entries) == 1 and not record.trimmed,
        "version": last.version if last else None,
        "updated_at": last.at.isoformat() if last else None,
    }


def status_event(record: CaseRecord, status: CitizenStatus) -> WebhookEvent:
    """The portal's ``request.status_changed``: ids, ticket and status, no personal data."""
    last = record.entries[-1]
    return WebhookEvent(
        id=webhook_id(record.case_id, last.key, status.code),
        type=STATUS_CHANGED,
        timestamp=last.at,
        data={
            "request_id": str(record.submission_id) if record.submission_id else None,
            "case_id": str(record.case_id),
            "ticket_number": record.ticket_number,
            "status": status.code,
            "label_fr": status.label_fr,
            "label_en": status.label_en,
            "closed": status.closed,
            "updated_at": last.at.isoformat().replace("+00:00", "Z"),
        },
        contact_id=record.contact_id,
    )

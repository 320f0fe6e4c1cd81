"""The erasure, when the data protection officer approves: triggered by the case-status event.

The case-events worker hands every case it records (a redelivered event included) to
``on_case``. Only a case filed by ``ErasureRequests`` (its ``rgpd-erasures`` record) in a pair
``rights.toml`` declares decides anything:

- refused: the record becomes ``refused``; nothing is erased;
- approved: the record becomes ``erasing`` with the ids to look for (the contact, the cases,
  the submissions: ids, never personal data), then, each step idempotent:
  1. the failed copies of their messages leave the queues (``_queues``), the notifications
     kept about their requests and cases go (``forget_notifications``: the local notifier);
  2. their contact's columns named in ``rights.toml`` are pseudonymised through our client
     (alternate keys to a keyed pseudonym, required columns to a placeholder, the others
     cleared), and the typed columns of their open cases are cleared (a closed case is
     read-only in Dynamics 365: it is kept as the legal retention keeps it);
  3. the blobs their records reference, then the records themselves, are deleted;
  and the record becomes ``done``, holding counts only, with its audit record.

An event delivered twice finds ``done`` (or ``refused``) and does nothing; a crash midway leaves
``erasing``, which the redelivered event, or the ``rights`` timer (``resume``), runs again from
the ids saved at the start (the contact can no longer be found by its key once pseudonymised).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.mapping import RightsPlan
from cityzen_connector.messaging import MessageBus
from cityzen_connector.store import BlobStore, PreconditionFailedError, Record, StateStore

from ._audit import Right, RightsAudit
from ._collect import DataverseReader
from ._holdings import Partitions, find_holdings
from ._queues import FailedPlace, Matcher, remove_failed
from ._records import ERASED_PARTITION, ERASURES_PARTITION, pseudonym

_LOG = logging.getLogger("cityzen_connector.rgpd")
_ACTIVE = 0  # incident statecode Active: the only state whose columns may be updated


class Eraser:
    def __init__(
        self,
        *,
        store: StateStore,
        blobs: BlobStore,
        bus: MessageBus,
        failed_places: Iterable[FailedPlace],
        client: DataverseClient,
        reader: DataverseReader,
        plan: RightsPlan,
        partitions: Partitions,
        audit: RightsAudit,
        clock: Callable[[], datetime],
        pepper: bytes,
        status_of: Callable[[uuid.UUID], tuple[int | None, int | None] | None] | None = None,
        forget_notifications: Callable[[Collection[str]], int] | None = None,
    ) -> None:
        self._store = store
        self._blobs = blobs
        self._bus = bus
        self._places = tuple(failed_places)
        self._client = client
        self._reader = reader
        self._plan = plan
        self._partitions = partitions
        self._audit = audit
        self._clock = clock
        self._pepper = pepper
        # The last known (state, status reason) of a submission's case (the case histories):
        # how ``resume`` finds a decision whose event was lost and that change tracking
        # brought to the history instead.
        self._status_of = status_of
        # The notifications kept about their requests and cases (the local notifier's files).
        self._forget_notifications = forget_notifications

    def on_case(
        self, submission_id: uuid.UUID | None, state: int | None, status: int | None
    ) -> str | None:
        """What a recorded case change decided: ``None`` (not a rights decision), ``refused``,
        ``erased``, or ``duplicate`` (decided already)."""
        decision = self._plan.decision(state, status)
        record = None
        if submission_id is not None and decision is not None:
            record = self._store.get(ERASURES_PARTITION, str(submission_id))
        if record is None:
            return None
        current = record.value.get("state")
        if current in ("done", "refused"):
            return "duplicate"
        if decision == "refused":
            if current == "erasing":
                return self._erase(record)  # approved first: what was started is finished
            self._close(record, "refused", {})
            return "refused"
        return self._erase(record)

    def resume(self) -> int:
        """The ``rights`` timer: finish the erasures a crash left midway, and decide the
        requests whose decision reached the case history without an event (the change-tracking
        reconciliation records what the queue lost, and tells no one)."""
        resumed = 0
        for record in self._store.query(ERASURES_PARTITION):
            state = record.value.get("state")
            if state == "erasing":
                self._erase(record)
                resumed += 1
            elif state == "filed" and self._status_of is not None:
                submission = uuid.UUID(record.key)
                pair = self._status_of(submission)
                if pair is not None and self.on_case(submission, *pair) is not None:
                    resumed += 1
        return resumed

    def erased_at(self, identity_key: str) -> datetime | None:
        """When the citizen of this identity key had their data erased, if they did: a change
        of their record asked before then must not write their details back (the profile
        updates' worker drops it)."""
        found = self._store.get(ERASED_PARTITION, pseudonym(identity_key, pepper=self._pepper))
        stamp = found.value.get("at") if found is not None else None
        return datetime.fromisoformat(stamp) if isinstance(stamp, str) else None

    def overdue(self) -> list[str]:
        """The requests still undecided past their deadline (``due_on``, RGPD article 12.3),
        each told to ops by id, right and date: never whose."""
        today = self._clock().date().isoformat()
        late: list[str] = []
        for record in self._store.query(ERASURES_PARTITION):
            due = record.value.get("due_on")
            if record.value.get("state") == "filed" and isinstance(due, str) and due < today:
                _LOG.warning(
                    "rgpd %s request %s: undecided, the answer was due on %s (RGPD article 12.3)",
                    record.value.get("kind", "erasure"),
                    record.key,
                    due,
                )
                late.append(record.key)
        return late

    # -- the erasure --------------------------------------------------------------------------
    def _erase(self, record: Record) -> str:
        owner = str(record.value["owner"])
        record = self._start(record, owner)
        self._mark_erased(owner, record)
        found = record.value["found"]
        contact_id = found.get("contact_id")
        holdings = find_holdings(
            self._store,
            self._partitions,
            owner,
            contact_id=contact_id,
            case_ids=found.get("case_ids") or (),
            submission_ids=found.get("submission_ids") or (),
        )
        counts = dict(record.value.get("counts") or {})
        matcher = Matcher(holdings.needles | {owner}, owner, self._pepper)
        counts["messages"] = counts.get("messages", 0) + remove_failed(
            self._bus, self._places, matcher
        )
        if self._forget_notifications is not None:
            forgotten = self._forget_notifications(holdings.needles)
            counts["notifications"] = counts.get("notifications", 0) + forgotten
        if contact_id is not None:
            counts["contact_columns"] = self._pseudonymise(contact_id)
            counts["case_rows"] = self._clear_cases(contact_id)
        blobs = 0
        for name in sorted(holdings.blob_names):
            blobs += self._blobs.delete(name)
        counts["blobs"] = counts.get("blobs", 0) + blobs
        records = 0
        for (partition, key), _ in sorted(holdings.records.items()):
            if (partition, key) == (ERASURES_PARTITION, record.key):
                continue
            records += self._store.delete(partition, key)
        counts["records"] = counts.get("records", 0) + records
        self._close(record, "done", counts, outcome="erased")
        return "erased"

    def _start(self, record: Record, owner: str) -> Record:
        """Save what to look for before anything is changed (ids only)."""
        if record.value.get("state") == "erasing" and "found" in record.value:
            return record
        contact = self._reader.contact(owner)
        contact_id = contact[0] if contact is not None else None
        cases = self._reader.cases(contact_id, with_threads=False) if contact_id else ()
        holdings = find_holdings(
            self._store,
            self._partitions,
            owner,
            contact_id=contact_id,
            case_ids=[str(case["id"]) for case in cases],
        )
        value = {
            **record.value,
            "state": "erasing",
            "found": {
                "contact_id": holdings.contact_id,
                "case_ids": sorted(holdings.case_ids),
                "submission_ids": sorted(holdings.submission_ids),
            },
        }
        return self._store.put(
            ERASURES_PARTITION,
            record.key,
            value,
            if_match=record.etag,
            expires_at=record.expires_at,
        )

    def _mark_erased(self, owner: str, record: Record) -> None:
        """Before anything is erased: a change of the record in flight, read after this, is
        dropped. The key is the audit's pseudonym (no new way to link anyone); the first
        erasure's time is kept (a resumed one does not move it)."""
        key = pseudonym(owner, pepper=self._pepper)
        if self._store.get(ERASED_PARTITION, key) is not None:
            return
        value = {"at": self._clock().isoformat()}
        with contextlib.suppress(PreconditionFailedError):  # another delivery marked it first
            self._store.put(
                ERASED_PARTITION, key, value, create_only=True, expires_at=record.expires_at
            )

    def _pseudonymise(self, contact_id: str) -> int:
        plan = self._plan
        changes: dict[str, Any] = {}
        for column in plan.pseudonymise:
            if column in plan.key_columns:
                changes[column] = self._keyed(column, contact_id)
            else:
                changes[column] = plan.placeholders.get(column)
        self._client.update(plan.contact_entity_set, uuid.UUID(contact_id), changes)
        return len(changes)

    def _clear_cases(self, contact_id: str) -> int:
        plan = self._plan
        if not plan.case_columns:
            return 0
        cleared = 0
        for case in self._reader.cases(contact_id, with_threads=False):
            if case.get("statecode") != _ACTIVE:
                continue
            if all(case.get(column) is None for column in plan.case_columns):
                continue
            changes = dict.fromkeys(plan.case_columns)
            self._client.update(plan.case_entity_set, uuid.UUID(str(case["id"])), changes)
            cleared += 1
        return cleared

    def _keyed(self, column: str, contact_id: str) -> str:
        """A value no identity maps to, unique per contact (alternate keys stay unique)."""
        message = f"rgpd-erased:{column}:{contact_id}".encode()
        return hmac.new(self._pepper, message, hashlib.sha256).hexdigest()

    def _close(
        self, record: Record, state: str, counts: Mapping[str, int], *, outcome: str = ""
    ) -> None:
        owner = str(record.value.get("owner", ""))
        kind = str(record.value.get("kind", "erasure"))
        value = {
            "kind": kind,
            "state": state,
            "filed_at": record.value.get("filed_at"),
            "decided_at": self._clock().isoformat(),
            "counts": dict(counts),
        }
        try:
            self._store.put(
                ERASURES_PARTITION,
                record.key,
                value,
                if_match=record.etag,
                expires_at=record.expires_at,
            )
        except PreconditionFailedError:
            _LOG.info("erasure request %s decided by another delivery", record.key)
            return
        right: Right = "objection" if kind == "objection" else "erasure"
        self._audit.record(right, record.key, outcome or state, owner=owner, counts=counts)

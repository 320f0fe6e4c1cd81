"""The safety net: read case changes with Dataverse change tracking and feed the ones the queue
missed through the same history code.

A service endpoint's posts are asynchronous system jobs, and a system job can fail or be
cancelled: a status change would then never reach the queue. Change tracking closes the gap
("Use change tracking to synchronize data with external systems",
https://learn.microsoft.com/power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems):

- the first run asks for the case table with ``Prefer: odata.track-changes`` and gets every row
  (a *baseline*: cases seen for the first time are recorded without telling the portal — they
  are not news), then an ``@odata.deltaLink``;
- each later run follows the stored delta link and gets the rows created or changed since, then
  ``$deletedEntity`` entries (counted, not recorded: a deleted case keeps its history until it
  expires);
- the new delta link is stored (partition ``case-tracking``, key = the table) only once the
  whole answer was read: a run that dies midway reads the same changes again next time, which
  the history counts as duplicates.

Each row carries its ``versionnumber``: the change key the queue's post-image gives the same
change, so a change seen both ways is recorded once. A token older than the organisation keeps
(7 days by default) is refused with ``ExpiredVersionStamp`` (0x80044352): the run starts over
with a full read, telling the portal about changes of known cases but not about new ones.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseError,
    DataverseRequest,
    NotFoundError,
    Page,
    Query,
    ops,
)
from cityzen_connector.store import StateStore

from ._errors import InvalidCaseEvent
from ._events import CaseChange, change_of_row
from ._history import CaseHistory
from ._schema import ROW_ANNOTATIONS, CaseSchema

__all__ = ["TRACKING_PARTITION", "ReconcileReport", "Reconciler"]

TRACKING_PARTITION = "case-tracking"
_EXPIRED = "0x80044352"
_LOG = logging.getLogger("cityzen_connector.cases.reconcile")


@dataclass(frozen=True)
class ReconcileReport:
    """What one run read and did. ``recorded``: changes the queue had not brought."""

    baseline: bool = False
    restarted: bool = False
    rows: int = 0
    recorded: int = 0
    unchanged: int = 0
    deleted: int = 0
    refused: int = 0

    def line(self) -> str:
        kind = "full read" if self.baseline else "changes"
        again = " (delta token expired: started over)" if self.restarted else ""
        return (
            f"{kind}{again}: {self.rows} row(s), {self.recorded} recorded, {self.unchanged}"
            f" already known, {self.deleted} deleted, {self.refused} unreadable"
        )


class Reconciler:
    def __init__(
        self,
        client: DataverseClient,
        store: StateStore,
        history: CaseHistory,
        schema: CaseSchema,
        *,
        page_size: int = 500,
    ) -> None:
        self._client = client
        self._store = store
        self._history = history
        self._schema = schema
        self._page_size = page_size

    def read_case(self, case_id: uuid.UUID) -> CaseChange | None:
        """The case as it is now, read as change tracking reads it (its row version is the
        change's key, so the event it stands for, or a later one, is one change); ``None`` when
        the case no longer exists. For a message Dataverse trimmed past 192 KB."""
        request = ops.retrieve(
            self._schema.entity_set, case_id, select=self._schema.select()
        ).with_prefer(ROW_ANNOTATIONS)
        try:
            row = self._client.execute(request)
        except NotFoundError:
            return None
        return change_of_row(row, self._schema)

    def forget(self) -> None:
        """Drop the delta token: the next run reads every case again (``--full``)."""
        self._store.delete(TRACKING_PARTITION, self._schema.table)

    def run(self) -> ReconcileReport:
        found = self._store.get(TRACKING_PARTITION, self._schema.table)
        delta = found.value.get("delta_link") if found is not None else None
        if isinstance(delta, str):
            try:
                return self._read(self._request(delta), baseline=False)
            except DataverseError as exc:
                if exc.code.lower() != _EXPIRED:
                    raise
                _LOG.warning("case change tracking token expired: reading every case again")
                report = self._read(self._request(None), baseline=False, full=True)
                return replace(report, restarted=True)
        return self._read(self._request(None), baseline=True)

    def _request(self, delta_link: str | None) -> DataverseRequest[Page]:
        query = Query(self._schema.entity_set).select(*self._schema.select())
        request = ops.query(query, max_page_size=self._page_size).with_prefer(
            "odata.track-changes", ROW_ANNOTATIONS
        )
        return request if delta_link is None else replace(request, path=delta_link, query=())

    def _read(
        self, request: DataverseRequest[Page], *, baseline: bool, full: bool = False
    ) -> ReconcileReport:
        counts = {"rows": 0, "recorded": 0, "unchanged": 0, "deleted": 0, "refused": 0}
        delta_link: str | None = None
        for page in self._pages(request):
            for row in page.records:
                counts[self._one(row, publish_new=not (baseline or full))] += 1
                counts["rows"] += 1
            delta_link = page.delta_link or delta_link
        if delta_link is None:
            raise InvalidCaseEvent("malformed", "the change-tracking answer had no delta link")
        self._store.put(TRACKING_PARTITION, self._schema.table, {"delta_link": delta_link})
        return ReconcileReport(
            baseline=baseline,
            rows=counts["rows"],
            recorded=counts["recorded"],
            unchanged=counts["unchanged"],
            deleted=counts["deleted"],
            refused=counts["refused"],
        )

    def _pages(self, request: DataverseRequest[Page]) -> Iterator[Page]:
        return self._client.pages(request)

    def _one(self, row: dict[str, object], *, publish_new: bool) -> str:
        if str(row.get("@odata.context", "")).endswith("$deletedEntity"):
            return "deleted"
        try:
            change = change_of_row(row, self._schema)
        except InvalidCaseEvent as exc:
            # One odd row must not stop the others; its id is safe to log, its values are not.
            _LOG.warning("case row %s unreadable: %s", row.get(self._schema.primary_id), exc)
            return "refused"
        applied = self._history.apply(change, publish_new=publish_new)
        return "unchanged" if applied.placement in ("same", "duplicate") else "recorded"

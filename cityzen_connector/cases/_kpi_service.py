"""The KPIs as the stats route asks for them: facts read from the state store, figures
computed, and the counts Dataverse holds beside ours (docs/kpis.md).

The store answers every figure: no Dataverse call per request. One FetchXML aggregate ("Aggregate
data using FetchXml", https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/
aggregate-data) counts the cases Dataverse holds, created in the period, grouped by state and
origin: every channel, including cases whose events never reached us. Its answer is kept a few
minutes per period (``cache_seconds``); when Dataverse cannot answer, the figures are still
given, with ``reconciliation.available`` false.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cityzen_connector.dataverse import DataverseClient, DataverseError, ops
from cityzen_connector.store import (
    INGEST_PARTITION,
    SUBMISSIONS_PARTITION,
    StateStore,
    StoreError,
)

from ._history import CASES_PARTITION
from ._kpi_facts import UNKNOWN, Fact, FactReader, queued_fact
from ._kpi_labels import group_labels, status_labels
from ._kpis import StatsQuery, compute_kpis
from ._opendata import open_data_csv, open_data_json, open_data_rows

__all__ = ["KpiService", "reconciliation_fetch"]

_LOG = logging.getLogger("cityzen_connector.cases")
_STATES = {0: "active", 1: "resolved", 2: "cancelled"}


def reconciliation_fetch(start: date, end: date) -> str:
    """Cases created in ``[start, end]``, counted by state and origin. The days are ours
    (``date.isoformat()``), never a caller's text."""
    return (
        "<fetch aggregate='true'><entity name='incident'>"
        "<attribute name='incidentid' alias='count' aggregate='count' />"
        "<attribute name='statecode' alias='state' groupby='true' />"
        "<attribute name='caseorigincode' alias='origin' groupby='true' />"
        "<filter type='and'>"
        f"<condition attribute='createdon' operator='on-or-after' value='{start.isoformat()}' />"
        f"<condition attribute='createdon' operator='on-or-before' value='{end.isoformat()}' />"
        "</filter></entity></fetch>"
    )


@dataclass(frozen=True)
class _Cached:
    at: datetime
    counts: dict[str, Any] | None


class KpiService:
    def __init__(
        self,
        store: StateStore,
        reader: FactReader,
        *,
        clock: Callable[[], datetime],
        client: DataverseClient | None = None,
        entity_set: str = "incidents",
        cache_seconds: float = 300.0,
        open_data_threshold: int = 5,
    ) -> None:
        self._store = store
        self._reader = reader
        self._clock = clock
        self._client = client
        self._entity_set = entity_set
        self._ttl = timedelta(seconds=cache_seconds)
        self._cache: dict[tuple[date, date], _Cached] = {}
        self._lock = threading.Lock()
        self.threshold = open_data_threshold
        self._published: tuple[date, dict[str, bytes]] | None = None

    def facts(self) -> list[Fact]:
        """Every request the store knows: its cases, and submissions still queued."""
        found: list[Fact] = []
        for record in self._store.query(CASES_PARTITION):
            try:
                fact = self._reader.of_json(record.value)
            except (KeyError, TypeError, ValueError):
                # A record another version wrote and this one cannot read: left out, counted.
                _LOG.warning("a case record could not be read for the KPIs")
                continue
            if fact is not None:
                found.append(fact)
        statuses = self._store.query(SUBMISSIONS_PARTITION)
        for record in statuses:
            if record.value.get("status") == "queued":
                found.append(queued_fact(record.updated_at))
        # Ingest writes one record: queued until the pipeline writes a status of its own.
        known = {record.key for record in statuses}
        for record in self._store.query(INGEST_PARTITION):
            if record.key not in known and record.value.get("state") == "queued":
                found.append(queued_fact(record.updated_at))
        return found

    def stats(self, query: StatsQuery) -> dict[str, Any]:
        now = self._clock()
        facts = self.facts()
        report = compute_kpis(facts, query, now=now)
        ours = _store_counts(
            f for f in facts if f.has_case and query.start <= f.received.date() <= query.end
        )
        theirs = self._dataverse_counts(query.start, query.end, now)
        report["reconciliation"] = _reconciled(ours, theirs)
        report["labels"] = self._labels(report, query)
        return report

    def _labels(self, report: dict[str, Any], query: StatsQuery) -> dict[str, Any]:
        codes = [row["group"] for row in (*report["groups"], *report["backlog"])]
        statuses = [code for row in report["periods"] for code in row["by_status"]]
        return {
            "groups": group_labels(self._reader, query.group_by, codes),
            "statuses": status_labels(self._reader, statuses),
        }

    def open_data(self, kind: str) -> tuple[bytes, str]:
        """The day's open data (``csv`` or ``json``) and its strong ETag. Computed once per UTC
        day over the requests received before that day, so every answer of a day is the same."""
        today = self._clock().date()
        with self._lock:
            published = self._published
        if published is None or published[0] != today:
            facts = [f for f in self.facts() if f.received.date() < today]
            rows = open_data_rows(facts, threshold=self.threshold)
            made = {
                "csv": open_data_csv(rows),
                "json": open_data_json(rows, threshold=self.threshold),
            }
            published = (today, made)
            with self._lock:
                self._published = published
        body = published[1][kind]
        return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'

    def _dataverse_counts(self, start: date, end: date, now: datetime) -> dict[str, Any] | None:
        if self._client is None:
            return None
        with self._lock:
            cached = self._cache.get((start, end))
            if cached is not None and now - cached.at < self._ttl:
                return cached.counts
        try:
            page = self._client.execute(
                ops.fetch_xml(self._entity_set, reconciliation_fetch(start, end))
            )
            counts = _dataverse_counts(page.records, self._reader.channels)
        except (DataverseError, StoreError, ValueError, TypeError) as exc:
            _LOG.warning("KPI reconciliation unavailable: %s", type(exc).__name__)
            counts = None
        with self._lock:
            if len(self._cache) > 64:  # periods asked for are few; never grow without bound
                self._cache.clear()
            self._cache[(start, end)] = _Cached(now, counts)
        return counts


def _store_counts(facts: Any) -> dict[str, Any]:
    by_state: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    total = 0
    for fact in facts:
        total += 1
        state = "resolved" if fact.resolved else "cancelled" if fact.withdrawn else "active"
        by_state[state] = by_state.get(state, 0) + 1
        by_channel[fact.channel] = by_channel.get(fact.channel, 0) + 1
    return {"total": total, "by_state": by_state, "by_channel": by_channel}


def _dataverse_counts(rows: list[Any], channels: Mapping[int, str]) -> dict[str, Any]:
    by_state: dict[str, int] = {}
    by_channel: dict[str, int] = {}
    total = 0
    for row in rows:
        count = row.get("count")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ValueError("an aggregate row without a count")
        state, origin = row.get("state"), row.get("origin")
        state_name = _STATES.get(state, UNKNOWN) if isinstance(state, int) else UNKNOWN
        channel = channels.get(origin, UNKNOWN) if isinstance(origin, int) else UNKNOWN
        total += count
        by_state[state_name] = by_state.get(state_name, 0) + count
        by_channel[channel] = by_channel.get(channel, 0) + count
    return {"total": total, "by_state": by_state, "by_channel": by_channel}


def _reconciled(ours: dict[str, Any], theirs: dict[str, Any] | None) -> dict[str, Any]:
    if theirs is None:
        return {"available": False, "store": ours, "dataverse": None, "differs": None}
    return {
        "available": True,
        "store": ours,
        "dataverse": theirs,
        "differs": ours["total"] != theirs["total"] or ours["by_state"] != theirs["by_state"],
        # Cases Dataverse has that our history lacks: events never received (or purged).
        "missing_from_store": max(0, theirs["total"] - ours["total"]),
    }

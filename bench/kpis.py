"""The KPIs of 10,000 requests' histories: our one pass (``KpiService.stats``: read the store,
reduce each history to its facts once, group, sort each group's delays once) against the naive
way, which scans and re-reads every history for each (period, group) cell, as a query per cell
would. Both read the same in-memory store; the figures are checked equal.

Run: .venv/bin/python bench/kpis.py
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cityzen_connector.cases import (
    CASES_PARTITION,
    CaseChange,
    CaseHistory,
    FactReader,
    KpiService,
    Owner,
    StatsQuery,
    compute_kpis,
)
from cityzen_connector.cases._kpis import period_key
from cityzen_connector.mapping import MappingSet, load_mappings
from cityzen_connector.store import StateStore, open_store
from cityzen_connector.testing import FakeClock

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 10_000
T0 = datetime(2026, 1, 1, 8, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)


class _NoOutbox:
    def publish(self, event: object) -> None:
        pass


def _histories(mappings: MappingSet, store: StateStore) -> None:
    rng = random.Random(5)
    history = CaseHistory(
        store,
        _NoOutbox(),  # type: ignore[arg-type]
        mappings.statuses,
        clock=lambda: NOW,
        retention=timedelta(days=800),
    )
    subjects = list(mappings.catalog.by_subject().items())
    teams = list(mappings.catalog.teams)
    for _ in range(REQUESTS):
        case_id, at = uuid.uuid4(), T0 + timedelta(minutes=rng.randrange(0, 330 * 24 * 60))
        title, _pair = rng.choice(subjects)
        team = rng.choice(teams)
        steps: list[tuple[float, int, int]] = []
        fate, first = rng.random(), rng.uniform(0.5, 72)
        if fate < 0.85:
            steps = [(first, 0, 1), (first + rng.uniform(1, 900), 1, 5)]
            if fate < 0.15:
                steps += [(steps[-1][0] + 24, 0, 2), (steps[-1][0] + 200, 1, 5)]
        elif fate < 0.9:
            steps = [(first, 2, 6)]
        for version, (hours, state, status) in enumerate([(0.0, 0, 1), *steps], start=1):
            history.apply(
                CaseChange(
                    case_id=case_id,
                    source="queue",
                    message="Create" if version == 1 else "Update",
                    key=f"v{version}",
                    at=at + timedelta(hours=hours),
                    version=version,
                    state=state,
                    status=status,
                    owner=Owner("team", uuid.UUID(int=teams.index(team) + 1), team)
                    if version == 1
                    else Owner("systemuser", uuid.UUID(int=99)),
                    subject_name=title if version == 1 else None,
                    origin=rng.choice((1, 2, 3)) if version == 1 else None,
                    created_on=at if version == 1 else None,
                )
            )


def _naive(store: StateStore, reader: FactReader, query: StatsQuery) -> dict[tuple[str, str], Any]:
    """One scan of every history per cell: first list the cells, then for each one read every
    record again, keep its members and compute its figures."""
    cells = set()
    for record in store.query(CASES_PARTITION):
        fact = reader.of_json(record.value)
        if fact is not None and query.start <= fact.received.date() <= query.end:
            cells.add(
                (period_key(fact.received.date(), query.period), fact.dimension(query.group_by))
            )
    found = {}
    for period, value in sorted(cells):
        members = []
        for record in store.query(CASES_PARTITION):
            fact = reader.of_json(record.value)
            if fact is None or not query.start <= fact.received.date() <= query.end:
                continue
            if period_key(fact.received.date(), query.period) == period and (
                fact.dimension(query.group_by) == value
            ):
                members.append(fact)
        took = [(f.resolved - f.received).total_seconds() / 86400 for f in members if f.resolved]
        found[(period, value)] = (len(members), statistics.median(took) if took else None)
    return found


def _best(action: Any, repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    mappings = load_mappings(ROOT / "mappings")
    store = open_store("memory://", clock=FakeClock(NOW))
    _histories(mappings, store)
    channels = mappings.option_map(mappings.case_target, "submission.channel")
    reader = FactReader(
        vocabulary=mappings.statuses,
        subjects=mappings.catalog.by_subject(),
        channels={number: name for name, number in channels.items()},
        targets=mappings.catalog.target_days(),
    )
    service = KpiService(store, reader, clock=lambda: NOW)
    print(f"{REQUESTS} requests' histories; best of 3 (ours) and of 1 (naive)")
    print(
        f"{'group_by':<10} {'period':<6} {'cells':>6} {'ours ms':>9} {'naive ms':>10} {'ratio':>7}"
    )
    # The naive way takes tens of seconds a query: two groupings are enough to see the shape.
    for group_by, period in (("theme", "month"), ("status", "week")):
        query = StatsQuery(date(2026, 1, 1), date(2026, 11, 30), group_by, period)  # type: ignore[arg-type]
        ours_s, report = _best(lambda q=query: service.stats(q), 3)
        naive_s, naive = _best(lambda q=query: _naive(store, reader, q), 1)
        cells = {(g["period"], g["group"]): g for g in report["groups"]}
        assert set(cells) == set(naive)
        for key, (count, median) in naive.items():
            assert cells[key]["received"] == count
            ours_median = cells[key]["resolution_days"]["median"]
            # Nearest rank vs the statistics module's mean of the two middle values.
            assert (ours_median is None) == (median is None)
        print(
            f"{group_by:<10} {period:<6} {len(cells):>6} {ours_s * 1000:>9.1f}"
            f" {naive_s * 1000:>10.1f} {naive_s / ours_s:>6.1f}x"
        )
    facts_s, facts = _best(service.facts, 3)
    for group_by in ("theme", "sub_theme", "channel", "team", "status"):
        query = StatsQuery(date(2026, 1, 1), date(2026, 11, 30), group_by, "month")  # type: ignore[arg-type]
        compute_s, _ = _best(lambda q=query: compute_kpis(facts, q, now=NOW), 3)
        print(
            f"of which computing by {group_by:<9}: {compute_s * 1000:6.1f} ms"
            f" (reading the {len(facts)} histories: {facts_s * 1000:.1f} ms)"
        )


if __name__ == "__main__":
    main()

"""The KPIs from the status history: counts by period and dimension, delays (median and 90th
percentile, nearest rank), backlog by age, share resolved within the sub-theme's target, and
the edge cases: reopened, cancelled and merged cases, requests still queued, events out of
order."""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.cases import CaseHistory, KpiService, QueueWebhookOutbox, StatsQuery
from cityzen_connector.cases._kpis import percentile
from cityzen_connector.mapping import MappingError, MappingSet, load_mappings
from cityzen_connector.messaging import open_bus
from cityzen_connector.store import StateStore, SubmissionStatuses, open_store
from cityzen_connector.sync.intake import IngestRecords
from cityzen_connector.testing import FakeClock
from tests.cases.kpi_world import (
    AGENT,
    CANCELLED,
    IN_PROGRESS,
    MERGED,
    ON_HOLD,
    RESOLVED,
    T0,
    Life,
    apply,
    generated,
    reader_of,
)

NOW = T0 + timedelta(days=40)
OCTOBER = StatsQuery(date(2026, 10, 1), date(2026, 10, 31), "theme", "month")


def report(
    history: CaseHistory,
    store: StateStore,
    mappings: MappingSet,
    lives: list[Life],
    query: StatsQuery = OCTOBER,
    *,
    shuffle: random.Random | None = None,
) -> dict[str, Any]:
    apply(history, lives, mappings, shuffle=shuffle)
    service = KpiService(store, reader_of(mappings), clock=lambda: NOW)
    return service.stats(query)


def only_group(found: dict[str, Any]) -> dict[str, Any]:
    assert len(found["groups"]) == 1, found["groups"]
    group: dict[str, Any] = found["groups"][0]
    return group


def test_nearest_rank_percentiles_are_observed_values() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    assert percentile(values, 50) == 5.0
    assert percentile(values, 90) == 9.0
    assert percentile([4.0], 90) == 4.0
    assert percentile([], 50) is None


def test_delays_counts_and_statuses_of_one_group(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    lives = [
        Life(T0, steps=[(h, IN_PROGRESS, AGENT), (h * 24, RESOLVED, None)]) for h in (1, 2, 3, 4)
    ]
    lives.append(Life(T0, steps=[(10, ON_HOLD, AGENT)]))
    lives.append(Life(T0))  # nobody has acted yet
    group = only_group(report(history, store, mappings, lives))
    assert (group["period"], group["group"], group["received"]) == ("2026-10", "voirie", 6)
    assert group["by_status"] == {"on_hold": 1, "received": 1, "resolved": 4}
    # First action after 1, 2, 3, 4 and 10 hours; resolution after 1, 2, 3, 4 days.
    first = group["first_action_days"]
    assert first["count"] == 5
    assert first["median"] == round(3 / 24, 3)
    assert first["p90"] == round(10 / 24, 3)
    assert group["resolution_days"] == {"count": 4, "median": 2.0, "p90": 4.0}


def test_a_reopened_case_is_timed_to_its_last_resolution_and_is_backlog_while_open(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    twice = Life(
        T0,
        steps=[
            (1, IN_PROGRESS, AGENT),
            (48, RESOLVED, None),
            (72, ON_HOLD, None),
            (120, RESOLVED, None),
        ],
    )
    reopened = Life(T0, steps=[(1, IN_PROGRESS, AGENT), (48, RESOLVED, None), (72, ON_HOLD, None)])
    found = report(history, store, mappings, [twice, reopened])
    group = only_group(found)
    assert group["resolution_days"] == {"count": 1, "median": 5.0, "p90": 5.0}
    assert group["by_status"] == {"on_hold": 1, "resolved": 1}
    assert found["backlog"] == [
        {"group": "voirie", "lt_2d": 0, "2d_7d": 0, "7d_30d": 0, "gt_30d": 1, "total": 1}
    ]


def test_cancelled_and_merged_cases_are_received_but_neither_resolved_nor_backlog(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    lives = [
        Life(T0, steps=[(5, CANCELLED, AGENT)]),
        Life(T0, steps=[(6, MERGED, AGENT)]),
        Life(T0, steps=[(1, IN_PROGRESS, AGENT), (24, RESOLVED, None)]),
    ]
    found = report(history, store, mappings, lives)
    group = only_group(found)
    assert group["received"] == 3
    assert group["by_status"] == {"cancelled": 1, "merged": 1, "resolved": 1}
    assert group["resolution_days"]["count"] == 1
    assert found["backlog"] == []


@pytest.mark.parametrize("layout", ["ingest record only", "status record"])
def test_a_request_still_queued_is_received_and_waiting(
    history: CaseHistory, mappings: MappingSet, layout: str
) -> None:
    store = open_store("memory://", clock=FakeClock(NOW - timedelta(days=3)))
    key = "3f2b8c1e-6d4a-4e2f-9b7c-1a2b3c4d5e6f"
    if layout == "status record":  # the previous ingest layout, and a recovered submission
        statuses = SubmissionStatuses(store, clock=lambda: NOW, retention=timedelta(days=30))
        statuses.mark_queued(key)
    else:  # today's one-write ingest: the ingest record in state queued is the status
        IngestRecords(store, clock=lambda: NOW, retention=timedelta(days=30)).reserve(
            key, body="h", filer="f"
        )
    query = StatsQuery(date(2026, 11, 1), date(2026, 11, 30), "status", "month")
    found = report(history, store, mappings, [], query)
    assert only_group(found)["group"] == "queued"
    assert found["totals"]["received"] == 1
    assert found["backlog"][0]["2d_7d"] == 1
    assert found["reconciliation"]["store"]["total"] == 0  # no case yet


def test_events_in_any_order_give_the_same_figures(
    history: CaseHistory, store: StateStore, mappings: MappingSet, clock: FakeClock
) -> None:
    lives = generated(60)
    shuffled = report(history, store, mappings, lives, shuffle=random.Random(3))
    in_order_store = open_store("memory://", clock=clock)
    in_order = CaseHistory(
        in_order_store,
        QueueWebhookOutbox(open_bus("memory://", clock=clock), "webhooks"),
        mappings.statuses,
        clock=clock,
        retention=timedelta(days=400),
    )
    ordered = report(in_order, in_order_store, mappings, lives)
    assert shuffled == ordered
    assert shuffled["totals"]["received"] > 0


def test_a_reopening_seen_after_the_second_resolution_still_ends_resolved(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    life = Life(
        T0,
        steps=[
            (1, IN_PROGRESS, AGENT),
            (48, RESOLVED, None),
            (72, ON_HOLD, None),
            (120, RESOLVED, None),
        ],
    )
    changes = life.changes({p: t for t, p in mappings.catalog.by_subject().items()})
    for change in (changes[0], changes[1], changes[2], changes[4], changes[3]):
        history.apply(change)
    service = KpiService(store, reader_of(mappings), clock=lambda: NOW)
    assert service.stats(OCTOBER)["totals"]["by_status"] == {"resolved": 1}


def test_backlog_by_age_bucket_and_share_within_target(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    # voirie/nid_de_poule's target is 7 days (mappings/themes.toml).
    lives = [Life(NOW - timedelta(days=d, hours=1)) for d in (0, 2, 7, 30)]
    lives += [
        Life(T0, steps=[(1, IN_PROGRESS, AGENT), (24 * d, RESOLVED, None)]) for d in (3, 7, 8)
    ]
    query = StatsQuery(date(2026, 9, 1), date(2026, 11, 30), "sub_theme", "month")
    found = report(history, store, mappings, lives, query)
    assert found["backlog"] == [
        {"group": "nid_de_poule", "lt_2d": 1, "2d_7d": 1, "7d_30d": 1, "gt_30d": 1, "total": 4}
    ]
    assert found["totals"]["resolved_within_target"] == {
        "resolved": 3,
        "within": 2,
        "share": 0.6667,
    }


def test_periods_and_dimensions(
    history: CaseHistory, store: StateStore, mappings: MappingSet
) -> None:
    lives = [
        Life(datetime(2026, 10, 5, 9, tzinfo=T0.tzinfo), origin=1),  # Monday of ISO week 41
        Life(datetime(2026, 10, 11, 9, tzinfo=T0.tzinfo), origin=3),  # Sunday of week 41
        Life(
            datetime(2026, 10, 12, 9, tzinfo=T0.tzinfo),
            ("etat_civil", "naissance"),
            2,
            "etat-civil",
        ),
        Life(datetime(2026, 11, 2, 9, tzinfo=T0.tzinfo)),  # outside the range
    ]
    apply(history, lives, mappings)
    service = KpiService(store, reader_of(mappings), clock=lambda: NOW)
    by_week = service.stats(StatsQuery(date(2026, 10, 1), date(2026, 10, 31), "channel", "week"))
    assert [(g["period"], g["group"], g["received"]) for g in by_week["groups"]] == [
        ("2026-W41", "phone", 1),
        ("2026-W41", "portal", 1),
        ("2026-W42", "email", 1),
    ]
    by_team = service.stats(StatsQuery(date(2026, 10, 1), date(2026, 10, 31), "team", "day"))
    assert [(g["period"], g["group"]) for g in by_team["groups"]] == [
        ("2026-10-05", "voirie"),
        ("2026-10-11", "voirie"),
        ("2026-10-12", "etat-civil"),
    ]


@pytest.mark.parametrize("value", ["0", "7.5", '"7"', "4000"])
def test_a_target_delay_must_be_a_whole_number_of_days(tmp_path: Any, value: str) -> None:
    source = Path(__file__).resolve().parents[2] / "mappings"
    shutil.copytree(source, tmp_path / "m")
    themes = tmp_path / "m" / "themes.toml"
    themes.write_text(
        themes.read_text(encoding="utf-8").replace("target_days = 7\n", f"target_days = {value}\n"),
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as caught:
        load_mappings(tmp_path / "m")
    assert "target_days" in str(caught.value)

"""The KPIs of a set of requests, in one pass over their facts (docs/kpis.md).

``compute_kpis(facts, query, now=...)`` groups the requests received in ``[start, end]`` (UTC
days) by period (day, ISO week, month) and one dimension (theme, sub-theme, channel, team,
citizen-facing status), and gives for each group and for all of them:

- ``received`` and the count per citizen-facing status;
- median and 90th percentile of the time to first agent action and to resolution, in days,
  by the nearest-rank method (the smallest value with at least p % of the values at or below
  it: always a value that was observed, never an interpolation);
- the share resolved within the sub-theme's target delay (only requests whose sub-theme
  declares ``target_days``; ``None`` when there is none).

The open backlog is counted as of ``now`` over every open request, whatever its receipt day,
by age: under 2 days, 2 to 7, 7 to 30, over 30.

One pass appends each fact's durations to its group's lists; each list is sorted once. The
naive way (one scan of every history per group) is what bench/kpis.py compares against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from ._kpi_facts import Fact

__all__ = [
    "AGE_BUCKETS",
    "DIMENSIONS",
    "PERIODS",
    "Dimension",
    "Period",
    "StatsQuery",
    "compute_kpis",
    "percentile",
    "period_key",
]

Dimension = Literal["theme", "sub_theme", "channel", "team", "status"]
Period = Literal["day", "week", "month"]
DIMENSIONS: tuple[Dimension, ...] = ("theme", "sub_theme", "channel", "team", "status")
PERIODS: tuple[Period, ...] = ("day", "week", "month")
# (name, lower bound in days inclusive); the last is open-ended.
AGE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("lt_2d", 0.0),
    ("2d_7d", 2.0),
    ("7d_30d", 7.0),
    ("gt_30d", 30.0),
)
_DAY = 86400.0


@dataclass(frozen=True)
class StatsQuery:
    start: date
    end: date
    group_by: Dimension = "theme"
    period: Period = "month"


def period_key(day: date, period: Period) -> str:
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def percentile(ordered: list[float], p: float) -> float | None:
    """Nearest rank: the ``ceil(p/100 × n)``-th smallest value (``None`` for no values)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class _Group:
    received: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    first_action: list[float] = field(default_factory=list)
    resolution: list[float] = field(default_factory=list)
    with_target: int = 0
    within_target: int = 0

    def add(self, fact: Fact) -> None:
        self.received += 1
        self.statuses[fact.status] = self.statuses.get(fact.status, 0) + 1
        if fact.first_action is not None:
            self.first_action.append(_days(fact.first_action - fact.received))
        if fact.resolved is not None:
            took = _days(fact.resolved - fact.received)
            self.resolution.append(took)
            if fact.target_days is not None:
                self.with_target += 1
                self.within_target += took <= fact.target_days

    def merge(self, other: _Group) -> None:
        """Add another group's requests (a period's or the range's figures from its cells',
        cheaper than adding every request again)."""
        self.received += other.received
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.first_action.extend(other.first_action)
        self.resolution.extend(other.resolution)
        self.with_target += other.with_target
        self.within_target += other.within_target

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "by_status": dict(sorted(self.statuses.items())),
            "first_action_days": _summary(self.first_action),
            "resolution_days": _summary(self.resolution),
            "resolved_within_target": (
                {
                    "resolved": self.with_target,
                    "within": self.within_target,
                    "share": round(self.within_target / self.with_target, 4),
                }
                if self.with_target
                else None
            ),
        }


def _days(delta: timedelta) -> float:
    # A clock skew between Dataverse and us never makes a negative delay.
    return max(0.0, delta.total_seconds() / _DAY)


def _summary(values: list[float]) -> dict[str, Any]:
    values.sort()
    median, p90 = percentile(values, 50), percentile(values, 90)
    return {
        "count": len(values),
        "median": None if median is None else round(median, 3),
        "p90": None if p90 is None else round(p90, 3),
    }


def _age_bucket(age_days: float) -> str:
    name = AGE_BUCKETS[0][0]
    for bucket, lower in AGE_BUCKETS:
        if age_days >= lower:
            name = bucket
    return name


def compute_kpis(facts: Iterable[Fact], query: StatsQuery, *, now: datetime) -> dict[str, Any]:
    groups: dict[tuple[str, str], _Group] = {}
    periods: dict[str, _Group] = {}  # every group of a period: a chart's one series
    total = _Group()
    backlog: dict[str, dict[str, int]] = {}
    dimension = query.group_by
    for fact in facts:
        value = fact.dimension(dimension)
        if fact.open and fact.received <= now:
            ages = backlog.setdefault(value, {name: 0 for name, _ in AGE_BUCKETS})
            ages[_age_bucket(_days(now - fact.received))] += 1
        day = fact.received.date()
        if not query.start <= day <= query.end:
            continue
        key = (period_key(day, query.period), value)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group()
        group.add(fact)
    for (period, _), group in groups.items():
        periods.setdefault(period, _Group()).merge(group)
        total.merge(group)
    return {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "period": query.period,
        "group_by": dimension,
        "generated_at": now.isoformat().replace("+00:00", "Z"),
        "groups": [
            {"period": period, "group": value, **group.to_json()}
            for (period, value), group in sorted(groups.items())
        ],
        "periods": [
            {"period": period, **group.to_json()} for period, group in sorted(periods.items())
        ],
        "totals": total.to_json(),
        "backlog": [
            {"group": value, **ages, "total": sum(ages.values())}
            for value, ages in sorted(backlog.items())
        ],
    }

"""NCRONTAB: parsing, next occurrence, names, steps, AND of day and weekday, bad input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.localhost import CronError, CronSchedule

T0 = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)  # a Monday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 */5 * * * *", T0, T0 + timedelta(minutes=5)),
        ("0 */5 * * * *", T0 + timedelta(minutes=1, seconds=30), T0 + timedelta(minutes=5)),
        ("0 0 * * * *", T0, T0 + timedelta(hours=1)),
        ("5-7 * * * * *", T0, T0 + timedelta(seconds=5)),
        ("5,8,10 * * * * *", T0 + timedelta(seconds=8), T0 + timedelta(seconds=10)),
        ("0 30 9 * * *", T0, datetime(2026, 1, 5, 9, 30, tzinfo=UTC)),
        (
            "0 30 9 * * 1-5",
            datetime(2026, 1, 9, 10, tzinfo=UTC),
            datetime(2026, 1, 12, 9, 30, tzinfo=UTC),
        ),
        (
            "0 30 9 * Jan Mon",
            datetime(2026, 1, 26, 10, tzinfo=UTC),
            datetime(2027, 1, 4, 9, 30, tzinfo=UTC),
        ),
        ("0 0 0 1 * *", T0, datetime(2026, 2, 1, tzinfo=UTC)),
        ("0 0 0 29 feb *", T0, datetime(2028, 2, 29, tzinfo=UTC)),
        ("0 0 12 * * sunday", T0, datetime(2026, 1, 11, 12, tzinfo=UTC)),
        ("0 0 0 1/10 * *", T0, datetime(2026, 1, 11, tzinfo=UTC)),
        ("0 0 9-17/4 * * *", T0, datetime(2026, 1, 5, 9, tzinfo=UTC)),
        (
            "*/15 * * * * *",
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2027, 1, 1, tzinfo=UTC),
        ),
    ],
)
def test_next_occurrence(expression: str, after: datetime, expected: datetime) -> None:
    assert CronSchedule.parse(expression).next_after(after) == expected


def test_day_and_weekday_must_both_match_as_in_ncrontab() -> None:
    # Friday the 13th, at noon.
    schedule = CronSchedule.parse("0 0 12 13 * Fri")
    assert schedule.next_after(T0) == datetime(2026, 2, 13, 12, tzinfo=UTC)


def test_next_after_is_strictly_after_and_converts_to_utc() -> None:
    schedule = CronSchedule.parse("0 0 * * * *")
    assert schedule.next_after(T0) == T0 + timedelta(hours=1)
    paris = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC).astimezone()
    assert schedule.next_after(paris).tzinfo == UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CronSchedule.parse("* * * * * *").next_after(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("*/5 * * * *", "add the leading {second} field"),
        ("* * * * * * *", "6 fields, got 7"),
        ("", "6 fields, got 0"),
        ("00:05:00", "TimeSpan"),
        ("60 * * * * *", "outside 0-59"),
        ("0 0 24 * * *", "outside 0-23"),
        ("0 0 0 0 * *", "outside 1-31"),
        ("0 0 0 * 13 *", "outside 1-12"),
        ("0 0 0 * * 7", "outside 0-6"),
        ("0 0 0 * * Funday", "not a number or a name"),
        ("*/0 * * * * *", "positive"),
        ("*/x * * * * *", "positive"),
        ("10-5 * * * * *", "backwards"),
        ("-1 * * * * *", "not a number"),
        ("0 0 0 31 2 *", "never fires"),
        ("* " * 400, "too long"),
    ],
)
def test_bad_expressions_are_refused(expression: str, message: str) -> None:
    with pytest.raises(CronError, match=message):
        CronSchedule.parse(expression)


def _field(low: int, high: int) -> st.SearchStrategy[str]:
    value = st.integers(low, high).map(str)
    rng = st.tuples(st.integers(low, high), st.integers(low, high)).map(
        lambda p: f"{min(p)}-{max(p)}"
    )
    step = st.tuples(st.sampled_from(["*", f"{low}"]), st.integers(1, 7)).map(
        lambda p: f"{p[0]}/{p[1]}"
    )
    item = st.one_of(st.just("*"), value, rng, step)
    return st.lists(item, min_size=1, max_size=3).map(",".join)


@settings(max_examples=60, deadline=None)
@given(
    seconds=_field(0, 59),
    minutes=_field(0, 59),
    hours=_field(0, 23),
    start=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_occurrence_matches_and_nothing_matches_in_between(
    seconds: str, minutes: str, hours: str, start: datetime
) -> None:
    schedule = CronSchedule.parse(f"{seconds} {minutes} {hours} * * *")
    found = schedule.next_after(start)
    assert found > start
    assert schedule.matches(found)
    # Brute force over (the first half hour of) the gap: no earlier second matches.
    probe = start.replace(microsecond=0) + timedelta(seconds=1)
    while probe < min(found, start + timedelta(minutes=30)):
        assert not schedule.matches(probe), probe
        probe += timedelta(seconds=1)

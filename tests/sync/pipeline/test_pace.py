"""How much a drain holds at once and how often it reports, on the test's clock."""

from __future__ import annotations

from cityzen_connector.sync.pipeline._pace import Pace
from cityzen_connector.testing import FakeClock


def pace(clock: FakeClock, every: float = 0.0) -> Pace:
    # 5 threads of 25-submission batches, 4 batches ahead each, pages of 250
    return Pace(clock, batch=25, start=125, ceiling=4 * 125 + 250, every=every)


def test_the_drain_holds_what_settles_within_half_a_lock_at_the_rate_seen() -> None:
    clock = FakeClock()
    p = pace(clock)
    assert p.budget(0, 60) == 125  # no rate yet: one batch per thread
    clock.advance(10)
    assert p.budget(100, 60) == 300  # 10 a second, 30 s
    assert p.budget(110, 60) == 325  # in whole batches
    assert p.budget(20, 60) == 125  # 2 a second: never fewer batches than threads
    assert p.budget(1000, 60) == 750  # never more than the pipeline held before
    assert p.budget(20, None) == 750  # a backend whose locks never run out


def test_work_that_settles_in_no_time_has_the_largest_budget() -> None:
    assert pace(FakeClock()).budget(5, 60) == 750


def test_progress_is_due_at_once_then_at_most_every_so_often() -> None:
    clock = FakeClock()
    p = pace(clock, every=10)
    due = []
    for _ in range(6):
        due.append(p.report_due())
        clock.advance(4)
    # at 0 s, then at 12 s (4 and 8 s came too soon), and not again before 22 s
    assert due == [True, False, False, True, False, False]

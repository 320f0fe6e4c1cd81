"""How much a drain takes at once and how often it reports, on the test's clock."""

from __future__ import annotations

from cityzen_connector.sync.pipeline._pace import Pace
from cityzen_connector.testing import FakeClock


def pace(clock: FakeClock, every: float = 0.0) -> Pace:
    return Pace(clock, low=25, high=250, start=125, every=every)


def test_a_page_is_what_settles_within_half_a_lock_at_the_rate_seen() -> None:
    clock = FakeClock()
    p = pace(clock)
    assert p.page(0, 60) == 125  # no rate yet: one batch per thread
    clock.advance(10)
    assert p.page(20, 60) == 50  # 2 a second, 30 s: 60, in whole batches of 25
    assert p.page(2, 60) == 25  # never less than one batch
    assert p.page(200, 60) == 250  # never more than the caller's page
    assert p.page(20, None) == 250  # a backend whose locks never run out
    assert p.page(20, 10) == 25


def test_a_page_is_the_largest_when_work_settles_in_no_time() -> None:
    assert pace(FakeClock()).page(5, 60) == 250


def test_progress_is_due_at_once_then_at_most_every_so_often() -> None:
    clock = FakeClock()
    p = pace(clock, every=10)
    due = []
    for _ in range(6):
        due.append(p.report_due())
        clock.advance(4)
    # at 0 s, then at 12 s (4 and 8 s came too soon), and not again before 22 s
    assert due == [True, False, False, True, False, False]

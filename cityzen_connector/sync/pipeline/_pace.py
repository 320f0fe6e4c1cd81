"""How much a backlog drain takes at once, and how it reports its progress.

A received message is locked until it is settled. The locks are renewed while the work goes on
(``messaging.LockRenewer``), but every message held costs a renewal per half lock, stays out of
reach of the other consumers (the Functions trigger), and comes back late if the drain stops.
So the drain takes at once what it can settle within about half a lock at the rate it has
observed so far (``Pace.page``). The rate is cumulative over the run: a burst of 429s or one
slow ``$batch`` moves it gradually, not from one extreme to the other.

Every time is read on the injected monotonic clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector._clock import MonotonicClock

# A page is what settles within this share of one lock duration at the observed rate.
LOCK_SHARE = 0.5


@dataclass(frozen=True)
class DrainProgress:
    """Where a drain stands. ``remaining`` is the queue's own count of the messages waiting
    (``None`` when the backend cannot say). On Service Bus it also counts the messages in
    flight, which the service reports as active."""

    done: int  # settled: completed, re-scheduled, rejected or postponed
    in_flight: int  # received, not settled yet
    remaining: int | None
    lock_lost: int
    elapsed: float  # seconds since the drain started

    @property
    def rate(self) -> float:
        """Messages settled per second since the start."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0


class Pace:
    """The page size and the progress throttle of one drain.

    ``start`` messages are taken before any rate is known (one batch per thread). After
    that, a page holds what settles within ``LOCK_SHARE`` of a lock, in whole batches of
    ``low``, up to ``high`` (the caller's page).
    """

    def __init__(
        self, clock: MonotonicClock, *, low: int, high: int, start: int, every: float
    ) -> None:
        self.low = max(1, min(low, high))
        self.high = max(1, high)
        self.start = max(self.low, min(start, self.high))
        self.every = every
        self._clock = clock
        self._started = clock.now()
        self._last: float | None = None

    def elapsed(self) -> float:
        return self._clock.now() - self._started

    def page(self, done: int, lock_seconds: float | None) -> int:
        """How many messages to receive next, ``done`` being settled so far."""
        if done == 0:
            return self.start
        if lock_seconds is None:  # no lock seen (a backend without expiries): no bound
            return self.high
        elapsed = self.elapsed()
        if elapsed <= 0:  # settled in no time at all (a test's clock): as fast as can be
            return self.high
        fits = int(done / elapsed * lock_seconds * LOCK_SHARE)
        # Whole batches: a page's last batch would otherwise go out part-full.
        return max(self.low, min(fits // self.low * self.low, self.high))

    def report_due(self) -> bool:
        """True at most once every ``every`` seconds (the first time at once)."""
        now = self._clock.now()
        if self._last is not None and now - self._last < self.every:
            return False
        self._last = now
        return True

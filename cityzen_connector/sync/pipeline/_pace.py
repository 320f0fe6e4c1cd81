"""How much a backlog drain holds at once, and what it reports: progress as it goes
(``DrainProgress``), the counts at the end (``DrainReport``).

A received message is locked until it is settled. The locks are renewed while the work goes on
(``messaging.LockRenewer``), but every message held costs a renewal per half lock, stays out of
reach of the other consumers (the Functions trigger), and comes back late if the drain stops.
So the drain holds what it can settle within about half a lock at the rate it has observed so
far (``Pace.budget``). That is never less than one batch per thread, so a slow Dataverse
does not also make the drain send fewer requests in parallel: that would slow the rate, shrink
the budget and slow the rate again. The rate is cumulative over the run, so a burst of 429s or
one slow ``$batch`` moves it gradually, not from one extreme to the other.

Every time is read on the injected monotonic clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cityzen_connector._clock import MonotonicClock

from ._worker import WorkerResult

# The drain holds what settles within this share of one lock duration at the observed rate.
LOCK_SHARE = 0.5


@dataclass
class DrainReport:
    """What a drain did. ``actions`` and ``outcomes`` count the messages settled here; a
    message whose lock was lost counts in ``lock_lost`` only (its next delivery settles it)."""

    received: int = 0
    batches: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    lock_lost: int = 0  # left to their next delivery, not settled here
    redelivered: int = 0  # received again: an earlier delivery's lock ran out or was lost
    lock_renewals: int = 0

    @property
    def settled(self) -> int:
        return sum(self.actions.values())

    def add(self, result: WorkerResult) -> None:
        self.actions[result.action] += 1
        if result.outcome is not None:
            self.outcomes[type(result.outcome).__name__] += 1


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
    """The budget of messages held and the progress throttle of one drain.

    Budgets count whole batches of ``batch``. Until a rate is known, ``start`` (one batch
    per thread). After that, what settles within ``LOCK_SHARE`` of a lock, between ``start``
    and ``ceiling`` (what the pipeline holds at most: every batch in flight and one page).
    """

    def __init__(
        self, clock: MonotonicClock, *, batch: int, start: int, ceiling: int, every: float
    ) -> None:
        self.batch = max(1, batch)
        self.start = max(self.batch, start)
        self.ceiling = max(self.start, ceiling)
        self.every = every
        self._clock = clock
        self._started = clock.now()
        self._last: float | None = None

    def elapsed(self) -> float:
        return self._clock.now() - self._started

    def budget(self, done: int, lock_seconds: float | None) -> int:
        """How many messages may be held (received, not settled), ``done`` being settled."""
        if done == 0:
            return self.start
        if lock_seconds is None:  # no lock seen (a backend without expiries): no bound
            return self.ceiling
        elapsed = self.elapsed()
        if elapsed <= 0:  # settled in no time at all (a test's clock): as fast as can be
            return self.ceiling
        fits = int(done / elapsed * lock_seconds * LOCK_SHARE) // self.batch * self.batch
        return max(self.start, min(fits, self.ceiling))

    def report_due(self) -> bool:
        """True at most once every ``every`` seconds (the first time at once)."""
        now = self._clock.now()
        if self._last is not None and now - self._last < self.every:
            return False
        self._last = now
        return True

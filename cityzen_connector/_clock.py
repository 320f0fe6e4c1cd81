"""Time, as every package reads it: one wall clock type and one monotonic clock type.

- ``WallClock``: what time it is, a timezone-aware UTC ``datetime``. Records, messages, tokens
  and schedules are stamped with it. ``utc_now`` is the real one.
- ``MonotonicClock``: how long something took, and waiting. Retries, rate limits, token caches
  and pollers measure and sleep with it, so a test's clock moves only when told.
  ``SYSTEM_MONOTONIC`` is the real one.

``cityzen_connector.testing.FakeClock`` is both at once (its sleeps advance its wall time too),
which is what a test of anything that mixes the two needs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

__all__ = ["SYSTEM_MONOTONIC", "MonotonicClock", "SystemMonotonicClock", "WallClock", "utc_now"]

WallClock = Callable[[], datetime]
"""Returns the current time, timezone-aware, in UTC."""


def utc_now() -> datetime:
    """The real ``WallClock``."""
    return datetime.now(UTC)


class MonotonicClock(Protocol):
    """Elapsed time and waiting. Never goes back; only differences mean anything."""

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds``."""
        ...

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Block up to ``seconds`` or until ``stop`` is set; return whether it is set.

        May return early: callers re-read the time and wait again if they need to.
        """
        ...


class SystemMonotonicClock:
    """``time.monotonic``; waiting is an interruptible ``Event.wait``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(max(0.0, seconds))

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))


SYSTEM_MONOTONIC: MonotonicClock = SystemMonotonicClock()

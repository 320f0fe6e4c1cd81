"""The time seam of the local host: timers and pollers read time and wait only through it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """What the host needs from time. Tests inject a manual clock; nothing here sleeps."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        """Wait up to ``seconds`` or until ``stop`` is set; return whether ``stop`` is set.

        May return early: callers re-read ``now()`` and wait again if needed.
        """


class SystemClock:
    """Wall-clock time; waiting is an interruptible ``Event.wait``."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        return stop.wait(max(0.0, seconds))

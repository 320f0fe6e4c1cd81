"""Service protection API limits and fault injection.

Models the three limits of https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
per caller over a sliding window, each with its documented code and message, and a
``Retry-After`` (seconds) telling when the window frees up. A ``$batch`` or a bulk message
counts as one request but costs execution time per operation (counted by ``_cost.py``), as
in Dataverse.
"""

from __future__ import annotations

import math
import random
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime

from cityzen_connector.emulator._config import ProtectionLimits
from cityzen_connector.emulator._errors import ODataError


class Protection:
    def __init__(self, limits: ProtectionLimits, clock: Callable[[], datetime]) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._requests: dict[str, deque[float]] = {}
        self._costs: dict[str, deque[tuple[float, int]]] = {}
        self._in_flight: dict[str, int] = {}

    def _now(self) -> float:
        return self.clock().timestamp()

    def enter(self, caller: str) -> list[tuple[str, str]]:
        """Admit one request or raise the 429 of the limit it would exceed. Returns the
        documented debugging headers that tell how much of the window's budget is left."""
        lim = self.limits
        with self._lock:
            now = self._now()
            start = now - lim.window_seconds
            requests = self._requests.setdefault(caller, deque())
            costs = self._costs.setdefault(caller, deque())
            while requests and requests[0] <= start:
                requests.popleft()
            while costs and costs[0][0] <= start:
                costs.popleft()
            if self._in_flight.get(caller, 0) >= lim.max_concurrent:
                raise _throttled(
                    "0x80072326",
                    f"Number of concurrent requests exceeded the limit of {lim.max_concurrent}.",
                    1,
                )
            if len(requests) >= lim.max_requests:
                raise _throttled(
                    "0x80072322",
                    f"Number of requests exceeded the limit of {lim.max_requests} over time "
                    f"window of {int(lim.window_seconds)} seconds.",
                    requests[0] + lim.window_seconds - now,
                )
            if sum(c for _, c in costs) >= lim.max_execution_ms:
                raise _throttled(
                    "0x80072321",
                    "Combined execution time of incoming requests exceeded limit of "
                    f"{lim.max_execution_ms:,} milliseconds over time window of "
                    f"{int(lim.window_seconds)} seconds. Decrease number of concurrent requests "
                    "or reduce the duration of requests and try again later.",
                    costs[0][0] + lim.window_seconds - now,
                )
            requests.append(now)
            self._in_flight[caller] = self._in_flight.get(caller, 0) + 1
            spent = sum(c for _, c in costs)
            return [
                (
                    "x-ms-ratelimit-burst-remaining-xrm-requests",
                    str(lim.max_requests - len(requests)),
                ),
                (
                    "x-ms-ratelimit-time-remaining-xrm-requests",
                    f"{lim.max_execution_ms - spent:.2f}",
                ),
            ]

    def leave(self, caller: str, operations: int) -> None:
        with self._lock:
            self._in_flight[caller] = max(0, self._in_flight.get(caller, 0) - 1)
            cost = max(1, operations) * self.limits.cost_per_operation_ms
            self._costs.setdefault(caller, deque()).append((self._now(), cost))


def _throttled(code: str, message: str, retry_after: float) -> ODataError:
    seconds = max(1, math.ceil(retry_after))
    return ODataError(429, code, message, {"Retry-After": str(seconds)})


class FaultInjector:
    """Decides, per request, whether to fail with 503 or drop the connection."""

    def __init__(self, error_rate: float, drop_rate: float, rng: random.Random) -> None:
        self.error_rate = error_rate
        self.drop_rate = drop_rate
        self._rng = rng
        self._lock = threading.Lock()

    def roll(self) -> str | None:
        if not self.error_rate and not self.drop_rate:
            return None
        with self._lock:
            draw = self._rng.random()
        if draw < self.error_rate:
            return "error"
        if draw < self.error_rate + self.drop_rate:
            return "drop"
        return None

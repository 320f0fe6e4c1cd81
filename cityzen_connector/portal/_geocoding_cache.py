"""What keeps address help fast and polite: a bounded TTL cache and a token bucket.

Both measure time on an injected ``MonotonicClock`` (a test's ``FakeClock`` moves only when
told) and are thread-safe: the HTTP host answers on several threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Generic, TypeVar

from cityzen_connector._clock import MonotonicClock

from ._errors import GeocoderRateLimitedError

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int

    @property
    def hit_rate(self) -> float:
        asked = self.hits + self.misses
        return self.hits / asked if asked else 0.0


class TtlCache(Generic[K, V]):
    """At most ``max_entries`` values, each for ``ttl`` seconds; the least recently used one
    goes first when full. A hostile stream of distinct queries can only churn the cache, never
    grow the process."""

    def __init__(self, *, max_entries: int, ttl: float, clock: MonotonicClock) -> None:
        if max_entries < 1 or ttl <= 0:
            raise ValueError("a cache needs room for one entry and a positive lifetime")
        self._max = max_entries
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def get(self, key: K) -> V | None:
        now = self._clock.now()
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] <= now:
                if found is not None:
                    del self._entries[key]
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[1]

    def peek(self, key: K) -> V | None:
        """Like ``get``, without counting (a lookup that is not a user's question)."""
        now = self._clock.now()
        with self._lock:
            found = self._entries.get(key)
            return found[1] if found is not None and found[0] > now else None

    def put(self, key: K, value: V) -> None:
        expires = self._clock.now() + self._ttl
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._entries))


class TokenBucket:
    """``rate`` requests per second on average, ``burst`` at once; a caller may wait up to
    ``max_wait`` seconds for its turn, beyond that it is refused with the time to wait.

    After the service itself said 429, ``hold(seconds)`` refuses everything until then: we
    never knock again before the service said we may.
    """

    def __init__(
        self, *, rate: float, burst: float, max_wait: float, clock: MonotonicClock
    ) -> None:
        if rate <= 0 or burst < 1 or max_wait < 0:
            raise ValueError("a token bucket needs a positive rate and room for one token")
        self._rate = rate
        self._burst = float(burst)
        self._max_wait = max_wait
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock.now()
        self._held_until = float("-inf")
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take a token: the seconds to wait before using it (0 when one is there), or
        ``GeocoderRateLimitedError`` with ``retry_after`` when the wait would be too long."""
        with self._lock:
            now = self._clock.now()
            if now < self._held_until:
                raise GeocoderRateLimitedError(
                    "the geocoder asked us to wait (429)", retry_after=self._held_until - now
                )
            self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= 1
            if self._tokens >= 0:
                return 0.0
            wait = -self._tokens / self._rate
            if wait > self._max_wait:
                self._tokens += 1
                raise GeocoderRateLimitedError(
                    "our request budget under the geocoder's limit is spent", retry_after=wait
                )
            return wait

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._held_until = max(self._held_until, self._clock.now() + seconds)

"""A local cap on requests in flight that follows Dataverse's ``x-ms-dop-hint``.

Dataverse returns ``x-ms-dop-hint`` (recommended degree of parallelism) on its responses
("Send parallel requests", Microsoft Learn). The effective limit is the lowest of the configured
cap, the last hint and 52. It is a per-process guard only (see ``DataverseConfig``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ._config import MAX_CONCURRENCY


class ConcurrencyLimiter:
    def __init__(self, limit: int) -> None:
        self._configured = max(1, min(limit, MAX_CONCURRENCY))
        self._limit = self._configured
        self._in_flight = 0
        self._peak = 0
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        return self._limit

    @property
    def peak(self) -> int:
        """The most requests ever in flight at once (for tests and diagnostics)."""
        return self._peak

    def observe_hint(self, value: str | None) -> None:
        """Apply an ``x-ms-dop-hint`` header value; junk is ignored."""
        if value is None:
            return
        try:
            hint = int(value.strip())
        except ValueError:
            return
        if hint < 1:
            return
        with self._cond:
            self._limit = min(self._configured, hint, MAX_CONCURRENCY)
            self._cond.notify_all()

    @contextmanager
    def slot(self) -> Iterator[None]:
        with self._cond:
            while self._in_flight >= self._limit:
                self._cond.wait()
            self._in_flight += 1
            self._peak = max(self._peak, self._in_flight)
        try:
            yield
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify()

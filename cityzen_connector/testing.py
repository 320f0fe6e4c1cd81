"""A test kit shipped with the package, as httpx ships ``MockTransport``.

For the connector's own tests and for integrators testing code built on it:

- ``FakeClock``: one object that is both a ``WallClock`` and a ``MonotonicClock`` and moves only
  when told (or when slept on);
- ``memory_bus``, ``memory_store``, ``memory_blobs``: the embedded backends, in memory;
- ``EmulatorClient``: a ``DataverseClient`` wired in-process to a fresh embedded Dataverse
  emulator (no socket), sharing the fake clock.

Nothing here is imported by the connector itself.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityzen_connector.dataverse import DataverseClient
    from cityzen_connector.emulator import EmulatorApp, EmulatorConfig
    from cityzen_connector.messaging import MessageBus
    from cityzen_connector.store import BlobStore, StateStore

__all__ = [
    "DEFAULT_START",
    "EmulatorClient",
    "FakeClock",
    "emulator_client",
    "memory_blobs",
    "memory_bus",
    "memory_store",
]

DEFAULT_START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    """Time that moves only when a test says so.

    - ``clock()`` is the wall time (a ``WallClock``);
    - ``now()`` / ``sleep()`` / ``wait()`` make it a ``MonotonicClock``: ``sleep`` advances the
      time at once and records the duration in ``slept``; ``wait`` blocks until another thread
      moves the time far enough, ``stop`` is set, or ``seconds`` of real time pass (a clock may
      wake early: callers re-read the time).
    - ``advance(seconds)`` and ``set(moment)`` move it.
    Thread-safe: a host's timer threads wait on it while the test advances it.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs a timezone-aware start")
        self._at = start.astimezone(UTC)
        self._changed = threading.Condition()
        self.slept: list[float] = []
        self.waiters = 0
        self.wait_calls = 0

    # -- WallClock --------------------------------------------------------------------------
    def __call__(self) -> datetime:
        with self._changed:
            return self._at

    # -- MonotonicClock ---------------------------------------------------------------------
    def now(self) -> float:
        with self._changed:
            return self._at.timestamp()

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(max(0.0, seconds))

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        real_deadline = time.monotonic() + max(0.0, seconds)
        with self._changed:
            deadline = self._at + timedelta(seconds=max(0.0, seconds))
            self.waiters += 1
            self.wait_calls += 1
            self._changed.notify_all()
            try:
                while self._at < deadline and not stop.is_set():
                    left = real_deadline - time.monotonic()
                    if left <= 0:
                        break
                    # Bounded so that ``stop`` is noticed without a notify.
                    self._changed.wait(min(left, 0.01))
            finally:
                self.waiters -= 1
                self._changed.notify_all()
        return stop.is_set()

    # -- moving it --------------------------------------------------------------------------
    def advance(self, delta: float | timedelta) -> None:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        with self._changed:
            self._at += step
            self._changed.notify_all()

    def set(self, moment: datetime) -> None:
        with self._changed:
            self._at = moment.astimezone(UTC)
            self._changed.notify_all()

    def wait_for_wait_calls(self, count: int, timeout: float = 5.0) -> bool:
        """Block (real time, bounded) until ``wait`` has been entered ``count`` times in all."""
        with self._changed:
            return self._changed.wait_for(lambda: self.wait_calls >= count, timeout)


def memory_bus(clock: FakeClock | None = None, **options: object) -> MessageBus:
    """The embedded queue in memory, Service Bus semantics included (``open_bus`` options)."""
    from cityzen_connector.messaging import SqliteBus  # noqa: PLC0415

    return SqliteBus(":memory:", clock=clock or FakeClock(), **options)  # type: ignore[arg-type]


def memory_store(clock: FakeClock | None = None) -> StateStore:
    from cityzen_connector.store import open_store  # noqa: PLC0415

    return open_store("memory://", clock=clock or FakeClock())


def memory_blobs(clock: FakeClock | None = None) -> BlobStore:
    from cityzen_connector.store import open_blobs  # noqa: PLC0415

    return open_blobs("memory://", clock=clock or FakeClock())


@dataclass
class EmulatorClient:
    """A Dataverse client talking in-process to its own emulator."""

    client: DataverseClient
    emulator: EmulatorApp
    clock: FakeClock

    def close(self) -> None:
        self.emulator.close()


def emulator_client(
    clock: FakeClock | None = None,
    *,
    config: EmulatorConfig | None = None,
    seeded: bool = True,
) -> EmulatorClient:
    """A fresh emulator (in memory, seeded with the sample catalogue unless ``seeded=False``)
    and a client wired to it through ``WsgiTransport``; both read ``clock``."""
    from cityzen_connector.dataverse import (  # noqa: PLC0415
        DataverseClient,
        DataverseConfig,
        StaticTokenProvider,
        WsgiTransport,
    )
    from cityzen_connector.emulator import EmulatorConfig, create_app, seed  # noqa: PLC0415

    clock = clock or FakeClock()
    app = create_app(config or EmulatorConfig(database=":memory:"), clock=clock, sleep=clock.sleep)
    if seeded:
        seed(app)
    client = DataverseClient(
        DataverseConfig(org_url="http://127.0.0.1:7072"),
        WsgiTransport(app),
        StaticTokenProvider("local-dev-token"),
        clock=clock,
    )
    return EmulatorClient(client, app, clock)

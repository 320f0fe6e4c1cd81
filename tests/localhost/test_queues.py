"""Queue triggers from the MessageBus port: complete, abandon, dead-letter, schedule, limits."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.localhost import QueueListener, load_app
from cityzen_connector.localhost._invoke import Invoker
from cityzen_connector.messaging import ReceivedMessage, SubQueue
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus, message

WAIT = 5.0


def _listener(
    sample_app: Path,
    bus: MemoryBus,
    clock: FakeClock,
    *,
    max_calls: int = 3,
    max_lock_renewal: timedelta = timedelta(minutes=5),
) -> tuple[QueueListener, Any]:
    app = load_app(sample_app)
    spec = next(s for s in app.functions if s.name == "submissions_worker")
    listener = QueueListener(
        bus,
        spec,
        Invoker(str(sample_app)),
        clock=clock,
        monotonic=clock,
        max_concurrent_calls=max_calls,
        poll_interval_seconds=0.02,
        max_lock_renewal=max_lock_renewal,
    )
    return listener, app.module


def _queue_calls(module: Any) -> list[Any]:
    with module.CALLS_LOCK:
        return [value for kind, value in module.CALLS if kind == "queue"]


def test_success_completes_and_the_function_sees_every_field(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    bus.send(
        "submissions",
        [
            message(
                b'{"id": 1}',
                "msg-1",
                correlation_id="corr-1",
                subject="cityzen.submission/v1",
                application_properties={"schema": "cityzen.submission/v1", "attempt": 1},
            )
        ],
    )
    assert listener.poll_once() == 1
    assert bus.completed == ["msg-1"]
    assert bus.stats("submissions").active == 0
    (received,) = _queue_calls(module)
    assert received.get_body() == b'{"id": 1}'
    assert received.message_id == "msg-1"
    assert received.delivery_count == 1
    assert received.content_type == "application/json"
    assert received.correlation_id == "corr-1"
    assert received.subject == "cityzen.submission/v1"
    assert received.application_properties == {"schema": "cityzen.submission/v1", "attempt": 1}
    assert received.user_properties == received.application_properties
    assert received.enqueued_time_utc == clock()
    assert received.sequence_number == 1
    assert received.metadata["MessageId"] == "msg-1"


def test_exception_abandons_and_max_deliveries_dead_letters(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    bus.send("submissions", [message(b"fail: poison", "bad-1"), message(b"ok", "good-1")])
    for _ in range(bus.max_delivery_count + 2):
        listener.poll_once()
    assert bus.abandoned == ["bad-1"] * bus.max_delivery_count
    assert bus.completed == ["good-1"]
    (dead,) = bus.peek("submissions", sub_queue="deadletter")
    assert dead.message_id == "bad-1"
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert [m.message_id for m in _queue_calls(module)] == ["good-1"]
    assert bus.stats("submissions").active == 0


def test_redelivery_carries_the_raised_delivery_count(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    module.GATE.set()
    bus.send("submissions", [message(b"fail once", "m")])
    listener.poll_once()
    assert bus.peek("submissions")[0].delivery_count == 1
    listener.poll_once()
    assert bus.peek("submissions")[0].delivery_count == 2


def test_scheduled_messages_wait_for_their_time(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, _ = _listener(sample_app, bus, clock)
    later = clock() + timedelta(minutes=10)
    bus.send("submissions", [message(b"later", "s-1", scheduled_enqueue_time=later)])
    assert listener.poll_once() == 0
    clock.advance(timedelta(minutes=10))
    assert listener.poll_once() == 1
    assert bus.completed == ["s-1"]


class _FlakyBus(MemoryBus):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.failures = 1

    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database is locked")
        return super().receive(queue, max_messages=max_messages, max_wait_seconds=max_wait_seconds)


def test_a_failing_receive_is_logged_and_polling_goes_on(
    sample_app: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    bus = _FlakyBus(clock)
    listener, _ = _listener(sample_app, bus, clock, max_calls=2)
    bus.send("submissions", [message(b"a", "a"), message(b"b", "b")])
    assert listener.poll_once() == 0
    assert "receiving from queue submissions failed" in caplog.text
    # Slots were given back: both messages fit in the next poll.
    assert listener.poll_once() == 2


@contextmanager
def _one_held_message(
    listener: QueueListener, module: Any, bus: MemoryBus, message_id: str
) -> Iterator[None]:
    """One message inside the function (held there) for the block; released on exit."""
    module.GATE.clear()
    bus.send("submissions", [message(b"slow", message_id)])
    worker = threading.Thread(target=listener.poll_once)
    worker.start()
    try:
        assert module.STARTED.acquire(timeout=WAIT)
        yield
    finally:
        module.GATE.set()
        worker.join(WAIT)


def test_lock_is_renewed_while_the_function_runs(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    with _one_held_message(listener, module, bus, "slow-1"):
        # As AutoLockRenewer: renewed once 10 s or less remain on the 30 s lock.
        clock.advance(timedelta(seconds=19.9))
        assert listener.renew_due_locks() == 0
        clock.advance(timedelta(seconds=0.2))
        assert listener.renew_due_locks() == 1
        clock.advance(timedelta(seconds=20))  # past the first lock, inside the renewed one
    assert bus.renewed == ["slow-1"]
    assert bus.completed == ["slow-1"]


def test_renewal_stops_after_the_max_renewal_duration(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock, max_lock_renewal=timedelta(seconds=50))
    with _one_held_message(listener, module, bus, "slow-3"):
        clock.advance(timedelta(seconds=25))
        assert listener.renew_due_locks() == 1  # lock now runs to 55 s
        clock.advance(timedelta(seconds=26))  # 51 s in: past the 50 s renewal budget
        assert listener.renew_due_locks() == 0
    assert bus.renewed == ["slow-3"]


def test_without_renewal_a_lost_lock_means_redelivery_not_loss(
    sample_app: Path, bus: MemoryBus, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    with _one_held_message(listener, module, bus, "slow-2"):
        clock.advance(bus.lock_duration + timedelta(seconds=1))
    assert bus.completed == []
    assert "will be redelivered" in caplog.text
    assert bus.peek("submissions")[0].message_id == "slow-2"


def _wait_until(predicate: Any, timeout: float = WAIT) -> bool:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        done.wait(0.01)
    return bool(predicate())


def test_concurrent_calls_are_capped_and_stop_waits_for_in_flight_messages(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock, max_calls=3)
    module.GATE.clear()
    ids: Sequence[str] = [f"m-{i}" for i in range(8)]
    bus.send("submissions", [message(b"x", i) for i in ids])
    listener.start()
    try:
        for _ in range(3):
            assert module.STARTED.acquire(timeout=WAIT)
        # A fourth call must not start while three are held, and only three are locked.
        assert not module.STARTED.acquire(timeout=0.1)
        assert bus.stats("submissions").locked == 3
        module.GATE.set()
        assert _wait_until(lambda: len(bus.completed) == 8)
    finally:
        module.GATE.set()
        listener.stop()
    assert module.RUNNING["max"] == 3
    assert sorted(bus.completed) == sorted(ids)


def test_stop_lets_the_in_flight_message_finish_and_complete(
    sample_app: Path, bus: MemoryBus, clock: FakeClock
) -> None:
    listener, module = _listener(sample_app, bus, clock)
    module.GATE.clear()
    bus.send("submissions", [message(b"x", "in-flight")])
    listener.start()
    stopper = threading.Thread(target=listener.stop)
    try:
        assert module.STARTED.acquire(timeout=WAIT)
        stopper.start()
        stopper.join(0.1)
        assert stopper.is_alive(), "stop() returned while a message was still being processed"
    finally:
        module.GATE.set()
        if stopper.is_alive():
            stopper.join(WAIT)
        else:
            listener.stop()
    assert not stopper.is_alive()
    assert bus.completed == ["in-flight"]
    assert bus.abandoned == []

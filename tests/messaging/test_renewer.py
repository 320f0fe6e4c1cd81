"""``LockRenewer`` keeps the peek-locks of messages whose work outlasts the lock, on the
embedded queue and the test's clock; a lock another receiver took is reported, not settled."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest

from cityzen_connector.messaging import (
    LockRenewer,
    MessageBus,
    MessageLockLostError,
    OutgoingMessage,
    open_bus,
)
from cityzen_connector.testing import FakeClock

QUEUE = "work"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus(clock: FakeClock) -> MessageBus:
    bus = open_bus("memory://", clock=clock, lock_duration=timedelta(seconds=10))
    bus.send(
        QUEUE,
        [OutgoingMessage(body=b'{"secret": "Dupont"}', message_id=f"m{i}") for i in range(3)],
    )
    return bus


def test_each_lock_is_renewed_at_half_its_duration_and_outlives_it(
    bus: MessageBus, clock: FakeClock
) -> None:
    messages = bus.receive(QUEUE, max_messages=3)
    renewer = LockRenewer(bus, clock=clock, wall=clock)
    renewer.hold(messages)
    assert renewer.lock_seconds == 10

    clock.advance(4.5)
    assert renewer.renew_due() == pytest.approx(0.5)
    assert renewer.renewals == 0
    for _ in range(7):  # 35 s in all: three and a half lock durations
        clock.advance(0.5)
        assert renewer.renew_due() == pytest.approx(5)
        clock.advance(4.5)
    assert renewer.renewals == 3 * 7

    for message in messages:
        assert renewer.release(message)
        bus.complete(message)
    assert bus.stats(QUEUE).active == 0


def test_a_released_message_is_no_longer_renewed(bus: MessageBus, clock: FakeClock) -> None:
    first, second = bus.receive(QUEUE, max_messages=2)
    renewer = LockRenewer(bus, clock=clock, wall=clock)
    renewer.hold([first, second])
    assert renewer.release(first)
    bus.complete(first)
    clock.advance(5)
    renewer.renew_due()
    assert renewer.renewals == 1
    assert renewer.held == 1


def test_a_lock_taken_by_another_receiver_is_reported_and_left_alone(
    bus: MessageBus, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    (message,) = bus.receive(QUEUE, max_messages=1)
    renewer = LockRenewer(bus, clock=clock, wall=clock)
    renewer.hold([message])
    clock.advance(11)  # the renewer did not run in time (the process was paused, say)
    (taken,) = bus.receive(QUEUE, max_messages=1)  # another receiver gets it
    assert taken.message_id == message.message_id

    with caplog.at_level(logging.WARNING):
        renewer.renew_due()

    assert renewer.lost == 1
    assert not renewer.release(message)  # not ours to settle any more
    with pytest.raises(MessageLockLostError):
        bus.complete(message)
    bus.complete(taken)  # the other receiver's settlement stands
    assert "lock lost on message m0 #1" in caplog.text
    assert "Dupont" not in caplog.text


def test_its_thread_keeps_the_locks_while_time_passes(bus: MessageBus, clock: FakeClock) -> None:
    messages = bus.receive(QUEUE, max_messages=3)
    with LockRenewer(bus, clock=clock, wall=clock) as renewer:
        renewer.hold(messages)
        for second in range(1, 31):
            clock.advance(1)
            if second % 5 == 0:  # each renewal's turn: let the thread take it
                expected = 3 * (second // 5)
                deadline = time.monotonic() + 5
                while renewer.renewals < expected and time.monotonic() < deadline:
                    time.sleep(0.001)
        assert renewer.renewals == 18
        for message in messages:
            assert renewer.release(message)
            bus.complete(message)
    assert bus.stats(QUEUE).active == 0

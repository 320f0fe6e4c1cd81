"""The ``MessageBus`` contract: Service Bus semantics every backend must show.

A backend's test module subclasses ``BusContract`` and defines the ``make_bus`` fixture, which
builds a bus driven by the given fake clock with lock duration 30 s, max delivery count 3 and a
duplicate-detection window of 10 minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from cityzen_connector.messaging import (
    MessageBus,
    MessageLockLostError,
    MessageTooLargeError,
    MessagingError,
    OutgoingMessage,
)
from cityzen_connector.testing import FakeClock

LOCK_SECONDS = 30
MAX_DELIVERIES = 3
Q = "submissions"


def msg(n: int | str, **kwargs: object) -> OutgoingMessage:
    return OutgoingMessage(body=f'{{"n": "{n}"}}'.encode(), message_id=f"id-{n}", **kwargs)  # type: ignore[arg-type]


class BusContract:
    @pytest.fixture
    def make_bus(self, clock: FakeClock) -> Callable[[], MessageBus]:
        raise NotImplementedError

    @pytest.fixture
    def bus(self, make_bus: Callable[[], MessageBus]) -> MessageBus:
        return make_bus()

    def test_round_trip_keeps_every_field(self, bus: MessageBus) -> None:
        bus.send(
            Q,
            [
                OutgoingMessage(
                    body=b'{"a": 1}',
                    message_id="m-1",
                    correlation_id="corr-1",
                    subject="cityzen.submission",
                    application_properties={"schema": "x/v1", "attempt": 2, "ok": True},
                )
            ],
        )
        [got] = bus.receive(Q)
        assert got.body == b'{"a": 1}'
        assert (got.message_id, got.correlation_id, got.subject) == (
            "m-1",
            "corr-1",
            "cityzen.submission",
        )
        assert got.content_type == "application/json"
        assert dict(got.application_properties) == {"schema": "x/v1", "attempt": 2, "ok": True}
        assert got.delivery_count == 1
        assert got.lock_token
        assert got.queue == Q

    def test_fifo_and_batch_limits(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(i) for i in range(5)])
        first = bus.receive(Q, max_messages=3)
        second = bus.receive(Q, max_messages=3)
        assert [m.message_id for m in first + second] == [f"id-{i}" for i in range(5)]
        assert [m.sequence_number for m in first] == sorted(m.sequence_number for m in first)

    def test_queues_are_independent(self, bus: MessageBus) -> None:
        bus.send("a", [msg(1)])
        assert bus.receive("b") == []
        assert [m.message_id for m in bus.receive("a")] == ["id-1"]

    def test_empty_receive_waits_at_most_max_wait(self, bus: MessageBus, clock: FakeClock) -> None:
        start = clock()
        assert bus.receive(Q, max_wait_seconds=2.0) == []
        assert (clock() - start).total_seconds() == pytest.approx(2.0, abs=0.1)

    def test_completed_message_is_gone_and_cannot_be_completed_twice(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(1)])
        [got] = bus.receive(Q)
        bus.complete(got)
        assert bus.receive(Q) == []
        with pytest.raises(MessageLockLostError):
            bus.complete(got)

    def test_locked_message_is_invisible_then_back_after_lock_expiry(
        self, bus: MessageBus, clock: FakeClock
    ) -> None:
        bus.send(Q, [msg(1)])
        [first] = bus.receive(Q)
        assert bus.receive(Q) == []
        clock.advance(LOCK_SECONDS + 1)
        [again] = bus.receive(Q)
        assert again.message_id == "id-1"
        assert again.delivery_count == 2
        assert again.lock_token != first.lock_token
        with pytest.raises(MessageLockLostError):
            bus.complete(first)  # the stale holder cannot settle it any more
        bus.complete(again)

    def test_renew_lock_keeps_the_message_hidden(self, bus: MessageBus, clock: FakeClock) -> None:
        bus.send(Q, [msg(1)])
        [got] = bus.receive(Q)
        clock.advance(LOCK_SECONDS - 5)
        until = bus.renew_lock(got)
        assert until > clock() + timedelta(seconds=LOCK_SECONDS - 1)
        clock.advance(20)
        assert bus.receive(Q) == []
        bus.complete(got)

    def test_abandon_redelivers_at_once_with_count_raised(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(1)])
        [got] = bus.receive(Q)
        bus.abandon(got)
        [again] = bus.receive(Q)
        assert again.delivery_count == 2

    def test_max_delivery_count_dead_letters(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(1)])
        for _ in range(MAX_DELIVERIES):
            [got] = bus.receive(Q)
            bus.abandon(got)
        assert bus.receive(Q) == []
        [dead] = bus.receive(Q, sub_queue="deadletter")
        assert dead.message_id == "id-1"
        assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
        assert bus.stats(Q).dead_letter == 1

    def test_expired_locks_count_towards_max_delivery(
        self, bus: MessageBus, clock: FakeClock
    ) -> None:
        bus.send(Q, [msg(1)])
        for _ in range(MAX_DELIVERIES):
            assert len(bus.receive(Q)) == 1
            clock.advance(LOCK_SECONDS + 1)
        assert bus.receive(Q) == []
        [dead] = bus.peek(Q, sub_queue="deadletter")
        assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"

    def test_explicit_dead_letter_keeps_reason_and_description(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(1)])
        [got] = bus.receive(Q)
        bus.dead_letter(got, reason="InvalidMessage", description="unknown schema x/v9")
        [dead] = bus.receive(Q, sub_queue="deadletter")
        assert (dead.dead_letter_reason, dead.dead_letter_description) == (
            "InvalidMessage",
            "unknown schema x/v9",
        )
        assert dead.sub_queue == "deadletter"
        bus.complete(dead)
        assert bus.peek(Q, sub_queue="deadletter") == []

    def test_duplicate_ids_are_dropped_within_the_window_only(
        self, bus: MessageBus, clock: FakeClock
    ) -> None:
        bus.send(Q, [msg(1), msg(1)])
        bus.send(Q, [msg(1)])
        assert bus.stats(Q).active == 1
        [got] = bus.receive(Q)
        bus.complete(got)
        bus.send(Q, [msg(1)])  # completed, but still inside the window: dropped
        assert bus.receive(Q) == []
        clock.advance(11 * 60)
        bus.send(Q, [msg(1)])
        assert len(bus.receive(Q)) == 1

    def test_scheduled_message_appears_at_its_time(self, bus: MessageBus, clock: FakeClock) -> None:
        bus.send(Q, [msg(1, scheduled_enqueue_time=clock() + timedelta(seconds=90))])
        assert bus.receive(Q) == []
        assert bus.stats(Q).scheduled == 1
        clock.advance(91)
        [got] = bus.receive(Q)
        assert got.message_id == "id-1"

    def test_expired_message_is_dead_lettered(self, bus: MessageBus, clock: FakeClock) -> None:
        bus.send(Q, [msg(1, time_to_live=timedelta(seconds=60)), msg(2)])
        clock.advance(61)
        [got] = bus.receive(Q, max_messages=5)
        assert got.message_id == "id-2"
        [dead] = bus.peek(Q, sub_queue="deadletter")
        assert (dead.message_id, dead.dead_letter_reason) == ("id-1", "TTLExpiredException")

    def test_oversized_batch_is_refused_whole(self, bus: MessageBus) -> None:
        big = OutgoingMessage(body=b"x" * (256 * 1024 + 1), message_id="big")
        with pytest.raises(MessageTooLargeError) as info:
            bus.send(Q, [msg(1), big])
        assert info.value.limit == 256 * 1024
        assert bus.stats(Q).active == 0

    def test_just_under_the_limit_is_accepted(self, bus: MessageBus) -> None:
        body = b"x" * (256 * 1024 - 100)
        bus.send(Q, [OutgoingMessage(body=body, message_id="fits", content_type="x")])
        [got] = bus.receive(Q)
        assert got.body == body

    def test_peek_neither_locks_nor_counts(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(1), msg(2)])
        peeked = bus.peek(Q)
        assert [m.message_id for m in peeked] == ["id-1", "id-2"]
        assert all(m.lock_token == "" for m in peeked)
        [got] = bus.receive(Q)
        assert got.delivery_count == 1
        with pytest.raises(MessagingError):
            bus.complete(peeked[1])

    def test_stats_count_each_state(self, bus: MessageBus, clock: FakeClock) -> None:
        bus.send(Q, [msg(1), msg(2), msg(3, scheduled_enqueue_time=clock() + timedelta(hours=1))])
        [got] = bus.receive(Q)
        bus.dead_letter(got, reason="r", description="d")
        bus.receive(Q)
        stats = bus.stats(Q)
        assert (stats.active, stats.locked, stats.scheduled, stats.dead_letter) == (0, 1, 1, 1)

    def test_hostile_ids_and_unicode_are_stored_verbatim(self, bus: MessageBus) -> None:
        hostile = "x'); DROP TABLE messages;--"
        bus.send(
            Q,
            [
                OutgoingMessage(
                    body="é✓".encode(),
                    message_id=hostile,
                    application_properties={"note": "ça marche ✓"},
                )
            ],
        )
        [got] = bus.receive(Q)
        assert (got.message_id, got.body.decode()) == (hostile, "é✓")
        assert got.application_properties["note"] == "ça marche ✓"

    def test_invalid_queue_names_are_refused(self, bus: MessageBus) -> None:
        for name in ["", "a b", "../x", "x" * 300]:
            with pytest.raises(MessagingError):
                bus.send(name, [msg(1)])

    def test_peek_pages_by_sequence_number(self, bus: MessageBus) -> None:
        bus.send(Q, [msg(i) for i in range(5)])
        first = bus.peek(Q, max_messages=2)
        rest = bus.peek(Q, max_messages=10, from_sequence_number=first[-1].sequence_number + 1)
        assert [m.message_id for m in first + rest] == [f"id-{i}" for i in range(5)]

    def test_naive_schedule_times_and_bad_ids_are_refused(self, bus: MessageBus) -> None:
        naive = datetime(2026, 3, 1, 10, 0)
        with pytest.raises(MessagingError, match="timezone"):
            bus.send(Q, [msg(1, scheduled_enqueue_time=naive)])
        for bad_id in ["", "x" * 129]:
            with pytest.raises(MessagingError, match="message_id"):
                bus.send(Q, [OutgoingMessage(body=b"{}", message_id=bad_id)])
        assert bus.stats(Q).active == 0

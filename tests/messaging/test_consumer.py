"""``deliver`` settles as the Functions runtime does: return → complete, raise → abandon."""

from __future__ import annotations

import logging

import pytest

from cityzen_connector.messaging import MessageBus, ReceivedMessage, deliver, encode
from cityzen_connector.testing import FakeClock
from tests.support.messages import MAX_DELIVERIES

SCHEMA = "app.thing/v1"


def test_returning_completes_and_raising_abandons(
    bus: MessageBus, caplog: pytest.LogCaptureFixture
) -> None:
    bus.send("q", [encode(SCHEMA, {"email": "a@b.fr"}, correlation_id=c) for c in "ab"])

    def handler(message: ReceivedMessage) -> None:
        if message.correlation_id == "b":
            raise ValueError("bad record for a@b.fr")

    with caplog.at_level(logging.WARNING):
        report = deliver(bus, "q", handler, max_messages=5)
    assert (report.completed, report.abandoned) == (1, 1)
    assert "a@b.fr" not in caplog.text
    assert "ValueError" in caplog.text
    [again] = bus.receive("q")
    assert (again.correlation_id, again.delivery_count) == ("b", 2)


def test_a_poison_message_ends_in_the_dead_letter_queue(bus: MessageBus) -> None:
    bus.send("q", [encode(SCHEMA, {}, correlation_id="p")])

    def crash(message: ReceivedMessage) -> None:
        raise RuntimeError

    for _ in range(MAX_DELIVERIES):
        deliver(bus, "q", crash)
    assert bus.receive("q") == []
    [dead] = bus.peek("q", sub_queue="deadletter")
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"


def test_a_handler_slower_than_the_lock_is_counted_not_crashed(
    bus: MessageBus, clock: FakeClock
) -> None:
    bus.send("q", [encode(SCHEMA, {}, correlation_id="slow")])
    report = deliver(bus, "q", lambda message: clock.advance(31))
    assert (report.completed, report.lock_lost) == (0, 1)
    assert len(bus.receive("q")) == 1  # it comes back

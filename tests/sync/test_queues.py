"""``ConnectorQueues``: what ops see of the queues, and replays that disturb nothing else."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cityzen_connector.messaging import OutgoingMessage, ReceivedMessage, open_bus
from cityzen_connector.sync import ConnectorQueue, ConnectorQueues, UnknownQueueError
from cityzen_connector.sync._queues import Position, describe
from cityzen_connector.sync.pipeline import rejected_queue
from cityzen_connector.testing import FakeClock

START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.fixture
def desk(tmp_path: Path) -> ConnectorQueues:
    clock = FakeClock(START)
    bus = open_bus(f"sqlite:///{tmp_path / 'queue.db'}", clock=clock, max_delivery_count=3)
    return ConnectorQueues(bus, (ConnectorQueue("webhooks", "webhooks"),), clock=clock)


def rejected(desk: ConnectorQueues, *ids: str) -> None:
    messages = [OutgoingMessage(body=b"{}", message_id=i) for i in ids]
    desk._bus.send(rejected_queue("webhooks"), messages)


def counts(desk: ConnectorQueues) -> dict[str, int]:
    peeked = desk._bus.peek(rejected_queue("webhooks"), max_messages=100)
    return {m.message_id: m.delivery_count for m in peeked}


def test_replaying_the_oldest_touches_no_other_message(desk: ConnectorQueues) -> None:
    rejected(desk, *(f"m{n}" for n in range(6)))
    result = desk.replay("webhooks", limit=2)
    assert [r.message_id for r in result.replayed] == ["m0", "m1"]
    # Nothing else was locked and released: no delivery counted on the four left.
    assert counts(desk) == {"m2": 0, "m3": 0, "m4": 0, "m5": 0}


def test_replaying_by_id_again_and_again_never_dead_letters_the_others(
    desk: ConnectorQueues,
) -> None:
    rejected(desk, "keep-1", "keep-2")
    for _ in range(5):  # more than the queue's 3 deliveries
        assert desk.replay("webhooks", message_ids=["gone"]).not_found == ["gone"]
    assert counts(desk) == {"keep-1": 0, "keep-2": 0}
    assert desk._bus.stats(rejected_queue("webhooks")).dead_letter == 0


def test_an_unknown_queue_is_refused_before_anything_is_read(desk: ConnectorQueues) -> None:
    with pytest.raises(UnknownQueueError):
        desk.replay("payroll", message_ids=["x"])
    with pytest.raises(UnknownQueueError):
        desk.dead_letters("payroll")


@pytest.mark.parametrize("token", ["rejected", "deadletter:", "inbox:3", "rejected:-1", "x:1"])
def test_a_page_token_we_did_not_give_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="page_token"):
        Position.parse(token)


def test_a_token_past_the_chosen_sources_gives_an_empty_last_page(desk: ConnectorQueues) -> None:
    rejected(desk, "m0")
    page = desk.dead_letters("webhooks", source="deadletter", page_token="rejected:0")
    assert (page.items, page.next_page_token) == ([], None)


def test_a_description_carries_metadata_bounded_and_never_the_body() -> None:
    message = ReceivedMessage(
        queue="q",
        body=b'{"family_name": "Delacroix"}',
        message_id="m",
        sequence_number=7,
        delivery_count=2,
        enqueued_time=START,
        lock_token="",
        locked_until=None,
        sub_queue="deadletter",
        dead_letter_reason="MaxDeliveryCountExceeded",
        dead_letter_description="x" * 1000,
    )
    item = describe(message, "deadletter")
    assert (item.sequence_number, item.reason) == (7, "MaxDeliveryCountExceeded")
    assert item.description == "x" * 256
    assert "Delacroix" not in item.model_dump_json()

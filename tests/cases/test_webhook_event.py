"""The shared event type is immutable: a retry must carry exactly what was first published."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from cityzen_connector.cases import QueueWebhookOutbox, WebhookEvent, event_from_body
from cityzen_connector.messaging import open_bus
from cityzen_connector.testing import FakeClock


def test_an_event_cannot_change_between_retries() -> None:
    event = WebhookEvent(
        id="msg_1",
        type="request.status_changed",
        timestamp=datetime(2026, 1, 1, tzinfo=UTC),
        data={"status": "resolved"},
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.id = "msg_2"  # type: ignore[misc]


def test_the_outbox_queues_the_standard_webhooks_body_under_the_event_id() -> None:

    bus = open_bus("sqlite:///:memory:", clock=FakeClock())
    event = WebhookEvent(
        id="msg_2xyz",
        type="request.status_changed",
        timestamp=datetime(2026, 12, 3, 9, 30, tzinfo=UTC),
        data={"request_id": "r1", "status": "resolved"},
    )
    QueueWebhookOutbox(bus, "webhooks").publish(event)
    QueueWebhookOutbox(bus, "webhooks").publish(event)  # the same event again: one delivery
    received = bus.receive("webhooks", max_messages=10, max_wait_seconds=0)
    assert [m.message_id for m in received] == ["msg_2xyz"]
    assert received[0].body.startswith(
        b'{"type":"request.status_changed","timestamp":"2026-12-03T09:30:00Z"'
    )
    assert event_from_body(received[0].message_id, received[0].body) == event


@pytest.mark.parametrize(
    "body", [b"[]", b'{"type":"x"}', b'{"type":"x","timestamp":"2026-01-01T00:00:00","data":{}}']
)
def test_a_body_the_outbox_did_not_write_is_refused(body: bytes) -> None:

    with pytest.raises(ValueError, match="webhook event"):
        event_from_body("m", body)

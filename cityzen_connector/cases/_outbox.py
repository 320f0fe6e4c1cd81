"""The webhook outbox on the message bus: publishing is one queue send, so a status change is
recorded even while the portal is down; the delivery side signs and retries (same ``webhook-id``
on every attempt)."""

from __future__ import annotations

import json
from datetime import datetime

from cityzen_connector.cases._webhook import WebhookEvent
from cityzen_connector.messaging import PROP_SCHEMA, PROP_VERSION, MessageBus, OutgoingMessage

__all__ = [
    "PROP_WEBHOOK_ID",
    "WEBHOOK_SCHEMA",
    "QueueWebhookOutbox",
    "event_body",
    "event_from_body",
]

# Carried by the message and every copy of it (retries, dead letters, replays, which get new
# message ids): the ``webhook-id`` a receiver deduplicates on never changes.
PROP_WEBHOOK_ID = "cityzen-webhook-id"
# The schema property every CityZen message carries (messaging/_envelope.py), so that the queue
# commands (sweep, replay) never take a webhook for a submission.
WEBHOOK_SCHEMA = "cityzen.webhook"


def event_body(event: WebhookEvent) -> bytes:
    """The Standard Webhooks JSON body (``type``, ``timestamp``, ``data``); the id travels as
    the message id and comes back as the ``webhook-id`` header."""
    payload = {
        "type": event.type,
        "timestamp": event.timestamp.isoformat().replace("+00:00", "Z"),
        "data": dict(event.data),
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def event_from_body(message_id: str, body: bytes) -> WebhookEvent:
    """The event a queued body holds (raises ``ValueError`` on a body this module did not write)."""
    payload = json.loads(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise ValueError("not a webhook event body")
    kind, stamp = payload.get("type"), payload.get("timestamp")
    if not isinstance(kind, str) or not isinstance(stamp, str):
        raise ValueError("webhook event body without type or timestamp")
    when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    if when.tzinfo is None:
        raise ValueError("webhook event timestamp without a time zone")
    return WebhookEvent(id=message_id, type=kind, timestamp=when, data=payload["data"])


class QueueWebhookOutbox:
    """:class:`~cityzen_connector.cases.WebhookOutbox` on a queue. The event id is the message
    id, so publishing the same event twice within the duplicate-detection window is one
    delivery (Service Bus duplicate detection; the embedded queue does the same)."""

    def __init__(self, bus: MessageBus, queue: str) -> None:
        self._bus = bus
        self._queue = queue

    def publish(self, event: WebhookEvent) -> None:
        message = OutgoingMessage(
            body=event_body(event),
            message_id=event.id,
            subject=event.type,
            application_properties={
                PROP_WEBHOOK_ID: event.id,
                PROP_SCHEMA: WEBHOOK_SCHEMA,
                PROP_VERSION: 1,
            },
        )
        self._bus.send(self._queue, [message])

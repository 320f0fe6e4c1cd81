"""A webhook outbox on the embedded queue, a fake clock, and the real sender over ``requests``
(tests script the portal with ``responses`` or point it at a real local receiver)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from cityzen_connector.cases import (
    QueueWebhookOutbox,
    RequestsWebhookSender,
    WebhookConfig,
    WebhookDeliveryDeps,
    WebhookDeliveryResult,
    WebhookEvent,
    WebhookRetryPolicy,
    WebhookSender,
    deliver_webhook_message,
)
from cityzen_connector.messaging import MessageBus, ReceivedMessage, open_bus
from cityzen_connector.testing import FakeClock
from tests.support.webhooks import SECRET

QUEUE = "webhooks"
REJECTED = "webhooks-rejected"
NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
PORTAL = "https://portal.example.fr/hooks/cityzen?token=portal-side-token"
ANALYTICS = "https://analytics.example.fr/hooks"


def status_changed(event_id: str = "evt_01", status: str = "resolved") -> WebhookEvent:
    """What the case-events side publishes: ids, ticket, status and labels, no personal data."""
    return WebhookEvent(
        id=event_id,
        type="request.status_changed",
        timestamp=NOW - timedelta(seconds=5),
        data={
            "request_id": "4f1c9a52-7a1e-4d0b-9c57-0c1f7f1f2b10",
            "ticket_number": "CAS-01042-X7Y8Z9",
            "status": status,
            "label": {"fr": "Résolue", "en": "Resolved"},
            "closed": True,
        },
    )


@dataclass
class World:
    clock: FakeClock
    bus: MessageBus
    deps: WebhookDeliveryDeps
    results: list[WebhookDeliveryResult] = field(default_factory=list)

    def publish(self, event: WebhookEvent | None = None) -> WebhookEvent:
        event = event or status_changed()
        QueueWebhookOutbox(self.bus, QUEUE).publish(event)
        return event

    def receive(self) -> ReceivedMessage | None:
        got = self.bus.receive(QUEUE, max_messages=1)
        return got[0] if got else None

    def deliver_next(self) -> WebhookDeliveryResult | None:
        """What the trigger does with the next visible message: deliver, then complete."""
        message = self.receive()
        if message is None:
            return None
        result = deliver_webhook_message(message, self.deps)
        self.bus.complete(message)
        self.results.append(result)
        return result

    def rejected(self) -> list[ReceivedMessage]:
        return self.bus.peek(REJECTED, max_messages=100)

    def waiting(self) -> list[ReceivedMessage]:
        """Messages still in the outbox, scheduled ones included."""
        return self.bus.peek(QUEUE, max_messages=100)

    def advance(self, delta: timedelta) -> None:
        self.clock.advance(delta.total_seconds())


def world(
    urls: tuple[str, ...] = (PORTAL,),
    *,
    secrets: str = SECRET,
    sender: WebhookSender | None = None,
    retry: WebhookRetryPolicy | None = None,
    start: datetime = NOW,
    logger: logging.Logger | None = None,
) -> World:
    clock = FakeClock(start)
    bus = open_bus("sqlite:///:memory:", clock=clock)
    deps = WebhookDeliveryDeps(
        bus=bus,
        queue=QUEUE,
        config=WebhookConfig.of(urls, secrets, retry=retry),
        sender=sender or RequestsWebhookSender(),
        clock=clock,
        spread=lambda: 0.0,  # no jitter: delays are the policy's own
    )
    if logger is not None:
        deps = replace(deps, logger=logger)
    return World(clock, bus, deps)

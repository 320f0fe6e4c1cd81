"""Cases back to citizens: Dataverse events → status history, "my requests", webhooks out,
change-tracking reconciliation (ARCHITECTURE.md, the ``cases/`` room)."""

from cityzen_connector.cases._outbox import QueueWebhookOutbox, event_body, event_from_body
from cityzen_connector.cases._webhook import WebhookEvent, WebhookOutbox

__all__ = [
    "QueueWebhookOutbox",
    "WebhookEvent",
    "WebhookOutbox",
    "event_body",
    "event_from_body",
]

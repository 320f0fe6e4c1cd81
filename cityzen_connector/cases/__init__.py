"""Cases back to citizens: Dataverse events → status history, "my requests", webhooks out,
change-tracking reconciliation (ARCHITECTURE.md, the ``cases/`` room)."""

from cityzen_connector.cases._delivery import (
    MAX_WEBHOOK_BODY_BYTES,
    PROP_ENDPOINT,
    EndpointOutcome,
    WebhookDeliveryDeps,
    WebhookDeliveryResult,
    deliver_webhook_message,
    webhook_rejected_queue,
)
from cityzen_connector.cases._outbox import (
    PROP_WEBHOOK_ID,
    WEBHOOK_SCHEMA,
    QueueWebhookOutbox,
    event_body,
    event_from_body,
)
from cityzen_connector.cases._sender import (
    NoReply,
    RequestsWebhookSender,
    WebhookReply,
    WebhookSender,
)
from cityzen_connector.cases._signing import (
    SECRET_PREFIX,
    WebhookSecret,
    parse_secrets,
    sign,
    signed_headers,
)
from cityzen_connector.cases._webhook import WebhookEvent, WebhookOutbox
from cityzen_connector.cases._webhook_config import (
    WebhookConfig,
    WebhookEndpoint,
    WebhookRetryPolicy,
    endpoint_key,
)

__all__ = [
    "MAX_WEBHOOK_BODY_BYTES",
    "PROP_ENDPOINT",
    "PROP_WEBHOOK_ID",
    "SECRET_PREFIX",
    "WEBHOOK_SCHEMA",
    "EndpointOutcome",
    "NoReply",
    "QueueWebhookOutbox",
    "RequestsWebhookSender",
    "WebhookConfig",
    "WebhookDeliveryDeps",
    "WebhookDeliveryResult",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookOutbox",
    "WebhookReply",
    "WebhookRetryPolicy",
    "WebhookSecret",
    "WebhookSender",
    "deliver_webhook_message",
    "endpoint_key",
    "event_body",
    "event_from_body",
    "parse_secrets",
    "sign",
    "signed_headers",
    "webhook_rejected_queue",
]

"""What Azure Service Bus accepts, checked before sending, on every backend."""

from __future__ import annotations

from cityzen_connector.messaging._errors import MessageTooLargeError, MessagingError
from cityzen_connector.messaging._port import OutgoingMessage

# Standard tier: 256 KB per message, headers and properties included.
# https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
MAX_MESSAGE_BYTES = 256 * 1024
MAX_MESSAGE_ID = 128  # MessageId: at most 128 characters

# Service Bus' own dead-letter reasons, so that sweeps and the CLI read the same words locally.
# https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues
REASON_MAX_DELIVERY = "MaxDeliveryCountExceeded"
REASON_TTL_EXPIRED = "TTLExpiredException"


def message_size(message: OutgoingMessage) -> int:
    """Bytes counted against the limit: body, ids and properties (an upper bound of the wire)."""
    size = len(message.body) + len(message.message_id.encode())
    for text in (message.content_type, message.correlation_id, message.subject):
        size += len(text.encode()) if text else 0
    for key, value in message.application_properties.items():
        size += len(key.encode()) + len(str(value).encode())
    return size


def check_size(message: OutgoingMessage, limit: int = MAX_MESSAGE_BYTES) -> None:
    """Refuse, before anything is sent, what Service Bus would refuse or misread."""
    when = message.scheduled_enqueue_time
    if when is not None and when.tzinfo is None:
        # A naive time would be read as the machine's local time, here and by the SDK.
        raise MessagingError("scheduled_enqueue_time must be timezone-aware (UTC)")
    if not message.message_id or len(message.message_id) > MAX_MESSAGE_ID:
        raise MessagingError(f"message_id must be 1-{MAX_MESSAGE_ID} characters")
    size = message_size(message)
    if size > limit:
        raise MessageTooLargeError(size, limit)

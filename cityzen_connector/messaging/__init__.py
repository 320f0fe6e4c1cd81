"""Message bus port and backends (embedded SQLite, memory, Azure Service Bus)."""

from cityzen_connector.messaging._errors import (
    BusUnavailableError,
    InvalidMessage,
    MessageLockLostError,
    MessageTooLargeError,
    MessagingError,
    UnsupportedBusUrlError,
)
from cityzen_connector.messaging._open import open_bus
from cityzen_connector.messaging._port import (
    MessageBus,
    OutgoingMessage,
    PropertyValue,
    QueueStats,
    ReceivedMessage,
    SubQueue,
)
from cityzen_connector.messaging._sqlite import SqliteBus, system_clock
from cityzen_connector.messaging._sqlite_schema import (
    MAX_MESSAGE_BYTES,
    REASON_MAX_DELIVERY,
    REASON_TTL_EXPIRED,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "REASON_MAX_DELIVERY",
    "REASON_TTL_EXPIRED",
    "BusUnavailableError",
    "InvalidMessage",
    "MessageBus",
    "MessageLockLostError",
    "MessageTooLargeError",
    "MessagingError",
    "OutgoingMessage",
    "PropertyValue",
    "QueueStats",
    "ReceivedMessage",
    "SqliteBus",
    "SubQueue",
    "UnsupportedBusUrlError",
    "open_bus",
    "system_clock",
]

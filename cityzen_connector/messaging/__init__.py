"""Message bus port and backends (embedded SQLite, memory, Azure Service Bus)."""

from cityzen_connector.messaging._port import (
    MessageBus,
    OutgoingMessage,
    PropertyValue,
    QueueStats,
    ReceivedMessage,
    SubQueue,
)

__all__ = [
    "MessageBus",
    "OutgoingMessage",
    "PropertyValue",
    "QueueStats",
    "ReceivedMessage",
    "SubQueue",
]

"""Message bus port and backends (embedded SQLite, memory, Azure Service Bus)."""

from cityzen_connector.messaging._consumer import DeliveryReport, deliver
from cityzen_connector.messaging._errors import (
    BusUnavailableError,
    InvalidMessage,
    MessageLockLostError,
    MessageTooLargeError,
    MessagingError,
    UnsupportedBusUrlError,
)
from cityzen_connector.messaging._limits import (
    MAX_MESSAGE_BYTES,
    REASON_MAX_DELIVERY,
    REASON_TTL_EXPIRED,
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
from cityzen_connector.messaging._recovery import (
    PurgeReport,
    ReplayReport,
    Source,
    SweepReport,
    purge_failed_messages,
    purge_retention,
    replay,
    sweep_dead_letters,
)
from cityzen_connector.messaging._retry import (
    RetryPolicy,
    Settlement,
    reject,
    rejected_queue,
    retry_later,
    submission_id,
)
from cityzen_connector.messaging._sqlite import SqliteBus
from cityzen_connector.messaging.envelope import (
    CASE_EVENT_V1,
    SUBMISSION_V1,
    Envelope,
    decode,
    encode,
)

__all__ = [
    "CASE_EVENT_V1",
    "MAX_MESSAGE_BYTES",
    "REASON_MAX_DELIVERY",
    "REASON_TTL_EXPIRED",
    "SUBMISSION_V1",
    "BusUnavailableError",
    "DeliveryReport",
    "Envelope",
    "InvalidMessage",
    "MessageBus",
    "MessageLockLostError",
    "MessageTooLargeError",
    "MessagingError",
    "OutgoingMessage",
    "PropertyValue",
    "PurgeReport",
    "QueueStats",
    "ReceivedMessage",
    "ReplayReport",
    "RetryPolicy",
    "Settlement",
    "Source",
    "SqliteBus",
    "SubQueue",
    "SweepReport",
    "UnsupportedBusUrlError",
    "decode",
    "deliver",
    "encode",
    "open_bus",
    "purge_failed_messages",
    "purge_retention",
    "reject",
    "rejected_queue",
    "replay",
    "retry_later",
    "submission_id",
    "sweep_dead_letters",
]

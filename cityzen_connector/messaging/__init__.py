"""messaging: the ``MessageBus`` port and its backends (embedded SQLite, memory, Azure Service
Bus), and the versioned envelope every message carries.

It knows no submission: what a message means, how a consumer retries or rejects it, and how
failed messages are recovered belong to the code that sends and consumes it (the submission
pipeline for the ``submissions`` queue).

``LockRenewer`` keeps the peek-locks of messages whose work outlasts the lock duration.

Errors are drawn as a tree in ``_errors.py``.
"""

from cityzen_connector.messaging._consumer import DeliveryReport, deliver
from cityzen_connector.messaging._envelope import (
    CONTENT_TYPE,
    PROP_ATTEMPT,
    PROP_FIRST_ENQUEUED,
    PROP_ORIGIN_ID,
    PROP_SCHEMA,
    PROP_VERSION,
    Envelope,
    attempt_of,
    copy_of,
    decode,
    encode,
    first_enqueued,
    origin_id,
    parse_schema_id,
)
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
    MAX_MESSAGE_ID,
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
from cityzen_connector.messaging._renewer import LockRenewer
from cityzen_connector.messaging._sqlite import SqliteBus

__all__ = [
    "CONTENT_TYPE",
    "MAX_MESSAGE_BYTES",
    "MAX_MESSAGE_ID",
    "PROP_ATTEMPT",
    "PROP_FIRST_ENQUEUED",
    "PROP_ORIGIN_ID",
    "PROP_SCHEMA",
    "PROP_VERSION",
    "REASON_MAX_DELIVERY",
    "REASON_TTL_EXPIRED",
    "BusUnavailableError",
    "DeliveryReport",
    "Envelope",
    "InvalidMessage",
    "LockRenewer",
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
    "attempt_of",
    "copy_of",
    "decode",
    "deliver",
    "encode",
    "first_enqueued",
    "open_bus",
    "origin_id",
    "parse_schema_id",
]

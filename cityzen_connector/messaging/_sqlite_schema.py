"""Schema and size rules of the embedded SQLite queue."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

from cityzen_connector.messaging._errors import MessageTooLargeError, MessagingError
from cityzen_connector.messaging._port import OutgoingMessage, PropertyValue
from cityzen_connector.store._sqlite_db import connect as sqlite_connect

# Standard tier: 256 KB per message, headers and properties included.
# https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas
MAX_MESSAGE_BYTES = 256 * 1024
MAX_MESSAGE_ID = 128  # MessageId: at most 128 characters

# Service Bus' own dead-letter reasons, so that sweeps and the CLI read the same words locally.
# https://learn.microsoft.com/azure/service-bus-messaging/service-bus-dead-letter-queues
REASON_MAX_DELIVERY = "MaxDeliveryCountExceeded"
REASON_TTL_EXPIRED = "TTLExpiredException"

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    sub_queue TEXT NOT NULL DEFAULT 'main',
    message_id TEXT NOT NULL,
    body BLOB NOT NULL,
    content_type TEXT,
    correlation_id TEXT,
    subject TEXT,
    properties TEXT NOT NULL DEFAULT '{}',
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    expires_at REAL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    locked_until REAL,
    dl_reason TEXT,
    dl_description TEXT
);
CREATE INDEX IF NOT EXISTS messages_fifo ON messages (queue, sub_queue, seq);
CREATE TABLE IF NOT EXISTS seen_ids (
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (queue, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_ids_age ON seen_ids (seen_at);
"""


def connect(path: str) -> sqlite3.Connection:
    """Open the queue database (WAL: committed messages survive a crash of any process)."""
    return sqlite_connect(path, SCHEMA)


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


def dump_properties(properties: Mapping[str, PropertyValue]) -> str:
    return json.dumps(dict(properties), separators=(",", ":"), sort_keys=True)


def load_properties(text: str) -> dict[str, PropertyValue]:
    loaded: dict[str, PropertyValue] = json.loads(text)
    return loaded

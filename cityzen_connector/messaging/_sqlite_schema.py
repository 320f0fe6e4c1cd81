"""Schema of the embedded SQLite queue."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping

from cityzen_connector._sqlite import connect as sqlite_connect
from cityzen_connector.messaging._port import PropertyValue

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


def dump_properties(properties: Mapping[str, PropertyValue]) -> str:
    return json.dumps(dict(properties), separators=(",", ":"), sort_keys=True)


def load_properties(text: str) -> dict[str, PropertyValue]:
    loaded: dict[str, PropertyValue] = json.loads(text)
    return loaded

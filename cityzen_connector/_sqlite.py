"""SQLite plumbing shared by the embedded backends (state store, queue)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["connect", "immediate"]


def connect(path: str, schema: str) -> sqlite3.Connection:
    """Open ``path`` (or ``:memory:``) in autocommit mode and create ``schema``.

    WAL keeps every committed transaction across a crash of any process; ``synchronous=NORMAL``
    in WAL mode only risks the last transactions on power loss.
    https://www.sqlite.org/wal.html, https://www.sqlite.org/pragma.html#pragma_synchronous
    """
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    if path != ":memory:":
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(schema)
    return conn


@contextmanager
def immediate(conn: sqlite3.Connection, mutex: threading.RLock) -> Iterator[sqlite3.Connection]:
    """One write transaction, taken at once (``BEGIN IMMEDIATE``) so that writers queue up
    instead of failing on lock upgrade; the mutex serialises threads sharing ``conn``."""
    with mutex:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

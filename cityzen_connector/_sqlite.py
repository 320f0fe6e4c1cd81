"""SQLite plumbing shared by the embedded backends (state store, queue, the emulator)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cityzen_connector._private import create_private_file, private_folder, tighten

__all__ = ["connect", "immediate", "private_database"]

# The files SQLite keeps beside a database: the write-ahead log, its shared-memory index and
# the rollback journal (https://www.sqlite.org/tempfiles.html).
_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_database(path: str) -> None:
    """Make ``path`` a private database before SQLite opens it.

    Its missing folders are created 0700 and the file itself created empty, 0600 (an empty
    file is an empty database): SQLite would create it 0644 less the umask, and it gives the
    ``-wal`` and ``-shm`` files it creates the database's own mode. An existing database, or a
    side file left by an earlier run, that others may read is tightened.
    """
    if path in ("", ":memory:"):  # SQLite's private temporary and in-memory databases
        return
    database = Path(path)
    private_folder(database.parent, tighten_existing=False)
    create_private_file(database)
    for suffix in _SIDE_FILES:
        tighten(database.with_name(database.name + suffix))


def connect(path: str, schema: str) -> sqlite3.Connection:
    """Open ``path`` (or ``:memory:``) in autocommit mode and create ``schema``; the file is
    private (``private_database``).

    WAL keeps every committed transaction across a crash of any process; ``synchronous=NORMAL``
    in WAL mode only risks the last transactions on power loss.
    https://www.sqlite.org/wal.html, https://www.sqlite.org/pragma.html#pragma_synchronous
    """
    private_database(path)
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

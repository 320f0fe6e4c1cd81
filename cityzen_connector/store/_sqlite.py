"""The embedded state store: one SQLite table of JSON records (``sqlite:///`` and ``memory://``)."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._sqlite import connect, immediate
from cityzen_connector.store._errors import PreconditionFailedError
from cityzen_connector.store._port import Record, StateStore, check_key, dump_value

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    partition TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    etag TEXT NOT NULL,
    updated_at REAL NOT NULL,
    expires_at REAL,
    PRIMARY KEY (partition, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at);
"""

_CREATE_ONLY = (
    "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (partition, key) DO UPDATE SET"
    " value = excluded.value, etag = excluded.etag, updated_at = excluded.updated_at,"
    " expires_at = excluded.expires_at"
    " WHERE records.expires_at IS NOT NULL AND records.expires_at <= ?"
)
_UPDATE_IF_MATCH = (
    "UPDATE records SET value = ?, etag = ?, updated_at = ?, expires_at = ?"
    " WHERE partition = ? AND key = ? AND etag = ? AND (expires_at IS NULL OR expires_at > ?)"
)


def _ts(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


class SqliteStore(StateStore):
    """A ``StateStore`` in one SQLite file, or in memory with ``path=':memory:'``."""

    def __init__(self, path: str, *, clock: WallClock = utc_now) -> None:
        self._conn = connect(path, _SCHEMA)
        self._clock = clock
        self._mutex = threading.RLock()

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self._conn, self._mutex)

    @staticmethod
    def _record(row: Any) -> Record:
        return Record(
            partition=row[0],
            key=row[1],
            value=json.loads(row[2]),
            etag=row[3],
            updated_at=datetime.fromtimestamp(row[4], UTC),
            expires_at=None if row[5] is None else datetime.fromtimestamp(row[5], UTC),
        )

    def _live(self, conn: sqlite3.Connection, partition: str, key: str) -> Any:
        return conn.execute(
            "SELECT partition, key, value, etag, updated_at, expires_at FROM records"
            " WHERE partition = ? AND key = ? AND (expires_at IS NULL OR expires_at > ?)",
            (partition, key, self._clock().timestamp()),
        ).fetchone()

    def get(self, partition: str, key: str) -> Record | None:
        check_key("partition", partition)
        check_key("key", key)
        with self._mutex:
            row = self._live(self._conn, partition, key)
        return None if row is None else self._record(row)

    def put(
        self,
        partition: str,
        key: str,
        value: Mapping[str, Any],
        *,
        if_match: str | None = None,
        create_only: bool = False,
        expires_at: datetime | None = None,
    ) -> Record:
        check_key("partition", partition)
        check_key("key", key)
        text = dump_value(value)
        now = self._clock().timestamp()
        row = (partition, key, text, uuid.uuid4().hex, now, _ts(expires_at))
        if create_only and if_match is not None:
            # Never both true: an existing record fails create_only, a missing one if_match.
            raise PreconditionFailedError("create_only and if_match cannot both hold")
        # Each write is one statement, atomic on its own in autocommit mode: SQLite takes the
        # write lock when the statement starts (https://www.sqlite.org/lang_transaction.html),
        # so the check and the write cannot be split by another writer. One statement holds
        # the shared connection's mutex for one round trip instead of four (BEGIN, SELECT,
        # write, COMMIT): under concurrent requests that mutex was the ingest bottleneck.
        with self._mutex:
            if create_only:
                # An expired record counts as absent: it may be replaced.
                # https://www.sqlite.org/lang_upsert.html
                cursor = self._conn.execute(_CREATE_ONLY, (*row, now))
                if cursor.rowcount != 1:
                    raise PreconditionFailedError("the record already exists")
            elif if_match is not None:
                cursor = self._conn.execute(
                    _UPDATE_IF_MATCH, (text, row[3], now, row[5], partition, key, if_match, now)
                )
                if cursor.rowcount != 1:
                    raise PreconditionFailedError("the record changed since it was read")
            else:
                self._conn.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?)", row)
        return self._record(row)

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        check_key("partition", partition)
        check_key("key", key)
        with self._tx() as conn:
            current = self._live(conn, partition, key)
            if if_match is not None and (current is None or current[3] != if_match):
                raise PreconditionFailedError("the record changed since it was read")
            cursor = conn.execute(
                "DELETE FROM records WHERE partition = ? AND key = ?", (partition, key)
            )
        return cursor.rowcount == 1 and current is not None

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        check_key("partition", partition)
        with self._mutex:
            rows = self._conn.execute(
                "SELECT partition, key, value, etag, updated_at, expires_at FROM records"
                " WHERE partition = ? AND (expires_at IS NULL OR expires_at > ?)"
                " ORDER BY key LIMIT ?",
                (partition, self._clock().timestamp(), -1 if limit is None else limit),
            ).fetchall()
        return [self._record(row) for row in rows]

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        with self._tx() as conn:
            cursor = conn.execute(
                "DELETE FROM records WHERE expires_at <= ? OR updated_at < ?",
                (now.timestamp(), _ts(updated_before) if updated_before else float("-inf")),
            )
        return cursor.rowcount

    def close(self) -> None:
        with self._mutex:
            self._conn.close()

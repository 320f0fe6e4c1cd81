"""SQLite storage: one ``records`` table of JSON rows, one ``meta`` table.

Rows keep their columns as a JSON object so that columns created at run time need no schema
migration; queries read them with ``json_extract`` and bound parameters only. A single
connection guarded by a re-entrant lock serialises access (the emulator is a test double, not
a database server); :meth:`Store.transaction` makes a change set one SQLite transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cityzen_connector._sqlite import private_database
from cityzen_connector.emulator._collation import COLLATION, install
from cityzen_connector.emulator._errors import StoreError

_DDL = """
CREATE TABLE IF NOT EXISTS records (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS deleted (
    entity TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (entity, id)
) WITHOUT ROWID;
"""
# The meta counter every write draws its row version from: one sequence for the whole store,
# as Dataverse's versionnumber is one rowversion for the whole database. Change tracking reads
# "what changed after version N" from it, deletions included (the ``deleted`` table).
ROW_VERSION = "version"


# Table and column names the index and its query may spell out in SQL.
_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,99}$")


def _sql_value(value: Any) -> Any:
    return 1 if value is True else 0 if value is False else value


@dataclass
class Row:
    id: str
    data: dict[str, Any]
    version: int


class Store:
    def __init__(self, database: str | Path) -> None:
        target = str(database)
        try:
            # Every contact the connector files is in this file: it is private (0600).
            private_database(target)
            self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
            install(self._conn)  # before any statement: key indexes use the collation
            self._conn.executescript(_DDL)
            if target != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the emulator database at {target}: {exc}") from exc
        self.lock = threading.RLock()
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []
        self._indexes: set[str] = set()

    def close(self) -> None:
        with self.lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside commit together or not at all; nesting joins the outer one.
        What ``after_commit`` was given runs once the outermost one has committed, outside
        the lock; a rollback drops it."""
        committed: list[Callable[[], None]] = []
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
                committed = self._after_commit
            finally:
                self._depth = 0
                self._after_commit = []
        for hook in committed:
            hook()

    def after_commit(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` once the current transaction commits (now, outside a transaction): the
        asynchronous service starts a system job only for a committed operation."""
        with self.lock:
            if self._depth:
                self._after_commit.append(hook)
                return
        hook()

    # -- meta ------------------------------------------------------------------------------
    def get_meta(self, name: str) -> str | None:
        with self.lock:
            row = self._conn.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO meta(name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def next_counter(self, name: str) -> int:
        with self.lock, self.transaction():
            current = int(self.get_meta(name) or "0") + 1
            self.set_meta(name, str(current))
            return current

    # -- records ---------------------------------------------------------------------------
    def get(self, entity: str, record_id: str) -> Row | None:
        with self.lock:
            row = self._conn.execute(
                "SELECT id, data, version FROM records WHERE entity = ? AND id = ?",
                (entity, record_id),
            ).fetchone()
        return None if row is None else Row(row[0], json.loads(row[1]), row[2])

    def find(self, entity: str, values: dict[str, Any]) -> list[str]:
        """Ids of rows whose columns equal ``values`` (alternate-key lookups), text compared
        under the organisation's collation (``_collation``): ``'K-ABC'`` finds ``'k-abc'``.

        Key lookups run on every upsert by key, so each column set gets an expression index
        (created on first use): without it every lookup scans the table. SQLite uses such an
        index only when the query spells the same expression and collation, so the JSON paths
        are written into the SQL — for names matching ``_SAFE_NAME`` only; the values stay
        bound.
        """
        names = tuple(values)
        if not all(_SAFE_NAME.match(e) for e in (entity, *names)):
            return self._find_unindexed(entity, values)
        exprs = [f"json_extract(data, '$.\"{name}\"') COLLATE {COLLATION}" for name in names]
        index = self._ensure_index(entity, names, exprs)
        clauses = " AND ".join(f"{expr} = ?" for expr in exprs)
        params: list[Any] = [entity, *(_sql_value(v) for v in values.values())]
        # INDEXED BY: without statistics the planner prefers the (entity, id) primary key.
        sql = f'SELECT id FROM records INDEXED BY "{index}" WHERE entity = ? AND {clauses}'  # noqa: S608 - checked names
        with self.lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [str(r[0]) for r in rows]

    def _ensure_index(self, entity: str, names: tuple[str, ...], exprs: list[str]) -> str:
        # "ixci_": indexes of earlier versions ("ix_") had no collation and cannot serve.
        index = f"ixci_{entity}_{'_'.join(names)}"[:120]
        if index in self._indexes:
            return index
        with self.lock:
            self._conn.execute(
                f'CREATE INDEX IF NOT EXISTS "{index}" ON records(entity, {", ".join(exprs)})'
            )
            self._indexes.add(index)
        return index

    def _find_unindexed(self, entity: str, values: dict[str, Any]) -> list[str]:
        clauses = " AND ".join(f"json_extract(data, ?) COLLATE {COLLATION} = ?" for _ in values)
        params: list[Any] = [entity]
        for name, value in values.items():
            params.extend([f'$."{name}"', _sql_value(value)])
        with self.lock:
            rows = self._conn.execute(
                f"SELECT id FROM records WHERE entity = ? AND {clauses}",  # noqa: S608 - placeholders only
                params,
            ).fetchall()
        return [str(r[0]) for r in rows]

    def insert(self, entity: str, row: Row) -> None:
        with self.lock:
            self._conn.execute(
                "INSERT INTO records(entity, id, data, version) VALUES (?, ?, ?, ?)",
                (entity, row.id, json.dumps(row.data, ensure_ascii=False), row.version),
            )
            # A row created again with a deleted row's id is a change, no longer a deletion.
            self._conn.execute("DELETE FROM deleted WHERE entity = ? AND id = ?", (entity, row.id))

    def replace(self, entity: str, row: Row) -> None:
        with self.lock:
            self._conn.execute(
                "UPDATE records SET data = ?, version = ? WHERE entity = ? AND id = ?",
                (json.dumps(row.data, ensure_ascii=False), row.version, entity, row.id),
            )

    def delete(self, entity: str, record_id: str) -> None:
        """Delete a row and keep its id with a new row version, for change tracking."""
        with self.lock, self.transaction():
            self._conn.execute(
                "DELETE FROM records WHERE entity = ? AND id = ?", (entity, record_id)
            )
            self._conn.execute(
                "INSERT INTO deleted(entity, id, version) VALUES (?, ?, ?) "
                "ON CONFLICT(entity, id) DO UPDATE SET version = excluded.version",
                (entity, record_id, self.next_counter(ROW_VERSION)),
            )

    def drop_entity(self, entity: str) -> None:
        """Forget every row of a deleted table, and its deletions."""
        with self.lock, self.transaction():
            self._conn.execute("DELETE FROM records WHERE entity = ?", (entity,))
            self._conn.execute("DELETE FROM deleted WHERE entity = ?", (entity,))

    def drop_column(self, entity: str, column: str) -> None:
        """Remove a deleted column's values from every row of its table."""
        with self.lock:
            self._conn.execute(
                "UPDATE records SET data = json_remove(data, ?) WHERE entity = ?",
                (f'$."{column}"', entity),
            )

    def current_version(self) -> int:
        """The last row version handed out (0 on an empty store)."""
        return int(self.get_meta(ROW_VERSION) or "0")

    def deletions(self, entity: str, *, after: int, upto: int, limit: int) -> list[tuple[str, int]]:
        """(id, version) of rows deleted with a version in (after, upto], oldest first."""
        with self.lock:
            rows = self._conn.execute(
                "SELECT id, version FROM deleted WHERE entity = ? AND version > ? "
                "AND version <= ? ORDER BY version LIMIT ?",
                (entity, after, upto, limit),
            ).fetchall()
        return [(str(r[0]), int(r[1])) for r in rows]

    def select(
        self,
        entity: str,
        *,
        where: str,
        params: list[Any],
        order: str,
        order_params: list[Any],
        limit: int,
        offset: int,
    ) -> list[Row]:
        sql = (
            "SELECT r.id, r.data, r.version FROM records r WHERE r.entity = ? "  # noqa: S608
            f"AND ({where}) ORDER BY {order} LIMIT ? OFFSET ?"
        )
        with self.lock:
            rows = self._conn.execute(
                sql, [entity, *params, *order_params, limit, offset]
            ).fetchall()
        return [Row(r[0], json.loads(r[1]), r[2]) for r in rows]

    def read(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Rows of a read-only query built elsewhere (FetchXML joins), parameters bound."""
        if not sql.lstrip().upper().startswith("SELECT"):
            raise StoreError("only SELECT statements are read")
        with self.lock:
            return [tuple(r) for r in self._conn.execute(sql, params).fetchall()]

    def count(self, entity: str, where: str, params: list[Any]) -> int:
        sql = f"SELECT count(*) FROM records r WHERE r.entity = ? AND ({where})"  # noqa: S608
        with self.lock:
            return int(self._conn.execute(sql, [entity, *params]).fetchone()[0])

    def duplicates(self, entity: str, columns: tuple[str, ...]) -> bool:
        """Whether two rows share the same non-null values for ``columns`` (key index build),
        text compared under the organisation's collation as the unique index would."""
        exprs = ", ".join(f"json_extract(data, ?) COLLATE {COLLATION}" for _ in columns)
        nonnull = " AND ".join("json_extract(data, ?) IS NOT NULL" for _ in columns)
        paths = [f'$."{c}"' for c in columns]
        sql = (
            f"SELECT 1 FROM records WHERE entity = ? AND {nonnull} "  # noqa: S608
            f"GROUP BY {exprs} HAVING count(*) > 1 LIMIT 1"
        )
        with self.lock:
            return self._conn.execute(sql, [entity, *paths, *paths]).fetchone() is not None

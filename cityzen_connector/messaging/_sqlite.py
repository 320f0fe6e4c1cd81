"""The embedded queue: SQLite with Azure Service Bus semantics.

Peek-lock with lock tokens and a lock duration, delivery count and ``max_delivery_count``
(then dead-letter with ``MaxDeliveryCountExceeded``), explicit dead-letter, duplicate detection
by ``message_id`` within a window, scheduled enqueue, time-to-live (dead-lettered on expiry,
lazily at receive time as Service Bus does), FIFO by sequence number, the 256 KB limit at send.
Every operation is one SQLite transaction (``BEGIN IMMEDIATE``), so several consumer processes
can share one file, and a killed consumer's message comes back when its lock expires.
https://learn.microsoft.com/azure/service-bus-messaging/message-transfers-locks-settlement
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._sqlite import immediate
from cityzen_connector.messaging import _limits as limits
from cityzen_connector.messaging import _sqlite_schema as schema
from cityzen_connector.messaging._errors import MessageLockLostError, MessagingError
from cityzen_connector.messaging._port import (
    MessageBus,
    OutgoingMessage,
    QueueStats,
    ReceivedMessage,
    SubQueue,
)

Sleep = Callable[[float], None]

# Service Bus queue names: letters, digits, periods, hyphens, underscores, slashes; 260 max.
# https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,259}$")

_COLUMNS = (
    "seq, queue, sub_queue, message_id, body, content_type, correlation_id, subject, properties,"
    " enqueued_at, delivery_count, lock_token, locked_until, dl_reason, dl_description,"
    " expires_at"
)

# https://www.sqlite.org/lang_upsert.html
_RECORD_ID = (
    "INSERT INTO seen_ids (queue, message_id, seen_at) VALUES (?, ?, ?)"
    " ON CONFLICT (queue, message_id) DO UPDATE SET seen_at = excluded.seen_at"
    " WHERE seen_ids.seen_at <= ?"
)
_SWEEP_EVERY = 64  # sends between two sweeps of expired duplicate-detection ids


def check_queue_name(queue: str) -> None:
    if not _QUEUE_NAME.match(queue):
        raise MessagingError(f"invalid queue name {queue!r}")


class SqliteBus(MessageBus):
    """A ``MessageBus`` in one SQLite file (or in memory with ``path=':memory:'``)."""

    def __init__(
        self,
        path: str,
        *,
        clock: WallClock = utc_now,
        sleep: Sleep = time.sleep,
        lock_duration: timedelta = timedelta(seconds=60),
        max_delivery_count: int = 10,
        duplicate_window: timedelta = timedelta(minutes=10),
        default_time_to_live: timedelta | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        if max_delivery_count < 1:
            raise ValueError("max_delivery_count must be at least 1")
        self._conn = schema.connect(path)
        self._clock = clock
        self._sleep = sleep
        self._lock_duration = lock_duration.total_seconds()
        self._max_delivery = max_delivery_count
        self._dup_window = duplicate_window.total_seconds()
        self._default_ttl = default_time_to_live
        self._poll = poll_interval
        self._mutex = threading.RLock()
        self._sends = 0

    def _now(self) -> float:
        return self._clock().timestamp()

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return immediate(self._conn, self._mutex)

    # -- send ----------------------------------------------------------------------------------
    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        check_queue_name(queue)
        for message in messages:  # all or nothing: check every size before writing any
            limits.check_size(message)
        with self._tx() as conn:
            now = self._now()
            cutoff = now - self._dup_window
            # Ids older than the window count as unseen below whether or not they are still
            # stored, so the table is swept only now and then: fewer statements per send, and
            # a send holds the shared connection (every other sender waits) for less time.
            if self._sends % _SWEEP_EVERY == 0:
                conn.execute("DELETE FROM seen_ids WHERE seen_at <= ?", (cutoff,))
            self._sends += 1
            for message in messages:
                # Recorded and checked in one statement: a fresh id is inserted, an id seen
                # before the window is taken over; one seen within the window changes nothing
                # and the message is dropped silently, as Service Bus does.
                # https://learn.microsoft.com/azure/service-bus-messaging/duplicate-detection
                if conn.execute(_RECORD_ID, (queue, message.message_id, now, cutoff)).rowcount != 1:
                    continue
                visible = now
                if message.scheduled_enqueue_time is not None:
                    visible = max(now, message.scheduled_enqueue_time.timestamp())
                ttl = message.time_to_live or self._default_ttl
                conn.execute(
                    "INSERT INTO messages (queue, message_id, body, content_type, correlation_id,"
                    " subject, properties, enqueued_at, visible_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        queue,
                        message.message_id,
                        message.body,
                        message.content_type,
                        message.correlation_id,
                        message.subject,
                        schema.dump_properties(message.application_properties),
                        visible,
                        visible,
                        visible + ttl.total_seconds() if ttl is not None else None,
                    ),
                )

    # -- receive -------------------------------------------------------------------------------
    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        check_queue_name(queue)
        if max_messages < 1:
            raise ValueError("max_messages must be at least 1")
        # The wait is measured in time slept, not on the clock: a fake clock that the sleep
        # does not move (or a wall clock jumping back) can never make this loop endless.
        budget, waited = max(0.0, max_wait_seconds), 0.0
        while True:
            received = self._receive_once(queue, max_messages, sub_queue)
            if received or waited >= budget:
                return received
            step = min(self._poll, budget - waited)
            self._sleep(step)
            waited += step

    def _receive_once(self, queue: str, limit: int, sub_queue: SubQueue) -> list[ReceivedMessage]:
        out: list[ReceivedMessage] = []
        with self._tx() as conn:
            now = self._now()
            while len(out) < limit:
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND sub_queue = ?"  # noqa: S608
                    " AND visible_at <= ? AND (locked_until IS NULL OR locked_until <= ?)"
                    " ORDER BY seq LIMIT ?",
                    (queue, sub_queue, now, now, limit - len(out)),
                ).fetchall()
                if not rows:
                    break
                for row in rows:
                    seq, count, locked_until, expires_at = row[0], row[10], row[12], row[15]
                    if sub_queue == "main" and expires_at is not None and expires_at <= now:
                        self._to_dead_letter(conn, seq, limits.REASON_TTL_EXPIRED, "expired")
                        continue
                    if (
                        sub_queue == "main"
                        and locked_until is not None
                        and count >= self._max_delivery
                    ):
                        # The last delivery's lock expired unsettled: dead-letter, as Service Bus.
                        self._to_dead_letter(
                            conn, seq, limits.REASON_MAX_DELIVERY, f"delivered {count} times"
                        )
                        continue
                    token = str(uuid.uuid4())
                    until = now + self._lock_duration
                    conn.execute(
                        "UPDATE messages SET delivery_count = delivery_count + 1,"
                        " lock_token = ?, locked_until = ? WHERE seq = ?",
                        (token, until, seq),
                    )
                    out.append(self._row_to_message(row, count + 1, token, until))
        return out

    @staticmethod
    def _to_dead_letter(conn: sqlite3.Connection, seq: int, reason: str, description: str) -> None:
        conn.execute(
            "UPDATE messages SET sub_queue = 'deadletter', dl_reason = ?, dl_description = ?,"
            " lock_token = NULL, locked_until = NULL WHERE seq = ?",
            (reason, description, seq),
        )

    @staticmethod
    def _row_to_message(row: Any, count: int, token: str, until: float | None) -> ReceivedMessage:
        sub: SubQueue = "deadletter" if row[2] == "deadletter" else "main"
        return ReceivedMessage(
            queue=str(row[1]),
            body=bytes(row[4]),
            message_id=str(row[3]),
            sequence_number=int(row[0]),
            delivery_count=count,
            enqueued_time=datetime.fromtimestamp(float(row[9]), UTC),
            lock_token=token,
            locked_until=datetime.fromtimestamp(until, UTC) if until is not None else None,
            content_type=row[5] if isinstance(row[5], str) else None,
            correlation_id=row[6] if isinstance(row[6], str) else None,
            subject=row[7] if isinstance(row[7], str) else None,
            application_properties=schema.load_properties(str(row[8])),
            sub_queue=sub,
            dead_letter_reason=row[13] if isinstance(row[13], str) else None,
            dead_letter_description=row[14] if isinstance(row[14], str) else None,
        )

    # -- settle --------------------------------------------------------------------------------
    def _settle(self, message: ReceivedMessage, sql: str, params: tuple[object, ...]) -> None:
        if not message.lock_token:
            raise MessagingError("a peeked message holds no lock and cannot be settled")
        with self._tx() as conn:
            now = self._now()
            cursor = conn.execute(
                sql + " WHERE seq = ? AND lock_token = ? AND locked_until > ?",
                (*params, message.sequence_number, message.lock_token, now),
            )
            if cursor.rowcount != 1:
                raise MessageLockLostError(f"lock lost on message #{message.sequence_number}")

    def complete(self, message: ReceivedMessage) -> None:
        self._settle(message, "DELETE FROM messages", ())

    def abandon(self, message: ReceivedMessage) -> None:
        if message.sub_queue == "main" and message.delivery_count >= self._max_delivery:
            self.dead_letter(
                message,
                reason=limits.REASON_MAX_DELIVERY,
                description=f"delivered {message.delivery_count} times",
            )
            return
        self._settle(message, "UPDATE messages SET lock_token = NULL, locked_until = NULL", ())

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        if message.sub_queue == "deadletter":
            raise MessagingError("a dead-lettered message cannot be dead-lettered again")
        self._settle(
            message,
            "UPDATE messages SET sub_queue = 'deadletter', dl_reason = ?, dl_description = ?,"
            " lock_token = NULL, locked_until = NULL",
            (reason[:4096], description[:4096]),
        )

    def renew_lock(self, message: ReceivedMessage) -> datetime:
        until = self._now() + self._lock_duration
        self._settle(message, "UPDATE messages SET locked_until = ?", (until,))
        return datetime.fromtimestamp(until, UTC)

    # -- inspect -------------------------------------------------------------------------------
    def peek(
        self,
        queue: str,
        *,
        max_messages: int = 10,
        sub_queue: SubQueue = "main",
        from_sequence_number: int = 0,
    ) -> list[ReceivedMessage]:
        check_queue_name(queue)
        with self._mutex:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND sub_queue = ?"  # noqa: S608
                " AND seq >= ? ORDER BY seq LIMIT ?",
                (queue, sub_queue, from_sequence_number, max(0, max_messages)),
            ).fetchall()
        return [self._row_to_message(row, int(row[10]), "", None) for row in rows]

    def stats(self, queue: str) -> QueueStats:
        check_queue_name(queue)
        now = self._now()
        with self._mutex:
            row = self._conn.execute(
                "SELECT"
                " SUM(sub_queue = 'main' AND visible_at <= ?"
                "     AND (locked_until IS NULL OR locked_until <= ?)),"
                " SUM(sub_queue = 'main' AND visible_at > ?),"
                " SUM(sub_queue = 'main' AND locked_until > ?),"
                " SUM(sub_queue = 'deadletter')"
                " FROM messages WHERE queue = ?",
                (now, now, now, now, queue),
            ).fetchone()
        active, scheduled, locked, dead = (int(v or 0) for v in row)
        return QueueStats(queue, active, scheduled, locked, dead)

    def close(self) -> None:
        with self._mutex:
            self._conn.close()

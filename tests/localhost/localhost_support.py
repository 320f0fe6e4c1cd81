"""A real test double for the local host: an in-memory MessageBus on an injected wall clock."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cityzen_connector._clock import WallClock
from cityzen_connector.messaging import (
    MessageBus,
    OutgoingMessage,
    QueueStats,
    ReceivedMessage,
    SubQueue,
)
from cityzen_connector.testing import FakeClock


class LockLostError(Exception):
    pass


@dataclass
class _Stored:
    message: OutgoingMessage
    sequence_number: int
    enqueued_time: datetime
    delivery_count: int = 0
    lock_token: str = ""
    locked_until: datetime | None = None
    sub_queue: SubQueue = "main"
    reason: str | None = None
    description: str | None = None


class MemoryBus(MessageBus):
    """Service Bus semantics in memory: peek-lock, delivery count, max deliveries → DLQ."""

    def __init__(
        self,
        clock: WallClock | None = None,
        *,
        lock_duration: timedelta = timedelta(seconds=30),
        max_delivery_count: int = 3,
    ) -> None:
        self.clock: WallClock = clock or FakeClock()
        self.lock_duration = lock_duration
        self.max_delivery_count = max_delivery_count
        self._queues: dict[str, list[_Stored]] = {}
        self._seen: set[tuple[str, str]] = set()
        self._sequence = itertools.count(1)
        self._changed = threading.Condition()
        self.completed: list[str] = []
        self.abandoned: list[str] = []
        self.renewed: list[str] = []

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        with self._changed:
            for message in messages:
                if (queue, message.message_id) in self._seen:
                    continue
                self._seen.add((queue, message.message_id))
                self._queues.setdefault(queue, []).append(
                    _Stored(message, next(self._sequence), self.clock())
                )
            self._changed.notify_all()

    def _visible(self, stored: _Stored, now: datetime) -> bool:
        scheduled = stored.message.scheduled_enqueue_time
        if stored.sub_queue != "main" or (scheduled is not None and scheduled > now):
            return False
        return stored.locked_until is None or stored.locked_until <= now

    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        with self._changed:
            self._changed.wait_for(
                lambda: any(self._visible(s, self.clock()) for s in self._queues.get(queue, [])),
                timeout=max_wait_seconds,
            )
            now = self.clock()
            received: list[ReceivedMessage] = []
            for stored in self._queues.get(queue, []):
                if len(received) >= max_messages:
                    break
                if not self._visible(stored, now):
                    continue
                if stored.delivery_count >= self.max_delivery_count:
                    self._dead_letter(stored, "MaxDeliveryCountExceeded", "lock expired")
                    continue
                stored.delivery_count += 1
                stored.lock_token = str(uuid.uuid4())
                stored.locked_until = now + self.lock_duration
                received.append(self._view(queue, stored))
            return received

    def _view(self, queue: str, stored: _Stored) -> ReceivedMessage:
        message = stored.message
        return ReceivedMessage(
            queue=queue,
            body=message.body,
            message_id=message.message_id,
            sequence_number=stored.sequence_number,
            delivery_count=stored.delivery_count,
            enqueued_time=stored.enqueued_time,
            lock_token=stored.lock_token,
            locked_until=stored.locked_until,
            content_type=message.content_type,
            correlation_id=message.correlation_id,
            subject=message.subject,
            application_properties=dict(message.application_properties),
            sub_queue=stored.sub_queue,
            dead_letter_reason=stored.reason,
            dead_letter_description=stored.description,
        )

    def _locked(self, message: ReceivedMessage) -> _Stored:
        for stored in self._queues.get(message.queue, []):
            if stored.lock_token == message.lock_token and stored.sub_queue == "main":
                if stored.locked_until is None or stored.locked_until <= self.clock():
                    break
                return stored
        raise LockLostError(message.message_id)

    def complete(self, message: ReceivedMessage) -> None:
        with self._changed:
            stored = self._locked(message)
            self._queues[message.queue].remove(stored)
            self.completed.append(message.message_id)

    def abandon(self, message: ReceivedMessage) -> None:
        with self._changed:
            stored = self._locked(message)
            self.abandoned.append(message.message_id)
            if stored.delivery_count >= self.max_delivery_count:
                self._dead_letter(stored, "MaxDeliveryCountExceeded", "abandoned")
            else:
                stored.lock_token, stored.locked_until = "", None
            self._changed.notify_all()

    def _dead_letter(self, stored: _Stored, reason: str, description: str) -> None:
        stored.sub_queue, stored.reason, stored.description = "deadletter", reason, description
        stored.lock_token, stored.locked_until = "", None

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        with self._changed:
            self._dead_letter(self._locked(message), reason, description)

    def renew_lock(self, message: ReceivedMessage) -> datetime:
        with self._changed:
            stored = self._locked(message)
            stored.locked_until = self.clock() + self.lock_duration
            self.renewed.append(message.message_id)
            return stored.locked_until

    def peek(
        self, queue: str, *, max_messages: int = 10, sub_queue: SubQueue = "main"
    ) -> list[ReceivedMessage]:
        with self._changed:
            found = [s for s in self._queues.get(queue, []) if s.sub_queue == sub_queue]
            return [replace(self._view(queue, s), lock_token="") for s in found[:max_messages]]

    def stats(self, queue: str) -> QueueStats:
        with self._changed:
            now = self.clock()
            items = self._queues.get(queue, [])
            main = [s for s in items if s.sub_queue == "main"]
            return QueueStats(
                queue=queue,
                active=sum(1 for s in main if self._visible(s, now)),
                scheduled=sum(
                    1
                    for s in main
                    if s.message.scheduled_enqueue_time and s.message.scheduled_enqueue_time > now
                ),
                locked=sum(1 for s in main if s.locked_until and s.locked_until > now),
                dead_letter=sum(1 for s in items if s.sub_queue == "deadletter"),
            )


def message(body: bytes, message_id: str | None = None, **fields: object) -> OutgoingMessage:
    return OutgoingMessage(body=body, message_id=message_id or str(uuid.uuid4()), **fields)  # type: ignore[arg-type]

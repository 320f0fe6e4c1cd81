"""The ``MessageBus`` port: what the connector needs from a queue, whatever the backend.

Semantics are Azure Service Bus's (peek-lock, delivery count, dead-letter sub-queue, duplicate
detection by ``message_id``, scheduled enqueue, time-to-live); the embedded SQLite backend
reproduces them so that local runs and tests behave as Azure does.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

PropertyValue = str | int | float | bool
SubQueue = Literal["main", "deadletter"]


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send. ``scheduled_enqueue_time`` makes it invisible until then."""

    body: bytes
    message_id: str
    content_type: str = "application/json"
    correlation_id: str | None = None
    subject: str | None = None
    application_properties: Mapping[str, PropertyValue] = field(default_factory=dict)
    scheduled_enqueue_time: datetime | None = None
    time_to_live: timedelta | None = None


@dataclass(frozen=True)
class ReceivedMessage:
    """A message received in peek-lock mode (or peeked, then ``lock_token`` is empty)."""

    queue: str
    body: bytes
    message_id: str
    sequence_number: int
    delivery_count: int
    enqueued_time: datetime
    lock_token: str
    locked_until: datetime | None
    content_type: str | None = None
    correlation_id: str | None = None
    subject: str | None = None
    application_properties: Mapping[str, PropertyValue] = field(default_factory=dict)
    sub_queue: SubQueue = "main"
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None


@dataclass(frozen=True)
class QueueStats:
    queue: str
    active: int
    scheduled: int
    locked: int
    dead_letter: int


class MessageBus(abc.ABC):
    """One queue interface, several backends chosen by URL (see ``open_bus``)."""

    @abc.abstractmethod
    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        """Send all messages (one batch where the backend allows); duplicates by id are dropped."""

    @abc.abstractmethod
    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        """Receive and lock up to ``max_messages``, waiting at most ``max_wait_seconds``."""

    @abc.abstractmethod
    def complete(self, message: ReceivedMessage) -> None:
        """Remove a locked message for good."""

    @abc.abstractmethod
    def abandon(self, message: ReceivedMessage) -> None:
        """Release the lock now; the message is redelivered (dead-lettered past max deliveries)."""

    @abc.abstractmethod
    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        """Move a locked message to the dead-letter sub-queue with a reason."""

    @abc.abstractmethod
    def renew_lock(self, message: ReceivedMessage) -> datetime:
        """Extend the lock; returns the new expiry."""

    @abc.abstractmethod
    def peek(
        self,
        queue: str,
        *,
        max_messages: int = 10,
        sub_queue: SubQueue = "main",
        from_sequence_number: int = 0,
    ) -> list[ReceivedMessage]:
        """Read messages without locking them, from a sequence number on (for paging)."""

    @abc.abstractmethod
    def stats(self, queue: str) -> QueueStats:
        """Counts per state, for ``cityzen queue stats`` and the readiness probe."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release connections."""

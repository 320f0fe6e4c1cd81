"""Azure Service Bus backend (azure-servicebus 7.x).

Senders and receivers are created once per queue and reused (the SDK's guidance: links are
expensive). Batches are built with ``create_message_batch`` and split when full. Lock-based
settlement needs the SDK's own message object, so received messages are remembered by lock
token until settled. Entity properties (lock duration, max delivery count, duplicate detection,
TTL) live on the queue itself, set by infra/, not here.
https://learn.microsoft.com/python/api/overview/azure/servicebus-readme
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import (
    MessageLockLostError as SdkLockLostError,
)
from azure.servicebus.exceptions import (
    MessageSizeExceededError,
    ServiceBusError,
)
from azure.servicebus.management import ServiceBusAdministrationClient

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector.messaging._errors import (
    BusUnavailableError,
    MessageLockLostError,
    MessageTooLargeError,
    MessagingError,
)
from cityzen_connector.messaging._limits import MAX_MESSAGE_BYTES, check_size
from cityzen_connector.messaging._port import (
    MessageBus,
    OutgoingMessage,
    PropertyValue,
    QueueStats,
    ReceivedMessage,
    SubQueue,
)

# receive_messages(max_wait_time=None) would block until a message arrives; a poll of 0 s is
# not meaningful over AMQP, so "do not wait" becomes a short wait.
_MIN_WAIT_SECONDS = 1.0
# Unsettled messages are forgotten this long after their lock expired (clock skew margin).
_LOCK_GRACE = timedelta(minutes=5)


@contextmanager
def _translated() -> Iterator[None]:
    """Translate SDK errors once, at the boundary."""
    try:
        yield
    except SdkLockLostError as exc:
        raise MessageLockLostError(str(exc)) from exc
    except MessageSizeExceededError as exc:
        raise MessageTooLargeError(MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES) from exc
    except ServiceBusError as exc:
        error: MessagingError = BusUnavailableError(str(exc))
        error.is_transient = bool(getattr(exc, "retryable", True))
        raise error from exc


def to_sdk_message(message: OutgoingMessage) -> ServiceBusMessage:
    return ServiceBusMessage(
        message.body,
        message_id=message.message_id,
        content_type=message.content_type,
        correlation_id=message.correlation_id,
        subject=message.subject,
        application_properties=dict(message.application_properties),  # type: ignore[arg-type]
        scheduled_enqueue_time_utc=message.scheduled_enqueue_time,
        time_to_live=message.time_to_live,
    )


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def from_sdk_message(
    queue: str, message: ServiceBusReceivedMessage, sub_queue: SubQueue
) -> ReceivedMessage:
    properties: dict[str, PropertyValue] = {}
    for key, value in (message.application_properties or {}).items():
        properties[_text(key) or ""] = (
            value if isinstance(value, str | int | float | bool) else _text(value) or ""
        )
    body = message.body
    raw = body if isinstance(body, bytes) else b"".join(body)
    return ReceivedMessage(
        queue=queue,
        body=raw,
        message_id=_text(message.message_id) or "",
        sequence_number=message.sequence_number or 0,
        delivery_count=message.delivery_count or 0,
        enqueued_time=message.enqueued_time_utc or datetime.now(UTC),
        lock_token=_text(message.lock_token) or "",
        locked_until=message.locked_until_utc,
        content_type=_text(message.content_type),
        correlation_id=_text(message.correlation_id),
        subject=_text(message.subject),
        application_properties=properties,
        sub_queue=sub_queue,
        dead_letter_reason=_text(message.dead_letter_reason),
        dead_letter_description=_text(message.dead_letter_error_description),
    )


class ServiceBusBus(MessageBus):
    """A ``MessageBus`` on an Azure Service Bus namespace. Seams: the SDK clients."""

    def __init__(
        self,
        client: ServiceBusClient,
        admin: ServiceBusAdministrationClient | None = None,
        *,
        clock: WallClock = utc_now,
    ) -> None:
        self._client = client
        self._clock = clock
        self._admin = admin
        self._senders: dict[str, ServiceBusSender] = {}
        self._receivers: dict[tuple[str, SubQueue], ServiceBusReceiver] = {}
        self._pending: dict[str, tuple[ServiceBusReceiver, ServiceBusReceivedMessage]] = {}
        self._mutex = threading.RLock()

    def _sender(self, queue: str) -> ServiceBusSender:
        with self._mutex:
            if queue not in self._senders:
                self._senders[queue] = self._client.get_queue_sender(queue)
            return self._senders[queue]

    def _receiver(self, queue: str, sub_queue: SubQueue) -> ServiceBusReceiver:
        with self._mutex:
            key = (queue, sub_queue)
            if key not in self._receivers:
                self._receivers[key] = self._client.get_queue_receiver(
                    queue,
                    sub_queue=ServiceBusSubQueue.DEAD_LETTER if sub_queue == "deadletter" else None,
                )
            return self._receivers[key]

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        for message in messages:
            check_size(message)
        sender = self._sender(queue)
        with _translated():
            batch = sender.create_message_batch()
            count = 0
            for message in messages:
                sdk_message = to_sdk_message(message)
                try:
                    batch.add_message(sdk_message)
                except MessageSizeExceededError:
                    if count == 0:
                        raise
                    sender.send_messages(batch)  # full: send it and start the next one
                    batch = sender.create_message_batch()
                    batch.add_message(sdk_message)
                    count = 0
                count += 1
            if count:
                sender.send_messages(batch)

    def receive(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        max_wait_seconds: float = 0.0,
        sub_queue: SubQueue = "main",
    ) -> list[ReceivedMessage]:
        receiver = self._receiver(queue, sub_queue)
        with _translated():
            received = receiver.receive_messages(
                max_message_count=max_messages,
                max_wait_time=max(max_wait_seconds, _MIN_WAIT_SECONDS),
            )
        out = []
        with self._mutex:
            self._forget_expired()
            for sdk_message in received:
                message = from_sdk_message(queue, sdk_message, sub_queue)
                self._pending[message.lock_token] = (receiver, sdk_message)
                out.append(message)
        return out

    def _forget_expired(self) -> None:
        """Drop messages whose lock ran out unsettled: they can no longer be settled here."""
        now = self._clock()
        for token, (_, sdk_message) in list(self._pending.items()):
            until = sdk_message.locked_until_utc
            if until is not None and until < now - _LOCK_GRACE:
                del self._pending[token]

    def _settle(
        self,
        message: ReceivedMessage,
        action: Callable[[ServiceBusReceiver, ServiceBusReceivedMessage], Any],
        *,
        keep: bool = False,
    ) -> Any:
        with self._mutex:
            pending = self._pending.get(message.lock_token)
        if pending is None:
            raise MessageLockLostError("message not received by this bus, or already settled")
        with _translated():
            result = action(*pending)
        if not keep:
            with self._mutex:
                self._pending.pop(message.lock_token, None)
        return result

    def complete(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda r, m: r.complete_message(m))

    def abandon(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda r, m: r.abandon_message(m))

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        self._settle(
            message,
            lambda r, m: r.dead_letter_message(m, reason=reason, error_description=description),
        )

    def renew_lock(self, message: ReceivedMessage) -> datetime:
        renewed: datetime = self._settle(message, lambda r, m: r.renew_message_lock(m), keep=True)
        return renewed

    def peek(
        self,
        queue: str,
        *,
        max_messages: int = 10,
        sub_queue: SubQueue = "main",
        from_sequence_number: int = 0,
    ) -> list[ReceivedMessage]:
        with _translated():
            peeked = self._receiver(queue, sub_queue).peek_messages(
                max_message_count=max_messages, sequence_number=from_sequence_number
            )
        return [from_sdk_message(queue, m, sub_queue) for m in peeked]

    def stats(self, queue: str) -> QueueStats:
        if self._admin is None:
            raise MessagingError("queue statistics need the administration client")
        with _translated():
            props = self._admin.get_queue_runtime_properties(queue)
        # Service Bus counts locked messages as active; it does not report them apart.
        return QueueStats(
            queue=queue,
            active=props.active_message_count or 0,
            scheduled=props.scheduled_message_count or 0,
            locked=0,
            dead_letter=props.dead_letter_message_count or 0,
        )

    def close(self) -> None:
        with self._mutex:
            for link in [*self._senders.values(), *self._receivers.values()]:
                link.close()
            self._senders.clear()
            self._receivers.clear()
            self._pending.clear()
        self._client.close()


def open_service_bus(
    url: str,
    *,
    credential: Any = None,
    client: Any = None,
    clock: WallClock = utc_now,
) -> ServiceBusBus:
    """Build the backend from ``servicebus://<fqdn>`` or a connection string."""
    if client is not None:
        return ServiceBusBus(client, clock=clock)
    if url.startswith("servicebus://"):
        namespace = url.removeprefix("servicebus://").strip("/")
        if not namespace:
            raise MessagingError(
                "servicebus:// needs the namespace, e.g. servicebus://x.servicebus.windows.net"
            )
        if credential is None:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415

            credential = DefaultAzureCredential()
        return ServiceBusBus(
            ServiceBusClient(namespace, credential),
            ServiceBusAdministrationClient(namespace, credential),
            clock=clock,
        )
    return ServiceBusBus(
        ServiceBusClient.from_connection_string(url),
        ServiceBusAdministrationClient.from_connection_string(url),
        clock=clock,
    )

"""Service Bus queue triggers, driven from the ``MessageBus`` port.

As the Functions Service Bus extension does with ``autoCompleteMessages`` on: receive in
peek-lock, call the function, complete on success, abandon on an exception (the bus
dead-letters past its max delivery count), at most ``maxConcurrentCalls`` calls at once, the
lock renewed while the function runs, up to ``maxAutoLockRenewalDuration``. Reference:
https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from azure.functions.meta import Datum
from azure.functions.servicebus import ServiceBusMessage

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector.localhost._bindings import FunctionSpec, ServiceBusTriggerBinding
from cityzen_connector.localhost._invoke import Invoker, new_invocation_id
from cityzen_connector.messaging import MessageBus, ReceivedMessage

logger = logging.getLogger("cityzen_connector.localhost.queues")

# azure-servicebus AutoLockRenewer: renew 10 s before expiry; "short" locks at 75 %.
_RENEW_BEFORE = timedelta(seconds=10)
_SHORT_LOCK_OFFSET = timedelta(seconds=0.5)


def to_functions_message(message: ReceivedMessage) -> ServiceBusMessage:
    """The ``azure.functions.ServiceBusMessage`` the worker would build for this message."""
    properties = dict(message.application_properties)
    metadata = {
        "MessageId": Datum(message.message_id, "string"),
        "DeliveryCount": Datum(message.delivery_count, "int"),
        "SequenceNumber": Datum(message.sequence_number, "int"),
        "EnqueuedTimeUtc": Datum(message.enqueued_time.isoformat(), "string"),
        "ContentType": Datum(message.content_type, "string"),
        "CorrelationId": Datum(message.correlation_id, "string"),
    }
    return ServiceBusMessage(
        body=message.body,
        trigger_metadata=metadata,
        application_properties=properties,
        user_properties=dict(properties),
        content_type=message.content_type,
        correlation_id=message.correlation_id,
        delivery_count=message.delivery_count,
        enqueued_sequence_number=message.sequence_number,
        sequence_number=message.sequence_number,
        enqueued_time_utc=message.enqueued_time,
        locked_until=message.locked_until,
        lock_token=message.lock_token,
        message_id=message.message_id,
        subject=message.subject,
        label=message.subject,
        dead_letter_reason=message.dead_letter_reason,
        dead_letter_error_description=message.dead_letter_description,
    )


@dataclass(frozen=True)
class _InFlight:
    message: ReceivedMessage
    started: datetime
    locked_at: datetime


class QueueListener:
    """Feeds one queue-triggered function from the bus.

    Lock expiry is a wall-clock time (``clock``, as the bus stamps ``locked_until``); the pauses
    between polls and lock checks go through ``monotonic``.
    """

    def __init__(
        self,
        bus: MessageBus,
        spec: FunctionSpec,
        invoker: Invoker,
        *,
        clock: WallClock = utc_now,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
        max_concurrent_calls: int,
        poll_interval_seconds: float,
        max_lock_renewal: timedelta = timedelta(minutes=5),
    ) -> None:
        if not isinstance(spec.trigger, ServiceBusTriggerBinding):
            raise TypeError(f"{spec.name} is not a Service Bus queue function")
        self.queue = spec.trigger.queue_name
        self._binding = spec.trigger
        self._bus = bus
        self._spec = spec
        self._invoker = invoker
        self._clock = clock
        self._monotonic = monotonic
        self._poll_interval = poll_interval_seconds
        self._max_lock_renewal = max_lock_renewal
        self._slots = threading.BoundedSemaphore(max_concurrent_calls)
        self._max_concurrent_calls = max_concurrent_calls
        self._stop = threading.Event()
        self._in_flight: dict[str, _InFlight] = {}
        self._in_flight_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []

    # -- one step at a time (what the threads loop over; tests may call these directly) ------

    def process(self, message: ReceivedMessage) -> bool:
        """Call the function with one locked message and settle it; True when completed."""
        invocation_id = new_invocation_id()
        started = self._clock()
        with self._in_flight_lock:
            self._in_flight[message.lock_token] = _InFlight(message, started, started)
        try:
            self._invoker.invoke(
                self._spec, {self._binding.arg_name: to_functions_message(message)}, invocation_id
            )
        except Exception:
            # Logged with ids only: message bodies hold personal data.
            logger.exception(
                "function %s failed on message %s (delivery %d, invocation %s); abandoning",
                self._spec.name,
                message.message_id,
                message.delivery_count,
                invocation_id,
            )
            self._settle(message, complete=False)
            return False
        finally:
            with self._in_flight_lock:
                self._in_flight.pop(message.lock_token, None)
        return self._settle(message, complete=True)

    def poll_once(self, max_wait_seconds: float = 0.0) -> int:
        """Receive what free slots allow and process it in the pool (or inline, unstarted)."""
        free = 0
        while free < self._max_concurrent_calls and self._slots.acquire(blocking=False):
            free += 1
        if free == 0:
            return 0
        try:
            messages = self._bus.receive(
                self.queue, max_messages=free, max_wait_seconds=max_wait_seconds
            )
        except Exception:
            logger.exception("receiving from queue %s failed", self.queue)
            messages = []
        for _ in range(free - len(messages)):
            self._slots.release()
        for message in messages:
            if self._pool is None:
                self._run_in_slot(message)
            else:
                self._pool.submit(self._run_in_slot, message)
        return len(messages)

    def renew_due_locks(self) -> int:
        """Renew the locks of running messages that are close to expiring; returns how many.

        As azure-servicebus's AutoLockRenewer: renew once 10 s or less remain (75 % of the lock
        for locks that short), until ``maxAutoLockRenewalDuration`` has passed.
        """
        now = self._clock()
        renewed = 0
        with self._in_flight_lock:
            entries = list(self._in_flight.items())
        for token, entry in entries:
            message = entry.message
            if message.locked_until is None or now - entry.started >= self._max_lock_renewal:
                continue
            span = message.locked_until - entry.locked_at
            margin = _RENEW_BEFORE if span > _RENEW_BEFORE + _SHORT_LOCK_OFFSET else span * 0.75
            margin = max(margin, timedelta(seconds=self._poll_interval * 1.5))
            if message.locked_until - now > margin:
                continue
            try:
                until = self._bus.renew_lock(message)
            except Exception:  # noqa: BLE001 - any bus failure: the lock may lapse
                logger.warning("lock renewal failed for message %s", message.message_id)
                continue
            with self._in_flight_lock:
                if token in self._in_flight:
                    self._in_flight[token] = _InFlight(
                        replace(message, locked_until=until), entry.started, now
                    )
            renewed += 1
        return renewed

    # -- threads ---------------------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._pool = ThreadPoolExecutor(
            max_workers=self._max_concurrent_calls, thread_name_prefix=f"cityzen-q-{self.queue}"
        )
        # Daemon threads: stop() joins them; a host never stopped cannot block the exit.
        self._threads = [
            threading.Thread(
                target=self._poll_loop, name=f"cityzen-poll-{self.queue}", daemon=True
            ),
            threading.Thread(
                target=self._renew_loop, name=f"cityzen-renew-{self.queue}", daemon=True
            ),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop receiving, then wait for every in-flight message to be settled."""
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            if self.poll_once(max_wait_seconds=self._poll_interval) == 0:
                self._monotonic.wait(self._stop, self._poll_interval)

    def _renew_loop(self) -> None:
        while not self._monotonic.wait(self._stop, self._poll_interval):
            self.renew_due_locks()

    def _run_in_slot(self, message: ReceivedMessage) -> None:
        try:
            self.process(message)
        finally:
            self._slots.release()

    def _settle(self, message: ReceivedMessage, *, complete: bool) -> bool:
        try:
            if complete:
                self._bus.complete(message)
            else:
                self._bus.abandon(message)
        except Exception:  # noqa: BLE001 - whatever the backend raises, it redelivers
            # The lock was lost: the bus redelivers the message, as Service Bus would.
            logger.warning("settling message %s failed; it will be redelivered", message.message_id)
            return False
        return complete

"""Back-off across deliveries, and rejection: what the submission worker decides.

Service Bus redelivers an abandoned message at once, so ten quick failures during a Dataverse
outage would dead-letter it. Instead a worker that meets a transient failure calls
``retry_later``: a scheduled copy is sent (new ``message_id``, attempt count raised) and the
original is completed. A permanent failure calls ``reject``. Both only *send*; the original is
completed by the caller (an Azure Functions Service Bus trigger completes by returning: it
cannot dead-letter explicitly without a preview binding).
https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus-trigger
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from cityzen_connector.messaging import (
    MAX_MESSAGE_ID,
    PROP_ATTEMPT,
    PROP_FIRST_ENQUEUED,
    PROP_ORIGIN_ID,
    MessageBus,
    ReceivedMessage,
    attempt_of,
    copy_of,
    first_enqueued,
    origin_id,
)
from cityzen_connector.store import SubmissionStatuses

PROP_LAST_ERROR = "cityzen-last-error"
PROP_REJECTED_REASON = "cityzen-rejected-reason"
PROP_REJECTED_AT = "cityzen-rejected-at"
REJECTED_SUFFIX = "-rejected"
_MAX_ERROR = 256


def rejected_queue(queue: str) -> str:
    return f"{queue}{REJECTED_SUFFIX}"


@dataclass(frozen=True)
class DeliveryPolicy:
    """Back-off across deliveries (the queue re-schedules the message), not the Dataverse
    client's HTTP retry policy: ``initial_delay`` doubling up to ``max_delay``, within
    ``horizon`` from the first enqueue."""

    initial_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(minutes=15)
    horizon: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.initial_delay <= self.max_delay:
            raise ValueError("0 < initial_delay <= max_delay is required")
        if self.horizon <= timedelta(0):
            raise ValueError("horizon must be positive")

    def delay(self, failures: int) -> timedelta:
        """Wait after the ``failures``-th failure (1 → ``initial_delay``)."""
        exponent = min(max(failures, 1) - 1, 32)  # capped: 2**32 × 30 s is far past any max
        delay: timedelta = self.initial_delay * (2**exponent)
        return min(delay, self.max_delay)


@dataclass(frozen=True)
class Settlement:
    """What happened; in every case the original message must now be completed."""

    action: Literal["retry_scheduled", "rejected"]
    attempt: int
    reason: str
    retry_at: datetime | None = None
    copy_message_id: str | None = None


def retry_later(
    bus: MessageBus,
    queue: str,
    message: ReceivedMessage,
    *,
    error: str,
    policy: DeliveryPolicy,
    now: datetime,
    store: SubmissionStatuses | None = None,
) -> Settlement:
    """Schedule the next attempt, or reject once the horizon would be passed.

    ``error`` is a short code or exception class name, never a message quoting personal data.
    The copy's id is derived from the first message's id and the attempt number, so a worker
    that crashes after sending it and retries the same delivery sends a duplicate that Service
    Bus' duplicate detection drops.
    """
    failures = attempt_of(message)
    retry_at = now + policy.delay(failures)
    start = first_enqueued(message)
    if retry_at - start > policy.horizon:
        hours = policy.horizon.total_seconds() / 3600
        reason = f"gave up after {failures} attempts over {hours:g} h: {error}"[:_MAX_ERROR]
        return reject(bus, store, queue, message, reason=reason, now=now)
    base = origin_id(message)
    copy_id = f"{base[: MAX_MESSAGE_ID - 8]}~r{failures + 1}"
    bus.send(
        queue,
        [
            copy_of(
                message,
                message_id=copy_id,
                properties={
                    PROP_ATTEMPT: failures + 1,
                    PROP_FIRST_ENQUEUED: start.astimezone(UTC).isoformat(),
                    PROP_ORIGIN_ID: base,
                    PROP_LAST_ERROR: error[:_MAX_ERROR],
                },
                scheduled_enqueue_time=retry_at,
            )
        ],
    )
    return Settlement("retry_scheduled", failures + 1, error[:_MAX_ERROR], retry_at, copy_id)


def submission_id(message: ReceivedMessage) -> str:
    """The status record's key: the correlation id (the id the portal got), else message id."""
    return message.correlation_id or origin_id(message)


def reject(
    bus: MessageBus,
    store: SubmissionStatuses | None,
    queue: str,
    message: ReceivedMessage,
    *,
    reason: str,
    now: datetime | None = None,
) -> Settlement:
    """Record ``failed`` with ``reason`` and copy the message to ``<queue>-rejected``.

    The copy keeps the message id, so a second rejection of the same message (after a crash
    before completion) is dropped by duplicate detection. The caller then completes the original.
    """
    reason = reason[:_MAX_ERROR]
    if store is not None:
        store.mark_failed(submission_id(message), reason=reason)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    bus.send(
        rejected_queue(queue),
        [
            copy_of(
                message,
                message_id=message.message_id,
                properties={PROP_REJECTED_REASON: reason, PROP_REJECTED_AT: moment.isoformat()},
            )
        ],
    )
    return Settlement("rejected", attempt_of(message), reason)

"""Drive a handler the way the Azure Functions Service Bus trigger does.

With ``autoCompleteMessages`` (our host.json), the runtime completes a message when the function
returns and abandons it when the function raises; it cannot dead-letter explicitly. The local
host and tests use ``deliver`` so that they settle exactly as Azure does.
https://learn.microsoft.com/azure/azure-functions/functions-bindings-service-bus#hostjson-settings
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from cityzen_connector.messaging._errors import MessageLockLostError
from cityzen_connector.messaging._port import MessageBus, ReceivedMessage

_log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    completed: int = 0
    abandoned: int = 0
    lock_lost: int = 0


def deliver(
    bus: MessageBus,
    queue: str,
    handler: Callable[[ReceivedMessage], object],
    *,
    max_messages: int = 1,
    max_wait_seconds: float = 0.0,
) -> DeliveryReport:
    """Receive up to ``max_messages`` and run ``handler`` on each: return → complete, raise →
    abandon (then Service Bus counts a delivery and dead-letters past the maximum)."""
    report = DeliveryReport()
    for message in bus.receive(queue, max_messages=max_messages, max_wait_seconds=max_wait_seconds):
        try:
            handler(message)
        except Exception as exc:  # noqa: BLE001 - any failure of a function means abandon
            # The type only: exception texts may quote personal data.
            _log.warning(
                "message %s #%d on %s failed (%s): abandoned",
                message.message_id,
                message.sequence_number,
                queue,
                type(exc).__name__,
            )
            settle: Callable[[ReceivedMessage], None] = bus.abandon
            completed = False
        else:
            settle, completed = bus.complete, True
        try:
            settle(message)
        except MessageLockLostError:
            # The lock ran out while the handler worked: the message comes back, and the
            # writes being idempotent, its second run changes nothing.
            report.lock_lost += 1
            continue
        if completed:
            report.completed += 1
        else:
            report.abandoned += 1
    return report

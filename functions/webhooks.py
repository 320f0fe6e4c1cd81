"""The Service Bus queue trigger on the webhook outbox: a thin adapter over ``cases``.

As the submissions trigger (``queue_workers.py``): the runtime's message becomes our
``ReceivedMessage``, ``app.deliver_webhook`` signs it and POSTs it to each endpoint and sends
what settling needs (a scheduled retry copy per failing endpoint, a dead letter); returning
completes the message (``autoCompleteMessages``), raising (the bus unreachable) abandons it and
Service Bus redelivers it. Locally, the local host feeds this trigger from the embedded queue.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import azure.functions as func

from cityzen_connector import app as cityzen

from .queue_workers import CONNECTION, queue_trigger

if TYPE_CHECKING:
    from cityzen_connector.app import Container
    from cityzen_connector.messaging import ReceivedMessage

logger = logging.getLogger("functions.webhooks")

FUNCTION_NAME = "deliver_webhook"

__all__ = ["FUNCTION_NAME", "blueprint", "process"]


def process(message: ReceivedMessage, container: Container) -> str:
    """Deliver one outbox message; returns what was decided once it may be completed."""
    result = cityzen.deliver_webhook(container, message)
    # Ids and decisions only: no URL, no header, no body.
    logger.info("webhook message %s: %s", message.message_id, result.action)
    return result.action


def blueprint(
    queue: str, *, container: Callable[[], Container] = cityzen.current
) -> func.Blueprint:
    """The Blueprint with the outbox queue trigger on ``queue``."""
    return queue_trigger(FUNCTION_NAME, queue, CONNECTION, process, container)

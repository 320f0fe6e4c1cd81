"""The Service Bus queue trigger on the case-events queue: a thin adapter over ``cases``.

Dataverse's service endpoint (contract Queue, message format JSON) posts each registered case
change there. The trigger turns the ``func.ServiceBusMessage`` into our ``ReceivedMessage`` (as
the submissions trigger does, ``queue_workers.to_received_message``) and calls the case-events
worker (``app.process_case_event``). Returning completes the message (``autoCompleteMessages``);
raising — the store or the bus unreachable — abandons it and Service Bus redelivers it. A message
the worker cannot read is parked on ``<queue>-rejected`` with its reason, then completed.

``connection="CaseEventsConnection"``: ``CaseEventsConnection__fullyQualifiedNamespace`` in
Azure (the case-events namespace, identity-based). Locally, the local host feeds this trigger
from the embedded queue as it feeds the submissions one, so ``make run`` follows the case
changes the emulator posts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import azure.functions as func

from cityzen_connector import app as cityzen

from .queue_workers import queue_trigger

if TYPE_CHECKING:
    from cityzen_connector.app import Container
    from cityzen_connector.messaging import ReceivedMessage

logger = logging.getLogger("functions.case_events")

FUNCTION_NAME = "process_case_event"
# Its own app setting prefix: in Azure the queue lives in a namespace of its own, the one place
# Dataverse may send with a key (infra/main.bicep); the trigger receives with the identity.
CONNECTION = "CaseEventsConnection"

__all__ = ["CONNECTION", "FUNCTION_NAME", "blueprint", "process"]


def process(message: ReceivedMessage, container: Container) -> str:
    """Run the case-events worker on one message; returns what was decided (the worker logs
    ids and reasons, never the body)."""
    return cityzen.process_case_event(container, message).action


def blueprint(
    queue: str, *, container: Callable[[], Container] = cityzen.current
) -> func.Blueprint:
    """The Blueprint with the case-events queue trigger on ``queue``."""
    return queue_trigger(FUNCTION_NAME, queue, CONNECTION, process, container)

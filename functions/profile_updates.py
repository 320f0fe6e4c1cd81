"""The Service Bus queue trigger on the profile-updates queue: a thin adapter over ``citizens``.

``PATCH /api/v1/citizens/me`` queues each citizen's contact change (``cityzen.profile-update/v1``
on the submissions' namespace, ``ServiceBusConnection``); this trigger applies it to the
Dataverse contact (``app.process_profile_update``). Returning completes the message (the worker
scheduled a retry copy or parked a refused one itself); raising — the store or the bus
unreachable — abandons it and Service Bus redelivers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import azure.functions as func

from cityzen_connector import app as cityzen

from .queue_workers import CONNECTION, queue_trigger

if TYPE_CHECKING:
    from cityzen_connector.app import Container
    from cityzen_connector.messaging import ReceivedMessage

FUNCTION_NAME = "process_profile_update"

__all__ = ["FUNCTION_NAME", "blueprint", "process"]


def process(message: ReceivedMessage, container: Container) -> str:
    """Run the profile-updates worker on one message; it logs ids and field names only."""
    return cityzen.process_profile_update(container, message).action


def blueprint(
    queue: str, *, container: Callable[[], Container] = cityzen.current
) -> func.Blueprint:
    """The Blueprint with the profile-updates queue trigger on ``queue``."""
    return queue_trigger(FUNCTION_NAME, queue, CONNECTION, process, container)

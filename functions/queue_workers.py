"""The Service Bus queue trigger on the submissions queue: a thin adapter over the pipeline.

The trigger turns the ``func.ServiceBusMessage`` into our ``ReceivedMessage`` and calls the
pipeline's worker (``app.process_submission``), which decides and sends what the outcome needs
(a scheduled retry copy, a rejection, a postponement). Settlement is the runtime's, with
``autoCompleteMessages`` (host.json): returning completes the message, raising abandons it, and
Service Bus dead-letters it past the queue's max delivery count ("Azure Service Bus trigger for
Azure Functions", Microsoft Learn). The Python trigger cannot dead-letter by itself, hence the
pipeline's ``reject`` to ``<queue>-rejected``.

``connection="ServiceBusConnection"`` names an app setting prefix: in Azure,
``ServiceBusConnection__fullyQualifiedNamespace`` (identity-based, the Function App's managed
identity with the Azure Service Bus Data Receiver role); a connection string also works
("Identity-based connections", Microsoft Learn). Locally, the local host feeds this trigger from
the embedded queue and ignores the connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import azure.functions as func

from cityzen_connector import app as cityzen

from ._errors import TriggerMessageError

if TYPE_CHECKING:
    from cityzen_connector.app import Container
    from cityzen_connector.messaging import PropertyValue, ReceivedMessage

logger = logging.getLogger("functions.queue_workers")

CONNECTION = "ServiceBusConnection"
FUNCTION_NAME = "process_submission"

__all__ = [
    "CONNECTION",
    "FUNCTION_NAME",
    "TriggerMessageError",
    "blueprint",
    "process",
    "queue_trigger",
    "to_received_message",
]


def _utc(value: object) -> datetime | None:
    """Trigger metadata times arrive as datetimes (sometimes naive, always UTC) or ISO text."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _properties(raw: Mapping[str, Any] | None) -> dict[str, PropertyValue]:
    """Application properties as our port types them; other values (dates, GUIDs) as text."""
    out: dict[str, PropertyValue] = {}
    for key, value in (raw or {}).items():
        if value is None:
            continue
        out[str(key)] = value if isinstance(value, str | int | float | bool) else str(value)
    return out


def to_received_message(
    msg: func.ServiceBusMessage, queue: str, *, now: Callable[[], datetime]
) -> ReceivedMessage:
    """Our ``ReceivedMessage`` for the message the Functions runtime delivered."""
    from cityzen_connector.messaging import ReceivedMessage  # noqa: PLC0415 - cold start

    message_id = msg.message_id
    if not isinstance(message_id, str) or not message_id:
        raise TriggerMessageError("the message has no message id")
    props = getattr(msg, "application_properties", None) or getattr(msg, "user_properties", None)
    enqueued = _utc(msg.enqueued_time_utc) or now()
    return ReceivedMessage(
        queue=queue,
        body=msg.get_body() or b"",
        message_id=message_id,
        sequence_number=int(msg.sequence_number or 0),
        delivery_count=max(1, int(msg.delivery_count or 1)),
        enqueued_time=enqueued,
        lock_token=str(msg.lock_token or ""),
        locked_until=_utc(msg.locked_until),
        content_type=msg.content_type or None,
        correlation_id=msg.correlation_id or None,
        subject=getattr(msg, "subject", None) or getattr(msg, "label", None) or None,
        application_properties=_properties(props),
        dead_letter_reason=getattr(msg, "dead_letter_reason", None),
        dead_letter_description=getattr(msg, "dead_letter_error_description", None),
    )


def process(message: ReceivedMessage, container: Container) -> str:
    """Run the pipeline on one message; returns what was decided once the message may be
    completed, raises (bus or store unreachable) when it must be abandoned and redelivered."""
    action = cityzen.process_submission(container, message).action
    # Ids and decisions only: the body holds personal data.
    logger.info("message %s (delivery %d): %s", message.message_id, message.delivery_count, action)
    return action


def queue_trigger(
    name: str,
    queue: str,
    connection: str,
    process: Callable[[ReceivedMessage, Container], object],
    container: Callable[[], Container],
) -> func.Blueprint:
    """A Blueprint with one Service Bus queue trigger ``name`` on ``queue``: the runtime's
    message as our ``ReceivedMessage``, then ``process``. Returning completes the message
    (``autoCompleteMessages``); raising abandons it, and Service Bus redelivers it. Every queue
    trigger of the app is this one adapter, so they settle alike."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions has no annotation here

    @bp.function_name(name=name)
    @bp.service_bus_queue_trigger(arg_name="msg", queue_name=queue, connection=connection)
    def trigger(msg: func.ServiceBusMessage) -> None:
        deps = container()
        process(to_received_message(msg, queue, now=deps.clock), deps)

    return bp


def blueprint(
    queue: str, *, container: Callable[[], Container] = cityzen.current
) -> func.Blueprint:
    """The Blueprint with the submissions queue trigger on ``queue``."""
    return queue_trigger(FUNCTION_NAME, queue, CONNECTION, process, container)

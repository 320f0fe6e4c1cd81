"""The local Service Bus of the emulator's service endpoints: what a registered step posts goes
onto the embedded queue the endpoint names (its ``path``), as Dataverse posts to the queue of
the endpoint's namespace. ``cityzen run`` registers the endpoint on the case-events queue
(``register-events``), so the connector's case-events trigger reads what an agent does.

The message keeps what the brokered message carries ("Write a listener application for an
Azure solution"): its id, content type and properties. The emulator imports no queue; this is
the seam it is given (``create_app(…, sink=…)``).
"""

from __future__ import annotations

from cityzen_connector import app
from cityzen_connector.emulator import ServiceBusMessage
from cityzen_connector.messaging import MessageBus, OutgoingMessage
from cityzen_connector.settings import Settings

from ._errors import _StartError

__all__ = ["QueueSink", "register_case_events"]


class QueueSink:
    """An ``EventSink`` sending each post onto ``bus``. A failure raises: the emulator counts
    the system job as failed and logs it; the agent's write stands."""

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus

    def __call__(self, message: ServiceBusMessage) -> None:
        outgoing = OutgoingMessage(
            body=message.body,
            message_id=message.message_id,
            content_type=message.content_type,
            application_properties=dict(message.properties),
        )
        self._bus.send(message.queue, [outgoing])


def register_case_events(settings: Settings) -> str:
    """Register the case-events service endpoint in the emulator ``cityzen run`` started, with
    the code of ``cityzen dataverse register-events``: the loop agent → queue → connector works
    without a manual step, and a restart on the same data registers nothing new. The line to
    print; ``_StartError`` when it cannot."""
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415
    from cityzen_connector.mapping import MappingError  # noqa: PLC0415
    from cityzen_connector.sync import ProvisionError, register_events  # noqa: PLC0415

    deps = app.Container(settings)
    try:
        column = deps.case_schema.submission_column
        registration = app.event_registration(
            settings, submission_column=column, profile=deps.mappings.profile
        )
        lines = register_events(deps.api_client, registration)
    except (DataverseError, ProvisionError, MappingError, app.ConfigurationError) as exc:
        raise _StartError(f"case events: {type(exc).__name__}: {exc}", code=1) from exc
    finally:
        deps.close()
    made = sum(1 for line in lines if line.outcome != "unchanged")
    return (
        f"Case events: the emulator posts each change of a case and each message to the queue"
        f" {registration.queue} ({made} registration(s) made, {len(lines) - made} unchanged)"
    )

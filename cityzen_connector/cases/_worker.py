"""The case-events queue worker's one function: read, decide, record, settle.

``handle_case_event(message, ports)`` is what the Service Bus trigger calls. Every result means
"now complete the message"; an exception (the store or the bus unreachable) abandons it, and
Service Bus redelivers it.

- a message that is not a readable ``RemoteExecutionContext`` in JSON (another message format,
  not JSON, a value of the wrong type, too large) is parked on ``<queue>-rejected`` with its
  reason, as a bad submission is (the Python trigger cannot dead-letter by itself);
- a message about another table, another message, or an update that does not touch the
  status or the owner is completed and counted (``ignored``);
- a message Dataverse trimmed because it passed 192 KB (no Target, no image: "Azure
  integration", ``MessageMaxSizeExceeded``) says only which case changed: the case is read
  from Dataverse at once (``read_case``) and recorded as change tracking would record it, so
  the citizen does not wait for the reconciliation timer; Dataverse unreachable raises, and
  the message is delivered again;
- a case change is recorded (``CaseHistory.apply``): ``current``, ``history``, ``same`` or
  ``duplicate``;
- a Create of the conversation table (when ``threads`` is given) is an agent's message: kept in
  the request's thread and told to the portal only when it is for the citizen
  (``cases/_thread.py``; ``recorded`` reason ``message``, or ``duplicate``), else ``ignored``
  (``not_for_citizen``, ``not_on_a_case``).

Logs carry the message id, the case id, decisions and reasons: never the body.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from cityzen_connector.messaging import (
    MessageBus,
    MessageTooLargeError,
    OutgoingMessage,
    ReceivedMessage,
    copy_of,
)

from ._errors import InvalidCaseEvent
from ._events import CaseChange, Ignored, change_of
from ._history import CaseHistory
from ._record import CaseRecord
from ._schema import CaseSchema
from ._thread import CaseThreads, message_of
from ._wire import RemoteContext, parse_context

__all__ = [
    "PROP_REJECTED_AT",
    "PROP_REJECTED_REASON",
    "CaseEventPorts",
    "CaseEventResult",
    "handle_case_event",
    "rejected_queue",
]

_LOG = logging.getLogger("cityzen_connector.cases.worker")
# The same names the submission pipeline parks its rejected messages with, so one runbook and
# ``cityzen queue`` read both.
PROP_REJECTED_REASON = "cityzen-rejected-reason"
PROP_REJECTED_AT = "cityzen-rejected-at"
PROP_BODY_DROPPED = "cityzen-body-dropped-bytes"
_JSON = "application/json"
Action = Literal["recorded", "duplicate", "ignored", "rejected"]


def rejected_queue(queue: str) -> str:
    return f"{queue}-rejected"


@dataclass(frozen=True)
class CaseEventPorts:
    bus: MessageBus
    queue: str
    history: CaseHistory
    schema: CaseSchema
    clock: Callable[[], datetime]
    logger: logging.Logger = _LOG
    # The case as it is now, ``None`` when it is gone (``Reconciler.read_case``): what a
    # trimmed message is read with. Without it, such a message waits for the reconciliation.
    read_case: Callable[[uuid.UUID], CaseChange | None] | None = None
    # The conversation: agents' messages (``None``: the conversation table's events are
    # another table's, ignored).
    threads: CaseThreads | None = None
    # Other tables' events on the same queue, by table (the contact's: an agent changed a
    # citizen's record, ``cityzen_connector.citizens``). A handler raises ``InvalidCaseEvent``
    # to park a message it cannot read.
    tables: Mapping[str, Callable[[RemoteContext], CaseEventResult]] = field(default_factory=dict)
    # Decisions since start, by action and reason (``ignored:other_table``…): what ops graph.
    counts: Counter[str] = field(default_factory=Counter)
    # Told of every case recorded, a duplicate delivery included (so a step it started and a
    # crash cut short runs again): the data-protection rights' erasure (``rgpd.Eraser``).
    on_recorded: Callable[[CaseRecord], object] | None = None


@dataclass(frozen=True)
class CaseEventResult:
    """What was decided; the message must now be completed in every case."""

    action: Action
    reason: str = ""
    case_id: str | None = None


def handle_case_event(message: ReceivedMessage, ports: CaseEventPorts) -> CaseEventResult:
    result = _decide(message, ports)
    ports.counts[f"{result.action}:{result.reason}" if result.reason else result.action] += 1
    ports.logger.info(
        "case event %s (delivery %d): %s%s%s",
        message.message_id,
        message.delivery_count,
        result.action,
        f" ({result.reason})" if result.reason else "",
        f" case {result.case_id}" if result.case_id else "",
    )
    return result


def _decide(message: ReceivedMessage, ports: CaseEventPorts) -> CaseEventResult:
    content_type = (message.content_type or _JSON).split(";")[0].strip().lower()
    try:
        if content_type != _JSON:
            # .NET binary (application/msbin1) and XML are the endpoint's other formats.
            raise InvalidCaseEvent(
                "unsupported_format", "the service endpoint must post JSON (MessageFormat 2)"
            )
        context = parse_context(message.body)
        if ports.threads is not None and context.primary_entity_name == ports.threads.table.table:
            return _message(context, ports.threads)
        handler = ports.tables.get(context.primary_entity_name)
        if handler is not None:
            return handler(context)
        change = change_of(context, ports.schema)
        if change == Ignored("no_case_data") and ports.read_case is not None:
            change = ports.read_case(context.primary_entity_id) or Ignored("case_gone")
    except InvalidCaseEvent as exc:
        _reject(message, ports, str(exc))
        return CaseEventResult("rejected", exc.reason)
    if isinstance(change, Ignored):
        return CaseEventResult("ignored", change.reason)
    applied = ports.history.apply(change)
    if ports.on_recorded is not None:
        ports.on_recorded(applied.record)
    if applied.placement == "duplicate":
        return CaseEventResult("duplicate", case_id=str(change.case_id))
    return CaseEventResult("recorded", applied.placement, str(change.case_id))


def _message(context: RemoteContext, threads: CaseThreads) -> CaseEventResult:
    said = message_of(context, threads.table)
    if isinstance(said, Ignored):
        return CaseEventResult("ignored", said.reason)
    if said.direction == "from_citizen":
        recorded = threads.confirm_citizen(said)
        reason = "citizen_message"
    else:
        recorded = threads.record(said)
        reason = "message"
    if recorded.placement == "duplicate":
        return CaseEventResult("duplicate", case_id=str(said.case_id))
    return CaseEventResult("recorded", reason, str(said.case_id))


def _reject(message: ReceivedMessage, ports: CaseEventPorts, reason: str) -> None:
    """Park a copy with its reason; the copy keeps the message id, so parking the same
    message twice (a crash before completion) is one copy (duplicate detection)."""
    now = ports.clock().astimezone(UTC).isoformat()
    properties: dict[str, str | int | float | bool] = {
        PROP_REJECTED_REASON: reason[:256],
        PROP_REJECTED_AT: now,
    }
    copy = copy_of(message, message_id=message.message_id, properties=properties)
    try:
        ports.bus.send(rejected_queue(ports.queue), [copy])
    except MessageTooLargeError:
        # Too large to park whole: park the facts, and say how many bytes were dropped.
        bare = OutgoingMessage(
            body=b"",
            message_id=copy.message_id,
            content_type=copy.content_type,
            correlation_id=copy.correlation_id,
            application_properties={**properties, PROP_BODY_DROPPED: len(message.body)},
        )
        ports.bus.send(rejected_queue(ports.queue), [bare])

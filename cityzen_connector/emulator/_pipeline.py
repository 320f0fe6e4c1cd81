"""The event pipeline's asynchronous service: each write that a registered step matches becomes
one system job posting one message to the step's service endpoint, after the commit.

"Azure integration" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/azure-integration): a step on a
service endpoint "notifies the asynchronous service … to post the current request data
context"; "Each post is performed by a system job"; when the post fails "the asynchronous
service will continue to try to post the message", the job shown in System Jobs. Here:

- the context is built when the operation happens (its images are the row as that operation
  left it) and handed to the sink once the transaction commits; a rolled-back write posts
  nothing, and nothing is posted inside the request's transaction;
- the sink is injected (``create_app(…, sink=…)``): the emulator imports no queue. A sink that
  raises fails its system job only: the write stands, the failure is logged (the job id and the
  error's type, never the body) and counted in ``EventPipeline.stats``; there is no retry and
  no system job table (docs/emulator.md: the change-tracking safety net covers a lost post);
- "Write a listener application for an Azure solution", "Filter messages" and "Read the data
  context in multiple data formats": the brokered message carries the organisation, calling
  user, initiating user, table and request name as properties
  (``http://schemas.microsoft.com/xrm/2011/Claims/…``, the names the SDK's ``ClaimTypes`` and
  Learn's queue listener sample read), and the content type ``application/json``;
- "When the size of the entire HTTP payload exceeds 192Kb", ``ParentContext``,
  ``InputParameters``, ``PreEntityImages`` and ``PostEntityImages`` are removed and the
  ``MessageMaxSizeExceeded`` property added; still too large, "an error occurs and the message
  is not sent".

The message id is the context's ``OperationId`` (the system job's id): one job, one id, so a
repeated post is one message under Service Bus duplicate detection. Learn does not document
which id Dataverse gives the brokered message.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from cityzen_connector._clock import WallClock
from cityzen_connector.emulator._execution_context import StepRegistration, build_context
from cityzen_connector.emulator._registrations import check_registration, matching_steps
from cityzen_connector.emulator._remote_context import serialize
from cityzen_connector.emulator._request_facts import RequestFacts, current
from cityzen_connector.emulator._schema import Entity, Schema
from cityzen_connector.emulator._store import Row, Store
from cityzen_connector.emulator._write_events import Write

__all__ = [
    "CLAIMS",
    "MAX_MESSAGE_BYTES",
    "EventPipeline",
    "EventSink",
    "PipelineStats",
    "ServiceBusMessage",
]

CLAIMS = "http://schemas.microsoft.com/xrm/2011/Claims/"
MAX_MESSAGE_BYTES = 192 * 1024
SIZE_EXCEEDED = "MessageMaxSizeExceeded"
# "Is Event? False" for every message of these tables (their table references): no step runs.
NOT_EVENTS = frozenset(
    {
        "serviceendpoint",
        "sdkmessage",
        "sdkmessagefilter",
        "sdkmessageprocessingstep",
        "sdkmessageprocessingstepimage",
    }
)
_TRIMMED: dict[str, Any] = {
    "ParentContext": None,
    "InputParameters": [],
    "PreEntityImages": [],
    "PostEntityImages": [],
}
_LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceBusMessage:
    """One brokered message a queue service endpoint sends: where (the endpoint's namespace
    and ``path``, the queue), and what (id, content type, body, properties)."""

    namespace_address: str
    queue: str
    message_id: str
    content_type: str
    body: bytes
    properties: Mapping[str, str | bool]


EventSink = Callable[[ServiceBusMessage], None]


@dataclass
class PipelineStats:
    posted: int = 0
    failed: int = 0  # the sink raised, or the message was too large
    unposted: int = 0  # no sink: the emulator was started without a queue


class EventPipeline:
    """``Records.observer``: checks registrations, posts what the registered steps match."""

    def __init__(
        self, schema: Schema, store: Store, clock: WallClock, sink: EventSink | None
    ) -> None:
        self.schema, self.store, self.clock, self.sink = schema, store, clock, sink
        self.stats = PipelineStats()
        self._counting = threading.Lock()  # posts run outside the store's lock, in parallel

    def _count(self, name: str, by: int = 1) -> None:
        with self._counting:
            setattr(self.stats, name, getattr(self.stats, name) + by)

    def check(self, entity: Entity, data: Mapping[str, Any], before: Row | None) -> None:
        check_registration(self.schema, self.store, entity, data)

    def written(self, write: Write) -> None:
        if write.entity.logical_name in NOT_EVENTS:
            return
        facts = current()
        if facts is not None and "CustomAsync" in facts.bypass:
            return  # MSCRM.BypassBusinessLogicExecution ("Use optional parameters")
        steps = matching_steps(self.store, write)
        if not steps:
            return
        if self.sink is None:
            self._count("unposted", len(steps))
            return
        for step in steps:
            message = self._message(step, write, facts)
            if message is not None:
                self.store.after_commit(partial(self._post, message))

    def _message(
        self, step: StepRegistration, write: Write, facts: RequestFacts | None
    ) -> ServiceBusMessage | None:
        operation_id = str(uuid.uuid4())
        context = build_context(
            self.schema, self.store, write, step, facts, now=self.clock(), operation_id=operation_id
        )
        properties: dict[str, str | bool] = {
            CLAIMS + "Organization": facts.organization_url if facts is not None else "",
            CLAIMS + "User": context["UserId"],
            CLAIMS + "InitiatingUser": context["InitiatingUserId"],
            CLAIMS + "EntityLogicalName": write.entity.logical_name,
            CLAIMS + "RequestName": write.message,
        }
        body = serialize(context)
        if len(body) > MAX_MESSAGE_BYTES:
            body = serialize({**context, **_TRIMMED})
            properties[SIZE_EXCEEDED] = True
        if len(body) > MAX_MESSAGE_BYTES:
            self._count("failed")
            _LOG.warning(
                "service endpoint post not sent: over 192 KB (system job %s)", operation_id
            )
            return None
        endpoint = step.endpoint.data
        return ServiceBusMessage(
            namespace_address=str(endpoint.get("namespaceaddress") or ""),
            queue=str(endpoint.get("path") or ""),
            message_id=operation_id,
            content_type="application/json",
            body=body,
            properties=properties,
        )

    def _post(self, message: ServiceBusMessage) -> None:
        """A system job: post once; a failure fails the job, never the write."""
        assert self.sink is not None
        try:
            self.sink(message)
        except Exception as exc:  # noqa: BLE001 - any sink failure is the job's, not the write's
            self._count("failed")
            _LOG.warning(
                "service endpoint post failed (system job %s): %s",
                message.message_id,
                type(exc).__name__,
            )
        else:
            self._count("posted")

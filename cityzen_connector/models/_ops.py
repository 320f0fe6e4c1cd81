"""Wire models of the ops routes (``/api/v1/ops/...``): queue counts, dead letters, replays and
the agents reconciliation's plan and report.

Nothing here carries a message body: bodies hold citizens' personal data, and a dead letter is
described by its metadata only (ids, times, counts, the reason our code or Service Bus wrote).
The agents' plan and report are the agents package's own JSON, carried as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._scalars import JsonInt

#: What each queue the connector uses is for (settings: ``submissions_queue``,
#: ``case_events_queue``, ``webhooks_queue``).
QueueRole = Literal["submissions", "case-events", "webhooks"]
#: Where failed messages wait: the queue's dead-letter sub-queue (Service Bus put them there:
#: too many deliveries, expired) or ``<queue>-rejected`` (our code refused them, with a reason).
DeadLetterSource = Literal["deadletter", "rejected"]
SourceChoice = Literal["deadletter", "rejected", "all"]

MAX_PAGE_SIZE = 200
MAX_REPLAY_IDS = 100
# One replay runs inside one HTTP request; Azure's front end gives a request 230 s at most
# (learn.microsoft.com/azure/azure-functions/functions-scale#timeout): a bounded batch, and
# the caller asks again for more.
MAX_REPLAY_LIMIT = 500
# Service Bus message ids: at most 128 characters (MessageId property); ours are UUIDs.
MESSAGE_ID_PATTERN = r"^[!-~]{1,128}$"
PAGE_TOKEN_PATTERN = r"^(deadletter|rejected):[0-9]{1,18}$"  # noqa: S105 - not a secret
QUEUE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$"
MessageId = Annotated[str, Field(pattern=MESSAGE_ID_PATTERN)]


class QueueView(BaseModel):
    """One queue's counts. ``locked`` is always 0 on Service Bus, which counts locked messages
    as active. ``rejected`` counts the messages waiting in ``rejected_queue``."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: QueueRole
    state: Literal["ok", "unavailable"]
    active: int | None = Field(None, ge=0)
    scheduled: int | None = Field(None, ge=0)
    locked: int | None = Field(None, ge=0)
    dead_letter: int | None = Field(None, ge=0)
    rejected_queue: str
    rejected: int | None = Field(None, ge=0)


class QueuesView(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked_at: datetime
    queues: list[QueueView]


class DeadLetter(BaseModel):
    """A failed message's metadata, never its body."""

    model_config = ConfigDict(frozen=True, serialize_by_alias=True, validate_by_name=True)

    message_id: str
    source: DeadLetterSource
    sequence_number: int = Field(ge=0)
    enqueued_time: datetime
    delivery_count: int = Field(ge=0)
    reason: str | None = None
    description: str | None = None
    message_schema: str | None = Field(
        None, alias="schema", description="The envelope's schema id, e.g. cityzen.submission/v1."
    )


class DeadLetterPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    queue: str
    source: SourceChoice
    items: list[DeadLetter]
    next_page_token: str | None = Field(
        None, description="Pass as page_token for the next page; absent on the last page."
    )


class _Replay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    queue: str = Field(pattern=QUEUE_NAME_PATTERN)
    source: SourceChoice = "all"


class ReplayByIds(_Replay):
    """Replay these failed messages (an id no longer there, already replayed for instance, is
    reported as not found)."""

    message_ids: list[MessageId] = Field(min_length=1, max_length=MAX_REPLAY_IDS)


class ReplayAll(_Replay):
    """Replay the oldest failed messages of the queue, at most ``limit``."""

    all: Literal[True]
    limit: JsonInt = Field(100, ge=1, le=MAX_REPLAY_LIMIT)


ReplayRequest = ReplayByIds | ReplayAll


class ReplayedMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    message_id: str
    source: DeadLetterSource
    new_message_id: str = Field(description="The copy sent back to the queue.")


class ReplayResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    queue: str
    replayed: list[ReplayedMessage]
    not_found: list[str] = Field(
        description="Requested ids not waiting in the selected sources (replayed already, purged,"
        " or never there)."
    )


class AgentsPlanView(BaseModel):
    """The reconciliation's plan, as the agents package writes it (ETag: its fingerprint)."""

    model_config = ConfigDict(frozen=True)

    plan: Any


class AgentsReportView(BaseModel):
    """What applying the plan did, as the agents package reports it."""

    model_config = ConfigDict(frozen=True)

    report: Any

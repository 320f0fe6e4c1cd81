"""Read model of a request's conversation: ``GET /api/v1/requests/{id}/messages`` answers the
thread, both directions, oldest first (docs/cases.md, "The conversation"). The text is the
citizen's or the agent's words: personal, served only to the citizen who filed the request,
never logged; no agent is named."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# The conversation table's description: a Memo of 2,000 characters (activitypointer).
MAX_MESSAGE_CHARS = 2000
#: A citizen's message on the submissions queue (sync/intake → sync/pipeline).
CASE_MESSAGE_SCHEMA = "cityzen.case-message/v1"


class AttachmentInfo(BaseModel):
    """A file attached to a message: what it is, not its bytes."""

    model_config = ConfigDict(frozen=True)

    name: str
    type: str = Field(description="Its media type, as its bytes say (sniffed).")
    size: int = Field(ge=0, description="Bytes.")


class ThreadItem(BaseModel):
    """One message of the conversation."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="The message (the conversation row in Dynamics 365).")
    direction: Literal["to_citizen", "from_citizen"]
    text: str
    created_at: datetime = Field(description="When Dynamics 365 recorded it (UTC).")
    attachments: tuple[AttachmentInfo, ...] = ()


class ThreadView(BaseModel):
    """A request's conversation, oldest first."""

    model_config = ConfigDict(frozen=True)

    request_id: UUID
    messages: tuple[ThreadItem, ...]


class MessageAccepted(BaseModel):
    """A citizen's message accepted and queued: it reaches the case once the request is one."""

    model_config = ConfigDict(frozen=True)

    request_id: UUID
    message_id: UUID = Field(description="The message's id (the one sent, or a new one).")
    status: Literal["queued"] = "queued"


class MessageFile(BaseModel):
    """A citizen's file on the queue: its bytes are a blob (claim check), checked at intake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blob_name: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    file_name: Annotated[str, Field(min_length=1, max_length=200)]
    media_type: Annotated[str, Field(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1)]


class CaseMessagePayload(BaseModel):
    """The queue message's payload: which request, which message, the text, and the status
    reason to set on the case in the same change set (``reopen_status``: a request "waiting
    for you" goes back to "in progress" when the vocabulary says so)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request_id: UUID
    message_id: UUID
    text: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]
    reopen_status: int | None = None
    attachments: Annotated[tuple[MessageFile, ...], Field(max_length=10)] = ()

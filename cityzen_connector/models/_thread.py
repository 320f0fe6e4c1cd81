"""Read model of a request's conversation: ``GET /api/v1/requests/{id}/messages`` answers the
thread, both directions, oldest first (docs/cases.md, "The conversation"). The text is the
citizen's or the agent's words: personal, served only to the citizen who filed the request,
never logged; no agent is named."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


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

"""Read models of a case's progress: the history ``GET /api/v1/requests/{id}`` adds, and the
list ``GET /api/v1/citizens/me/requests`` answers. Codes and labels come from the status
vocabulary (``mappings/status.toml``); nothing here names a person."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class HistoryItem(BaseModel):
    """One step of a case, as the citizen reads it."""

    model_config = ConfigDict(frozen=True)

    status: str = Field(description="Stable code from the status vocabulary, e.g. in_progress.")
    label_fr: str
    label_en: str
    closed: bool
    at: datetime = Field(description="When Dynamics 365 recorded the change (UTC).")
    service: str | None = Field(
        None, description="The municipal service (team) holding the case, when one does."
    )


class MyRequest(BaseModel):
    """One of the citizen's requests, whatever channel it came through."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    request_id: UUID | None = Field(
        None, description="The submission id, when the request was filed through the portal."
    )
    ticket_number: str | None
    theme: str | None = Field(None, description="The case's subject (theme) in Dynamics 365.")
    channel: str = Field(
        description="portal, email, phone, courrier, counter, open311, or other (a channel not"
        " mapped)."
    )
    status: str
    label_fr: str
    label_en: str
    closed: bool
    created_at: datetime | None
    updated_at: datetime | None


class MyRequestsParams(BaseModel):
    """The query parameters of "my requests" (documented by the OpenAPI document; the route
    checks them itself and answers 422 naming the parameter)."""

    page: int = Field(1, ge=1, le=10_000, description="Page number, from 1.")
    page_size: int = Field(20, ge=1, le=100, description="Requests per page.")


class MyRequestsPage(BaseModel):
    """A page of the citizen's requests, newest first."""

    model_config = ConfigDict(frozen=True)

    items: tuple[MyRequest, ...]
    page: int
    page_size: int
    total: int

"""Read models the portal gets: the theme tree with each sub-theme's extra form fields, and the
status of a submission (``GET /api/v1/themes``, ``GET /api/v1/requests/{id}``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._case import HistoryItem

FormFieldType = Literal["text", "number", "date", "choice", "boolean"]


class FormField(BaseModel):
    """One extra field a sub-theme's form asks for (declared in ``mappings/themes.toml``)."""

    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    type: FormFieldType
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    # Shown under the field by the portal (mappings/themes.toml's optional ``help``).
    help: str | None = None


class SubTheme(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    title: str
    fields: tuple[FormField, ...] = ()


class Theme(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    title: str
    sub_themes: tuple[SubTheme, ...]


class QueuedStatus(BaseModel):
    """Accepted and waiting for (or in) processing."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: Literal["queued"] = "queued"


class CreatedStatus(BaseModel):
    """The case exists in Dynamics 365: its ticket number, where it stands as the citizen reads
    it (``citizen_status`` and its labels, from the status vocabulary), since when, and how it
    got there (``history``, oldest first). ``case_status`` is the French label."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: Literal["created"] = "created"
    ticket_number: str
    case_status: str
    citizen_status: str = "received"
    label_fr: str = "Reçue"
    label_en: str = "Received"
    closed: bool = False
    updated_at: datetime | None = None
    history: tuple[HistoryItem, ...] = ()


class FailedStatus(BaseModel):
    """Rejected for good: a stable ``code`` and a ``reason`` a person can act on."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: Literal["failed"] = "failed"
    code: str
    reason: str


SubmissionStatus = Annotated[
    QueuedStatus | CreatedStatus | FailedStatus, Field(discriminator="status")
]

"""The wire shapes of the data-protection rights (docs/rgpd.md): a data export asked for and
polled, and an erasure or objection request.

Nothing here carries personal data but the free-text reason the citizen writes to the data
protection officer, which goes into their case like any request's description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ._scalars import WireId
from ._text import clean_text

ExportState = Literal["pending", "ready", "downloaded", "expired"]
RightKind = Literal["erasure", "objection"]
Language = Literal["fr", "en"]
MAX_REASON_CHARS = 2000  # a case's description (models.Submission.description)
_STRICT = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


def _paragraphs(value: str) -> str:
    return clean_text(value, multiline=True)


class DataExportBody(BaseModel):
    """``POST /api/v1/citizens/me/data-export``: an empty body, or the summary's language."""

    model_config = _STRICT

    language: Language = Field(
        "fr", description="The human-readable summary's language (the data are the same)."
    )


class DataExportAccepted(BaseModel):
    """202: the export is being prepared. ``download`` works once, until ``expires_at`` after it
    is ready; keep it secret (it is the only copy of the token)."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: ExportState
    status_url: str
    download: str = Field(description="The one-time link (with its token) to fetch the file.")


class DataExportStatus(BaseModel):
    """Where an export stands: ``pending``, ``ready`` (download it), ``downloaded`` (gone) or
    ``expired`` (gone unread)."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: ExportState
    requested_at: datetime
    ready_at: datetime | None = None
    expires_at: datetime | None = None


class ErasureRequestBody(BaseModel):
    """``POST /api/v1/citizens/me/erasure-request``."""

    model_config = _STRICT

    kind: RightKind = Field(
        description="erasure (RGPD article 17) or objection (article 21) to the processing."
    )
    reason: (
        Annotated[
            str,
            Field(strict=True),
            AfterValidator(_paragraphs),
            StringConstraints(max_length=MAX_REASON_CHARS),
        ]
        | None
    ) = Field(None, description="Optional: why, for the data protection officer.")
    id: WireId | None = Field(None, description="Idempotency key (the request's id).")


class ErasureAccepted(BaseModel):
    """202: filed as a request to the data protection officer; follow it as any request."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    kind: RightKind
    status_url: str

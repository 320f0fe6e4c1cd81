"""The wire shapes of the data-protection rights (docs/rgpd.md): a data export asked for and
polled, and an erasure or objection request.

Nothing here carries personal data but the free-text reason the citizen writes to the data
protection officer, which goes into their case like any request's description.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from ._scalars import WireId
from ._submission import Description

ExportState = Literal["pending", "ready", "downloaded", "expired"]
RightKind = Literal["erasure", "objection"]
Language = Literal["fr", "en"]
MAX_REASON_CHARS = 2000  # a case's description (models.Submission.description)
_STRICT = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


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
    # A case's description: the same text rules (and the pattern the document shows for them).
    reason: Description | None = Field(
        None, description="Optional: why, for the data protection officer (2,000 characters)."
    )
    id: WireId | None = Field(None, description="Idempotency key (the request's id).")


class ErasureAccepted(BaseModel):
    """202: filed as a request to the data protection officer; follow it as any request."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    kind: RightKind
    status_url: str

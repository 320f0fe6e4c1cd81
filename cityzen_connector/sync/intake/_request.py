"""What the portal posts to ``POST /api/v1/requests``, and what we answer.

``SubmissionRequest`` is ``models.Submission`` minus what the server decides (``submitted_at``),
with ``id`` optional (it may come as the ``Idempotency-Key`` header instead), ``citizen``
optional (a citizen's identity comes from their token) and attachments as base64 uploads
instead of blob references. Its fields are built from ``Submission``'s own, so the two cannot
drift apart.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from cityzen_connector.models import MAX_ATTACHMENTS, Citizen, Submission, WireId

_SERVER_SIDE = frozenset({"id", "submitted_at", "citizen", "attachments"})
_STRICT = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class AttachmentUpload(BaseModel):
    """One file, its bytes base64-encoded (RFC 4648 section 4, padded, no line breaks)."""

    model_config = _STRICT

    file_name: Annotated[str, Field(strict=True, min_length=1, max_length=255)]
    content_base64: Annotated[str, Field(strict=True, min_length=4)]
    # Informative only: the type is read from the bytes.
    media_type: Annotated[str, Field(strict=True, max_length=255)] | None = None


_fields: dict[str, Any] = {
    name: (info.annotation, info)
    for name, info in Submission.model_fields.items()
    if name not in _SERVER_SIDE
}
SubmissionRequest: type[BaseModel] = create_model(
    "SubmissionRequest",
    __config__=ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        title="SubmissionRequest",
    ),
    __doc__=(
        "A citizen's request as the portal posts it. With a function key, `citizen` is"
        " required; with a citizen's bearer token it must be absent (it comes from the token)."
    ),
    id=(WireId | None, Field(None, description="Idempotency key; or the Idempotency-Key header.")),
    citizen=(Citizen | None, None),
    attachments=(
        list[AttachmentUpload],
        Field(default_factory=list, max_length=MAX_ATTACHMENTS),
    ),
    **_fields,
)


class Accepted(BaseModel):
    """The answer to an accepted submission (202); ``Location`` names its status."""

    model_config = ConfigDict(frozen=True)

    id: UUID
    status: Literal["queued"] = "queued"

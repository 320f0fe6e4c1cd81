"""What the portal posts to ``POST /api/v1/requests``, and what we answer.

``SubmissionRequest`` is ``models.Submission`` minus what the server decides (``submitted_at``)
and minus ``citizen``, which is read apart (``_caller``: the portal sends it, a citizen's token
replaces it), with ``id`` optional (it may come as the ``Idempotency-Key`` header instead) and
attachments as base64 uploads instead of blob references. Its fields are built from
``Submission``'s own, so the two cannot drift apart; the OpenAPI document adds ``citizen`` as
the deployment's auth mode wants it (``api._contract``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from cityzen_connector.models import MAX_ATTACHMENTS, Submission, WireId

_SERVER_SIDE = frozenset({"id", "submitted_at", "citizen", "attachments"})
_STRICT = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
_FILE_BASE64 = r"^(/9j/|iVBORw0KGg[o-r][A-Za-z0-9+/]|JVBERi[0-3][A-Za-z0-9+/])([A-Za-z0-9+/]{4})*$"


class AttachmentUpload(BaseModel):
    """One file, its bytes base64-encoded (RFC 4648 section 4, padded, no line breaks)."""

    model_config = _STRICT

    file_name: Annotated[str, Field(strict=True, min_length=1, max_length=255)]
    content_base64: Annotated[
        str,
        Field(
            strict=True,
            min_length=4,
            description="The file's bytes in base64 (RFC 4648 section 4, padded). Its type is"
            " read from the bytes: JPEG, PNG, PDF, WebP or HEIC/HEIF.",
            # The pattern is what a JPEG, PNG or PDF begins with, in base64 (FF D8 FF; the PNG
            # signature; "%PDF-"), whole 4-character groups after it: a client generating
            # values from the document sends files the server accepts.
            json_schema_extra={"pattern": _FILE_BASE64},
        ),
    ]
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
    __doc__="A citizen's request as the portal or the citizen's app posts it.",
    id=(WireId | None, Field(None, description="Idempotency key; or the Idempotency-Key header.")),
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

"""A citizen's request ("démarche") as the portal sends it and as it travels on the queue.

Input models forbid unknown fields and refuse type coercions that hide mistakes (``"1"`` for a
boolean, ``12`` for a string). The same model is the queue message body, so
``Submission.model_validate_json(s.model_dump_json())`` round-trips exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ._citizen import Citizen
from ._examples import EXAMPLE_SUBMISSION
from ._scalars import WireId
from ._text import FILLED_LINE_PATTERN, TEXT_PATTERN, clean_text

MAX_ATTACHMENTS = 10
MAX_FORM_FIELDS = 50
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024


class Channel(StrEnum):
    """How the request reached the collectivité (maps to the case's ``caseorigincode``)."""

    PORTAL = "portal"
    EMAIL = "email"
    PHONE = "phone"
    COURRIER = "courrier"
    COUNTER = "counter"
    OPEN311 = "open311"  # an Open311 GeoReport v2 client app (docs/open311.md)


def _line(value: str) -> str:
    return clean_text(value, multiline=False)


def _paragraphs(value: str) -> str:
    return clean_text(value, multiline=True)


Code = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
# The document shows the text rules (``_text``) as patterns; clean_text is what enforces them.
_FILLED_LINE = Field(strict=True, json_schema_extra={"pattern": FILLED_LINE_PATTERN})
_TEXT = Field(strict=True, json_schema_extra={"pattern": TEXT_PATTERN})
Subject = Annotated[
    str,
    _FILLED_LINE,
    AfterValidator(_line),
    StringConstraints(min_length=1, max_length=200),
]
Description = Annotated[str, _TEXT, AfterValidator(_paragraphs), StringConstraints(max_length=2000)]
ShortLine = Annotated[
    str, _FILLED_LINE, AfterValidator(_line), StringConstraints(min_length=1, max_length=200)
]
FormValue = (
    Annotated[str, _TEXT, AfterValidator(_paragraphs), StringConstraints(max_length=2000)]
    | Annotated[bool, Field(strict=True)]
    | Annotated[int, Field(strict=True)]
    | Annotated[float, Field(strict=True, allow_inf_nan=False)]
)
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


class Location(BaseModel):
    """Where the problem is, as the Géoplateforme geocoder (BAN) describes an address."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    label: ShortLine | None = None
    house_number: (
        Annotated[str, Field(strict=True, pattern=r"^[0-9]{1,5}( ?[A-Za-z]{1,6})?$")] | None
    ) = None
    street: ShortLine | None = None
    postcode: Annotated[str, Field(strict=True, pattern=r"^[0-9]{5}$")] | None = None
    # INSEE COG commune code (Corsica: 2A/2B), not the postcode.
    citycode: Annotated[str, Field(strict=True, pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")] | None = (
        None
    )
    city: ShortLine | None = None
    # strict: "48.8" is a string, not a latitude (a JSON number is expected, as documented).
    latitude: Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False)] | None = None
    longitude: Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False)] | None = (
        None
    )
    geocoder_id: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")] | None = (
        None
    )
    geocoder_score: Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)] | None = (
        None
    )


class AttachmentRef(BaseModel):
    """A file already stored in the blob store; the queue message carries this, not the bytes."""

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    id: UUID
    blob_name: Annotated[str, Field(strict=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,254}$")]
    file_name: Annotated[
        str,
        Field(strict=True),
        AfterValidator(_line),
        # No path separators: the name is shown to agents and used as the note's file name.
        StringConstraints(min_length=1, max_length=255, pattern=r"^[^/\\]+$"),
    ]
    media_type: Annotated[
        str, Field(strict=True, pattern=r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
    ]
    size: Annotated[int, Field(strict=True, ge=1, le=MAX_ATTACHMENT_BYTES)]
    sha256: Annotated[str, Field(strict=True, pattern=r"^[0-9a-f]{64}$")]


# The envelope schema id of a submission on the queue (messaging's envelope: ``name/vN``).
# A new, incompatible payload shape gets v2 and both versions are read during the change.
SUBMISSION_SCHEMA = "cityzen.submission/v1"


class Submission(BaseModel):
    """One request filed by a citizen. ``id`` is the idempotency key end to end."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        hide_input_in_errors=True,
        json_schema_extra={"examples": [EXAMPLE_SUBMISSION]},
    )

    id: WireId
    theme: Code
    sub_theme: Code
    subject: Subject
    description: Description = ""
    location: Location | None = None
    channel: Channel = Channel.PORTAL
    fields: Annotated[dict[FieldName, FormValue], Field(max_length=MAX_FORM_FIELDS)] = Field(
        default_factory=dict
    )
    attachments: Annotated[list[AttachmentRef], Field(max_length=MAX_ATTACHMENTS)] = Field(
        default_factory=list
    )
    submitted_at: AwareDatetime
    citizen: Citizen

    @model_validator(mode="after")
    def _attachment_ids_are_unique(self) -> Submission:
        # Each note's id is derived from (submission id, attachment id): duplicates would collide.
        ids = [attachment.id for attachment in self.attachments]
        if len(set(ids)) != len(ids):
            raise ValueError("attachment ids must be unique")
        return self

    def submitted_at_utc(self) -> datetime:
        return self.submitted_at.astimezone(UTC)

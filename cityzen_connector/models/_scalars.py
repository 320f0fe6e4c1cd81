"""Wire scalars read exactly as the OpenAPI document writes them, never coerced.

pydantic's lax mode reads a date from ``0`` (1970-01-01) or ``"2020-01-01T00:00:00"`` and a UUID
from 32 bare hex digits, ``{...}`` or ``urn:uuid:...``; the document says ``format: date``
(RFC 3339 ``full-date``) and ``format: uuid`` (RFC 9562 section 4's hyphenated text), so these
types accept that text (or the Python value, for our own code) and nothing else. Error codes are
our own where pydantic has none (``future_date``, ``reserved_id``); their French is in the
catalogue of field codes.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from cityzen_connector._clock import utc_now

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_UUID_TEXT = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
# RFC 9562 section 5.9 (Nil) and 5.10 (Max): placeholders, never a generated identifier; the
# nil UUID is also what a client's unset field serialises to.
RESERVED_IDS = (uuid.UUID(int=0), uuid.UUID(int=(1 << 128) - 1))
# The calendar date is still "today" somewhere until UTC+14 (Kiribati) has moved on: a child
# born today in Nouméa (UTC+11) must not be refused because the server runs on UTC.
_AHEAD_OF_UTC = timedelta(hours=14)


def _date_text(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise PydanticCustomError("date_format", "expected a date as YYYY-MM-DD")


def _not_in_the_future(value: date) -> date:
    if value > (utc_now() + _AHEAD_OF_UTC).date():
        raise PydanticCustomError("future_date", "the date is in the future")
    return value


def _uuid_text(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str) and _UUID_TEXT.match(value):
        return value
    raise PydanticCustomError("uuid_parsing", "expected a UUID as 8-4-4-4-12 hex digits")


def uuid_from_text(text: str) -> uuid.UUID | None:
    """The UUID ``text`` writes in RFC 9562's hyphenated form, or ``None`` for any other text
    (``uuid.UUID`` would also read braces, ``urn:uuid:`` and bare hex)."""
    return uuid.UUID(text) if _UUID_TEXT.match(text) else None


def _not_reserved(value: uuid.UUID) -> uuid.UUID:
    if value in RESERVED_IDS:
        raise PydanticCustomError("reserved_id", "the nil and max UUIDs are not identifiers")
    return value


def _past_years(last: int) -> str:
    """A pattern for the years 1000 to ``last`` (a year of this millennium)."""
    tens, units = divmod(last % 100, 10)
    years = ["1[0-9]{3}", f"20{tens}[0-{units}]"]
    if tens:
        years.append(f"20[0-{tens - 1}][0-9]")
    return "|".join(years)


# JSON Schema has no "before today": the document's pattern admits dates up to the end of the
# year before the one the process started in, a part of what the server accepts (up to today),
# so that a client generating dates from the document is never refused.
_PAST_DATE_PATTERN = (
    f"^({_past_years(utc_now().year - 1)})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
)
PastDate = Annotated[
    date,
    BeforeValidator(_date_text),
    AfterValidator(_not_in_the_future),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": _PAST_DATE_PATTERN,
            "description": "YYYY-MM-DD, not in the future",
        }
    ),
]
WireId = Annotated[
    uuid.UUID,
    BeforeValidator(_uuid_text),
    AfterValidator(_not_reserved),
    WithJsonSchema(
        {
            "type": "string",
            "format": "uuid",
            "not": {"pattern": "^(0{8}-(0{4}-){3}0{12}|[fF]{8}-([fF]{4}-){3}[fF]{12})$"},
        }
    ),
]


def _integral(value: Any) -> Any:
    # JSON Schema (2020-12 validation, section 6.1.1 "type"): "integer" matches any number with
    # a zero fractional part, so 21.0 is an integer on the wire; a strict model still refuses
    # 21.5, "21" and true.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer as the OpenAPI document's ``type: integer`` means it (21 or 21.0, never "21").
JsonInt = Annotated[int, BeforeValidator(_integral)]

"""Column values: JSON from a request body checked and normalised for a column's type.

Type names are Edm types as the Web API reports them; messages follow the OData library's
"Cannot convert the literal … to the expected type …" wording, lengths and choices follow
Dataverse's validation errors (0x80044331, 0x8004431A).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._schema import Attribute, Entity
from cityzen_connector.emulator._sql import EDM, format_datetime


def convert_value(entity: Entity, attr: Attribute, value: object, entity_set: str) -> Any:
    """A JSON value checked and normalised for ``attr`` (type, length, choice values)."""
    if value is None:
        return None
    converter = _CONVERTERS.get(attr.type)
    result = converter(value) if converter is not None else _INVALID
    if result is _INVALID:
        shown = str(value)[:100]
        edm = EDM.get(attr.type, "Edm.String")
        raise err.payload_error(
            entity_set, f"Cannot convert the literal '{shown}' to the expected type '{edm}'."
        )
    too_long = isinstance(result, str) and len(result) > (attr.max_length or len(result))
    if too_long and attr.max_length is not None:
        raise err.too_long(attr.name, entity.logical_name, attr.max_length)
    if attr.type == "Picklist" and result not in attr.options:
        accepted = ",".join(str(v) for v in sorted(attr.options))
        # PicklistValueOutOfRange (0x8004431A), web service error codes.
        raise ODataError(
            400,
            "0x8004431a",
            f"A validation error occurred. The value {result} of '{attr.name}' on record "
            f"of type '{entity.logical_name}' is outside the valid range. Accepted "
            f"Values: {accepted}",
        )
    return result


_INVALID = object()


def _string(value: object) -> object:
    return value if isinstance(value, str) else _INVALID


def _integer(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int):
        return _INVALID
    return value


def _int32(value: object) -> object:
    result = _integer(value)
    if isinstance(result, int) and not -(2**31) <= result < 2**31:
        return _INVALID
    return result


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _INVALID
    return value


def _boolean(value: object) -> object:
    return value if isinstance(value, bool) else _INVALID


def _datetime(value: object) -> object:
    if not isinstance(value, str):
        return _INVALID
    try:
        return format_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return _INVALID


def _date(value: object) -> object:
    if not isinstance(value, str) or len(value) < 10:
        return _INVALID
    try:
        return datetime.fromisoformat(value[:10]).date().isoformat()
    except ValueError:
        return _INVALID


def _guid(value: object) -> object:
    if not isinstance(value, str):
        return _INVALID
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return _INVALID


_CONVERTERS: dict[str, Callable[[object], object]] = {
    "String": _string,
    "Memo": _string,
    "EntityName": _string,
    "Integer": _int32,
    "Picklist": _int32,
    "State": _int32,
    "Status": _int32,
    "BigInt": _integer,
    "Decimal": _number,
    "Money": _number,
    "Double": _number,
    "Boolean": _boolean,
    "DateTime": _datetime,
    "DateOnly": _date,
    "Uniqueidentifier": _guid,
    # Lookups reach here only as alternate-key parts (a key may include a lookup column).
    "Lookup": _guid,
    "Customer": _guid,
    "Owner": _guid,
}

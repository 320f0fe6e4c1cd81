"""``$filter`` literals: a token's value and Edm type, as Microsoft's OData library reads them.

Strings in single quotes with quotes doubled, GUIDs, ``DateTimeOffset`` and ``Date`` values and
numbers (OData v4 URL conventions, section 5.1.1). Query-function arguments may also be arrays
whose strings are in double quotes ("Filter rows using OData", "Manage single quotes":
``PropertyValues=["OBrian","O'Brian"]``); those are JSON strings. An enum member is written
with its type's qualified name (``Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'``: "Query
table definitions using the Web API", section "Use enum types in $filter operations").
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from cityzen_connector.emulator._error_catalogue import query_error, syntax_error


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: object
    edm: str  # Edm type name, e.g. "Edm.String"; "null" for null; an enum's qualified name


def literal(token: Token, text: str) -> Literal:
    read = _READERS.get(token.kind)
    if read is None:
        raise syntax_error(token.pos, text)
    try:
        return read(token, text)
    except ValueError:  # json.JSONDecodeError is a ValueError too
        raise syntax_error(token.pos, text) from None


def _enum(raw: str) -> Literal:
    type_name, _, member = raw.partition("'")
    return Literal(member[:-1].replace("''", "'"), type_name)


_READERS: dict[str, Callable[[Token, str], Literal]] = {
    "string": lambda t, _: Literal(t.text[1:-1].replace("''", "'"), "Edm.String"),
    "dstring": lambda t, _: Literal(str(json.loads(t.text)), "Edm.String"),
    "guid": lambda t, _: Literal(str(uuid.UUID(t.text)), "Edm.Guid"),
    "datetime": lambda t, _: Literal(
        datetime.fromisoformat(t.text.replace("Z", "+00:00")), "Edm.DateTimeOffset"
    ),
    "date": lambda t, _: Literal(date.fromisoformat(t.text), "Edm.Date"),
    "number": lambda t, text: _number(t.text, t, text),
    "enum": lambda t, _: _enum(t.text),
}
LITERAL_KINDS = frozenset(_READERS)


_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_DECIMAL_MAX = 79228162514264337593543950335  # System.Decimal.MaxValue, 29 digits


def _number(raw: str, token: Token, text: str) -> Literal:
    """A number's Edm type as Microsoft's OData library reads it (odata.net, ExpressionLexer):
    a suffix names it (L Int64, M Decimal, D/F Double); without one, Int32, else Int64, else
    Decimal when the digits need its precision (MakeBestGuessOnNoSuffixStr), else Double. A
    number none of them holds is refused, as the library refuses it."""
    suffix = raw[-1].lower() if raw[-1] in "mMdDfFlL" else ""
    body = raw[:-1] if suffix else raw
    integral = re.fullmatch(r"-?\d+", body) is not None
    # len() first: Python refuses int() of more than 4,300 digits (CVE-2020-10735).
    value = int(body) if integral and len(body) <= 30 else None
    if suffix == "l":
        if value is None or value not in _INT64:
            raise query_error(
                f"Unrecognized 'Edm.Int64' literal '{raw}' at '{token.pos}' in '{text}'."
            )
        return Literal(value, "Edm.Int64")
    if value is not None and not suffix:
        if value in _INT32:
            return Literal(value, "Edm.Int32")
        if value in _INT64:
            return Literal(value, "Edm.Int64")
        if abs(value) <= _DECIMAL_MAX:
            return Literal(value, "Edm.Decimal")
    as_float = float(body)  # from text there is no digit limit: too large gives inf
    if math.isinf(as_float):
        # ExpressionLexer_InvalidNumericString (odata.net, Microsoft.OData.Core.txt).
        shown = raw if len(raw) <= 100 else raw[:100] + "…"
        raise query_error(f"Numeric string '{shown}' is not a valid Int32/Int64/Double/Decimal.")
    if suffix == "m" or (not suffix and not integral):
        # The emulator compares decimals as floats; a whole number keeps its exact value.
        return Literal(value if value is not None else as_float, "Edm.Decimal")
    return Literal(as_float, "Edm.Double")

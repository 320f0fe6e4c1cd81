"""``$filter`` literals: a token's value and Edm type, as Microsoft's OData library reads them.

Strings in single quotes with quotes doubled, GUIDs, ``DateTimeOffset`` and ``Date`` values and
numbers (OData v4 URL conventions, section 5.1.1). Query-function arguments may also be arrays
whose strings are in double quotes ("Filter rows using OData", "Manage single quotes":
``PropertyValues=["OBrian","O'Brian"]``); those are JSON strings.
"""

from __future__ import annotations

import json
import math
import re
import uuid
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
    edm: str  # Edm type name, e.g. "Edm.String"; "null" for null


LITERAL_KINDS = frozenset({"string", "dstring", "guid", "datetime", "date", "number"})


def literal(token: Token, text: str) -> Literal:
    raw = token.text
    try:
        if token.kind == "string":
            return Literal(raw[1:-1].replace("''", "'"), "Edm.String")
        if token.kind == "dstring":
            return Literal(str(json.loads(raw)), "Edm.String")
        if token.kind == "guid":
            return Literal(str(uuid.UUID(raw)), "Edm.Guid")
        if token.kind == "datetime":
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return Literal(parsed, "Edm.DateTimeOffset")
        if token.kind == "date":
            return Literal(date.fromisoformat(raw), "Edm.Date")
        if token.kind == "number":
            return _number(raw, token, text)
    except ValueError:  # json.JSONDecodeError is a ValueError too
        raise syntax_error(token.pos, text) from None
    raise syntax_error(token.pos, text)


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

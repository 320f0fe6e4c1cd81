"""Values in FetchXML conditions and paging cookies: their text read as the store holds the
column's values (``123``, ``1``/``true``, ISO dates, GUIDs with or without braces), and like
patterns with the wildcards of "Use wildcard characters in conditions for string values"
(Microsoft Learn, power-apps/developer/data-platform/wildcard-characters): ``%``, ``_`` and a
bracketed single character taken literally (``[%]``); a bracketed set is refused, named. The
text of a pattern is folded as the organisation's collation compares (``_collation``), the
column's value too (``_fetchsql``): SQLite's ``LIKE`` ignores collations.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._collation import fold
from cityzen_connector.emulator._schema import LOOKUP_TYPES, STRING_TYPES, Attribute
from cityzen_connector.emulator._sql import format_datetime

CHOICES = frozenset({"Picklist", "State", "Status"})
INTEGERS = frozenset({"Integer", "BigInt"}) | CHOICES
NUMBERS = INTEGERS | {"Decimal", "Money", "Double"}
DATES = frozenset({"DateTime", "DateOnly"})
IDS = LOOKUP_TYPES | {"Uniqueidentifier"}


def like_pattern(raw: str) -> str:
    """A T-SQL like pattern as SQLite's ``LIKE … ESCAPE '\\'`` reads it, its text folded; only
    the ASCII ``%`` and ``_`` are wildcards (a full-width ``％`` folds to a literal ``%``)."""
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "[":
            if raw.find("]", i + 2) != i + 2:
                raise err.fetch_not_emulated(f"wildcard set in the like value '{raw[:100]}'")
            ch, i = raw[i + 1], i + 2  # "[%]": one character, taken literally
            out.append(_literal(ch))
        else:
            out.append(ch if ch in "%_" else _literal(ch))
        i += 1
    return "".join(out)


def _literal(ch: str) -> str:
    return "".join("\\" + c if c in "%_\\" else c for c in fold(ch))


def convert(attr: Attribute, raw: str) -> object:
    """A condition's text as the store holds the column's values."""
    if attr.type in STRING_TYPES:
        return raw
    reader = _READERS.get(attr.type)
    try:
        if reader is not None:
            return reader(raw.strip())
    except ValueError:
        pass
    raise err.query_builder("invalid_value", f"Attribute: {attr.name}, value: '{raw[:100]}'.")


def _integer(text: str) -> object:
    if not re.fullmatch(r"-?\d{1,19}", text):
        raise ValueError(text)
    return int(text)


def _number(text: str) -> object:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _boolean(text: str) -> object:
    flags = {"1": 1, "true": 1, "0": 0, "false": 0}
    if text.lower() not in flags:
        raise ValueError(text)
    return flags[text.lower()]


def _datetime(text: str) -> object:
    return format_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _date(text: str) -> object:
    return date.fromisoformat(text[:10]).isoformat()


def _guid(text: str) -> object:
    return str(uuid.UUID(text.strip("{}")))


_READERS: dict[str, Callable[[str], object]] = {
    **dict.fromkeys(INTEGERS, _integer),
    **dict.fromkeys(NUMBERS - INTEGERS, _number),
    "Boolean": _boolean,
    "DateTime": _datetime,
    "DateOnly": _date,
    **dict.fromkeys(IDS, _guid),
}

"""OData literals, names, keys and URL query encoding: where user input meets the URL.

Every value that reaches a URL goes through ``literal()``; nothing formats user input into a
filter or key string by hand. Literal syntax: OData v4.01 URL Conventions §5.1.1 (strings in
single quotes with quotes doubled, GUIDs and numbers bare, dates ``YYYY-MM-DD``).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote, unquote

from ._errors import InvalidRequestError

Literal = str | int | float | bool | Decimal | uuid.UUID | date | datetime | None
Key = str | uuid.UUID | Mapping[str, Literal]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Dataverse refuses these characters in alternate key values sent in a URL ("Define alternate
# keys for a table": / < > * % & : \ ? +); we refuse them first, with a clear error.
_KEY_FORBIDDEN = frozenset("/<>*%&:\\?+")
# Characters left readable in query values; everything else (space, &, #, +, %) is encoded,
# as "Query data using the Web API" requires for special characters in filter literals.
_QUERY_SAFE = "$,()'*:@/=;"


def check_name(name: str, what: str = "name") -> str:
    """A table, column, entity set or navigation property name, or InvalidRequestError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise InvalidRequestError(f"invalid {what}: must match {_NAME.pattern}")
    return name


def check_path(path: str, what: str = "column") -> str:
    """A property path such as ``primarycontactid/fullname``."""
    if not isinstance(path, str) or not path:
        raise InvalidRequestError(f"invalid {what}: empty")
    for segment in path.split("/"):
        check_name(segment, what)
    return path


def guid(value: str | uuid.UUID, what: str = "id") -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise InvalidRequestError(f"invalid {what}: not a GUID") from None


def literal(value: Literal) -> str:  # noqa: PLR0911, PLR0912 - one flat type dispatch
    """The OData literal for a Python value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequestError("invalid literal: NaN and infinities are not allowed")
        return repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidRequestError("invalid literal: NaN and infinities are not allowed")
        return format(value, "f")
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidRequestError("invalid literal: datetimes must be timezone-aware")
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()  # DateOnly columns: YYYY-MM-DD
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidRequestError("invalid literal: NUL character")
        return "'" + value.replace("'", "''") + "'"
    raise InvalidRequestError(f"invalid literal: unsupported type {type(value).__name__}")


def key_segment(key: Key, what: str = "key") -> str:
    """``(guid)`` for a primary key, ``(name='v',other=5)`` for an alternate key."""
    if isinstance(key, str | uuid.UUID):
        return f"({guid(key, what)})"
    if not isinstance(key, Mapping) or not key:
        raise InvalidRequestError(f"invalid {what}: empty")
    parts = []
    for name, value in key.items():
        check_name(name, "key column")
        if value is None or (isinstance(value, str) and not value.strip()):
            raise InvalidRequestError(f"invalid {what}: column {name} has no value")
        if isinstance(value, str) and _KEY_FORBIDDEN.intersection(value):
            raise InvalidRequestError(
                f"invalid {what}: column {name} holds a character Dataverse refuses in keys"
            )
        parts.append(f"{name}={literal(value)}")
    return "(" + ",".join(parts) + ")"


# A FetchXML query is URL-encoded whole, as "Use FetchXml to query data" shows it
# (fetchXml=%3Cfetch%20top%3D%275%27%3E%0D%0A…): its quotes, equals signs and slashes too.
_SAFE_BY_NAME = {"fetchXml": ""}


def encode_query(params: Mapping[str, str] | list[tuple[str, str]]) -> str:
    """``a=b&c=d`` with values percent-encoded; ``$`` option names kept as-is."""
    items = params.items() if isinstance(params, Mapping) else params
    return "&".join(
        f"{quote(k, safe='$@')}={quote(v, safe=_SAFE_BY_NAME.get(k, _QUERY_SAFE))}"
        for k, v in items
    )


# -- reading keys back: the URL of a row, as Dataverse names it in ``OData-EntityId`` ----------
# "Use Upsert to Create or Update a record" (Learn): a PATCH by alternate key answers
# ``OData-EntityId: [Organization Uri]/api/data/v9.2/example_records(example_key1=2,
# example_key2=2)``, the key as addressed, not the row's GUID.
_ROW_URL = re.compile(r"/(?P<set>[A-Za-z_][A-Za-z0-9_]*)\((?P<key>[^/]*)\)$")
_KEY_PART = re.compile(
    r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>'(?:[^']|'')*'|[^,']+?)\s*(?:,|$)"
)
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
# The literal kinds an alternate key holds (string, whole number, decimal, GUID for a lookup,
# choice, date, date and time: "Define alternate keys for a table"), first match wins.
_KEY_LITERALS: tuple[tuple[re.Pattern[str], Callable[[str], Literal]], ...] = (
    (re.compile(r"'(?:[^']|'')*'"), lambda text: text[1:-1].replace("''", "'")),
    (re.compile(r"true|false"), lambda text: text == "true"),
    (_GUID, uuid.UUID),
    (re.compile(r"[-+]?[0-9]+"), int),
    (re.compile(r"[-+]?[0-9]+\.[0-9]+"), Decimal),
    (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), date.fromisoformat),
    (
        re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(?:Z|[-+][0-9]{2}:[0-9]{2})"),
        lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")),
    ),
)


def parse_literal(text: str) -> Literal:
    """The Python value of one OData literal in a key (the inverse of ``literal``);
    ValueError for a literal of a kind keys do not hold."""
    text = text.strip()
    for pattern, convert in _KEY_LITERALS:
        if pattern.fullmatch(text):
            return convert(text)
    raise ValueError("not a key literal")


def parse_key_segment(text: str) -> uuid.UUID | dict[str, Literal]:
    """``<guid>`` → the GUID; ``a='x',b=1`` → ``{"a": "x", "b": 1}`` (the inside of the
    parentheses ``key_segment`` writes). ValueError if it is neither."""
    text = unquote(text).strip()
    if _GUID.fullmatch(text):
        return uuid.UUID(text)
    values: dict[str, Literal] = {}
    position = 0
    while position < len(text):
        match = _KEY_PART.match(text, position)
        if match is None or match.group("name") in values:
            raise ValueError("not a key segment")
        values[match.group("name")] = parse_literal(match.group("value"))
        position = match.end()
    if not values:
        raise ValueError("an empty key segment")
    return values


def parse_row_url(url: str | None) -> tuple[str, uuid.UUID | dict[str, Literal]] | None:
    """``(entity set, GUID or alternate key)`` of a row's URL (``…/contacts(<guid>)``,
    ``…/contacts(cz_identitykey='k')``); None for anything else."""
    match = _ROW_URL.search(url or "")
    if match is None:
        return None
    try:
        return match.group("set"), parse_key_segment(match.group("key"))
    except ValueError:
        return None

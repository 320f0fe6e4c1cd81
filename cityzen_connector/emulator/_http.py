"""Requests and responses as plain values, and the small URL grammar of the Web API.

Both the WSGI entry point and ``$batch`` build a :class:`Request` and get a :class:`Response`,
so an operation behaves the same alone or inside a batch.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._errors import ODataError

BASE_PATH = "/api/data/v9.2/"
JSON_TYPE = "application/json; odata.metadata=minimal"
REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
}
_SEGMENT_RE = re.compile(r"^(?P<name>[A-Za-z_][\w.]*)(?:\((?P<key>.*)\))?$", re.DOTALL)
_KEY_PART_RE = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_]\w*)\s*=\s*)?"
    r"(?P<value>'(?:[^']|'')*'|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}|-?\d+(?:\.\d+)?|true|false)\s*(?:,|$)"
)


@dataclass(frozen=True)
class Caller:
    """Who a request runs as: the system user, and the application user acting on their behalf
    under impersonation (None when the caller acts as itself)."""

    user_id: str
    on_behalf_of: str | None = None


@dataclass
class Request:
    method: str
    path: str  # the part after /api/data/v9.2/
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host, no trailing slash
    in_changeset: bool = False
    content_ids: dict[str, str] = field(default_factory=dict)
    caller: Caller | None = None  # set by the router (impersonation); None: the application

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def prefer(self) -> dict[str, str]:
        """The Prefer header's preferences (RFC 7240): a comma inside a quoted value, as in
        ``odata.include-annotations="A,B"``, does not split it."""
        out: dict[str, str] = {}
        for raw in _preferences(self.header("prefer") or ""):
            name, _, value = raw.strip().partition("=")
            if name:
                out[name.strip()] = value.strip().strip('"')
        return out

    def json_body(self, entity_set: str) -> dict[str, Any]:
        ctype = (self.header("content-type") or "").split(";")[0].strip().lower()
        if ctype and ctype != "application/json":
            raise ODataError(
                415,
                "0x80060888",
                f"The content type '{ctype}' is not supported; send application/json.",
            )
        try:
            value = json.loads(
                self.body.decode("utf-8"),
                parse_int=partial(_json_int, entity_set),
                parse_float=partial(_json_float, entity_set),
                parse_constant=partial(_json_constant, entity_set),
            )
        except UnicodeDecodeError:
            raise err.payload_error(entity_set, "Invalid JSON. The body is not UTF-8.") from None
        except json.JSONDecodeError as exc:
            raise err.payload_error(entity_set, f"Invalid JSON. {exc.msg}.") from None
        except RecursionError:
            raise err.payload_error(entity_set, "Invalid JSON. Nesting too deep.") from None
        if not isinstance(value, dict):
            raise err.payload_error(entity_set, "A JSON object was expected.")
        if not _is_text(value):
            # "\ud800" decodes to a lone UTF-16 surrogate: not Unicode text (RFC 8259 section
            # 8.2), and nothing the store can hold as UTF-8. Microsoft documents no reply for it
            # (a .NET string can hold one): the emulator refuses it, loudly, with the documented
            # code of a payload it cannot read (0x80048d19) rather than storing something else.
            raise err.payload_error(
                entity_set, "Invalid JSON. A string holds a lone UTF-16 surrogate."
            )
        return value

    @property
    def service_root(self) -> str:
        return self.base_url + BASE_PATH


def _preferences(header: str) -> list[str]:
    """The preferences of a Prefer header: commas inside a quoted value do not separate
    (RFC 7240 section 2; "Page results using FetchXml" sends odata.include-annotations=
    "Microsoft.Dynamics.CRM.fetchxmlpagingcookie,Microsoft.Dynamics.CRM.morerecords")."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


# OData's JSON reader reads a number as Int32, then Decimal, then Double, and refuses one that
# fits none (see _error_catalogue.not_a_number). Checked before int(): Python refuses to convert
# more than 4,300 digits (CVE-2020-10735) with a bare ValueError.


def _json_int(entity_set: str, text: str) -> int:
    if math.isinf(float(text)):  # beyond a double (float() of a text has no digit limit)
        raise err.not_a_number(entity_set, text)
    return int(text)


def _json_float(entity_set: str, text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400: beyond a double
        raise err.not_a_number(entity_set, text)
    return value


def _json_constant(entity_set: str, text: str) -> float:
    # NaN and Infinity are not JSON (RFC 8259 section 6); OData's reader knows no such token.
    raise err.not_a_number(entity_set, text)


def _is_text(value: object) -> bool:
    """No string or member name in the document holds a lone surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    operations: int = 1  # what the request cost, never sent (see _cost.py)
    # The GUID URL of the row a write touched, for ``$<Content-ID>`` in a change set; never
    # sent (a reply names the row only where Learn shows it: see ``_written``).
    entity_url: str | None = None

    def headers_dict(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers}

    def status_line(self) -> str:
        return f"{self.status} {REASONS.get(self.status, 'Unknown')}"


def json_response(
    status: int, payload: object, headers: list[tuple[str, str]] | None = None
) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, [("Content-Type", JSON_TYPE), *(headers or [])], body)


def error_response(error: ODataError) -> Response:
    return json_response(error.status, error.body(), list(error.headers.items()))


def parse_query(query_string: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query_string, keep_blank_values=True, strict_parsing=False)
    except ValueError as exc:
        raise err.query_error(f"The query string is malformed: {exc}") from None
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            raise err.query_error(f"Query option '{name}' was specified more than once.")
        out[name] = value
    return out


@dataclass(frozen=True)
class Segment:
    name: str
    key: str | None  # raw text between the parentheses


def parse_segment(text: str) -> Segment:
    match = _SEGMENT_RE.match(text)
    if match is None:
        raise err.segment_not_found(text)
    return Segment(match.group("name"), match.group("key"))


KeyValue = str | int | float | bool


def parse_key(raw: str) -> tuple[str | None, dict[str, KeyValue]]:
    """``(guid)`` → (id, {}); ``(a='x',b=1)`` → (None, {"a": "x", "b": 1})."""
    pos = 0
    values: dict[str, KeyValue] = {}
    single: str | None = None
    raw = raw.strip()
    while pos < len(raw):
        match = _KEY_PART_RE.match(raw, pos)
        if match is None or match.end() == pos:
            raise err.syntax_error(pos, raw)
        name, value_text = match.group("name"), match.group("value")
        value: KeyValue
        if value_text.startswith("'"):
            value = value_text[1:-1].replace("''", "'")
        elif value_text in ("true", "false"):
            value = value_text == "true"
        elif re.fullmatch(r"-?\d+", value_text):
            value = int(value_text)
        elif re.fullmatch(r"-?\d+\.\d+", value_text):
            value = float(value_text)
        else:
            value = str(uuid.UUID(value_text))
        if name is None:
            if values or single is not None or not _is_guid(value):
                raise err.syntax_error(pos, raw)
            single = str(value)
        else:
            if name in values or single is not None:
                raise err.syntax_error(pos, raw)
            values[name] = value
        pos = match.end()
    if single is None and not values:
        raise err.syntax_error(0, raw)
    return single, values


def _is_guid(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def etag(version: int) -> str:
    return f'W/"{version}"'

"""The provider's HTTP plumbing: replies with the security headers every answer carries, and
strict reading of query strings and forms (RFC 6749 section 3.1: a parameter may not repeat)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from ._errors import FlowError

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_MAX_BODY = 16 * 1024
_SECURITY = [
    ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
]


class Reply:
    def __init__(
        self, status: str, body: bytes, ctype: str, headers: Iterable[tuple[str, str]] = ()
    ):
        self.status, self.body = status, body
        self.headers = [("Content-Type", ctype), *_SECURITY, *headers]


def html(body: bytes, status: str = "200 OK", headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply(status, body, "text/html; charset=utf-8", headers)


def json_reply(
    document: object, status: str = "200 OK", headers: Iterable[tuple[str, str]] = ()
) -> Reply:
    body = json.dumps(document, ensure_ascii=False).encode("utf-8")
    return Reply(status, body, "application/json", headers)


def redirect(url: str, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    return Reply("302 Found", b"", "text/plain", [("Location", url), *headers])


def oauth_error(error: str, description: str, status: str = "400 Bad Request") -> Reply:
    return json_reply({"error": error, "error_description": description}, status)


def params(text: str) -> dict[str, str]:
    """Form or query parameters; a repeated or undecodable one is a ``FlowError``."""
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, max_num_fields=50)
    except ValueError as exc:
        raise FlowError("invalid_request", "too many or malformed parameters") from exc
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            raise FlowError("invalid_request", f"parameter {name} repeated")
        found[name] = value
    return found


def form_body(environ: dict[str, Any]) -> str:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise FlowError("invalid_request", "bad Content-Length") from exc
    if length > _MAX_BODY:
        raise FlowError("invalid_request", "request too large")
    ctype = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise FlowError("invalid_request", "application/x-www-form-urlencoded expected")
    raw: bytes = environ["wsgi.input"].read(length) if length else b""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FlowError("invalid_request", "form is not UTF-8") from exc

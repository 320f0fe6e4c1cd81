"""The desk API's HTTP plumbing: replies (JSON, problem+json) with the headers every answer
carries, and strict reading of bodies (a declared length, a cap, JSON objects only, the
API's own multipart reader)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from cityzen_connector.api import MultipartError, Part, parse_multipart
from cityzen_connector.models import (
    PROBLEM_CONTENT_TYPE,
    FieldError,
    ProblemCode,
    problem,
    validation_problem,
)

from ._errors import Refusal
from ._files import DeskFile

M = TypeVar("M", bound=BaseModel)
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
MAX_JSON_BYTES = 16 * 1024
_SECURITY = [
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),  # a case and its conversation are never cached
    ("Referrer-Policy", "no-referrer"),
]
_REASONS = {
    200: "OK",
    201: "Created",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def send(self, start_response: StartResponse) -> list[bytes]:
        headers = [
            ("Content-Type", self.content_type),
            ("Content-Length", str(len(self.body))),
            *_SECURITY,
            *self.headers,
        ]
        start_response(f"{self.status} {_REASONS.get(self.status, 'Error')}", headers)
        return [self.body]


def json_reply(document: object, status: int = 200) -> Reply:
    return Reply(status, json.dumps(document, ensure_ascii=False).encode("utf-8"))


def problem_reply(
    code: ProblemCode,
    *,
    detail: str | None = None,
    instance: str | None = None,
    headers: Iterable[tuple[str, str]] = (),
) -> Reply:
    document = problem(code, detail=detail, instance=instance)
    return Reply(document.status, document.to_bytes(), PROBLEM_CONTENT_TYPE, list(headers))


def refuse(code: ProblemCode, detail: str | None = None) -> Refusal:
    return Refusal(problem_reply(code, detail=detail))


def read_body(environ: dict[str, Any], cap: int) -> bytes:
    """The body, exactly its declared length; refused when over ``cap`` before reading."""
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw:
        return b""
    try:
        length = int(raw)
    except ValueError as exc:
        raise refuse(ProblemCode.MALFORMED_REQUEST, "Content-Length is not a number.") from exc
    if length < 0:
        raise refuse(ProblemCode.MALFORMED_REQUEST, "Content-Length is negative.")
    if length > cap:
        raise refuse(ProblemCode.PAYLOAD_TOO_LARGE, f"At most {cap} bytes.")
    data: bytes = environ["wsgi.input"].read(length) if length else b""
    if len(data) != length:
        raise refuse(ProblemCode.MALFORMED_REQUEST, "The body is shorter than declared.")
    return data


def media_type(environ: dict[str, Any]) -> str:
    return str(environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()


def json_object(data: bytes) -> dict[str, Any]:
    """An empty body is ``{}``; anything else must be one JSON object."""
    if not data.strip():
        return {}
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise refuse(ProblemCode.INVALID_JSON) from exc
    if not isinstance(document, dict):
        raise refuse(ProblemCode.INVALID_JSON, "A JSON object is expected.")
    return document


def validated(model: type[M], document: dict[str, Any]) -> M:
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        reply = validation_problem(exc)
        raise Refusal(Reply(422, reply.to_bytes(), PROBLEM_CONTENT_TYPE)) from exc


def invalid(field_name: str, code: str, message: str) -> Refusal:
    document = problem(
        ProblemCode.VALIDATION_FAILED,
        detail="1 field not valid.",
        errors=[FieldError.of(field_name, code, message)],
    )
    return Refusal(Reply(422, document.to_bytes(), PROBLEM_CONTENT_TYPE))


def multipart(data: bytes, content_type: str) -> list[Part]:
    try:
        return parse_multipart(data, content_type, max_parts=2)
    except MultipartError as exc:
        raise refuse(ProblemCode.MALFORMED_REQUEST, "The multipart body is malformed.") from exc


def file_reply(file: DeskFile, inline_safe: frozenset[str]) -> Reply:
    """A note's file as an attachment. Its declared type is kept only when it is one of
    ``inline_safe`` (photos, PDF); anything else a note holds goes out as bytes, never as a
    type a browser would render (HTML, SVG, script). ``nosniff`` is on every answer."""
    kind = file.mimetype.lower()
    headers = [
        ("Content-Disposition", _disposition(file.name)),
        # The bytes are the citizen's: never run as a page, even opened in a tab.
        ("Content-Security-Policy", "default-src 'none'; sandbox"),
    ]
    return Reply(
        200, file.data, kind if kind in inline_safe else "application/octet-stream", headers
    )


def _disposition(name: str) -> str:
    """``attachment``, an ASCII fallback and the UTF-8 name (RFC 6266 section 4.3, RFC 8187)."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", name)[:150] or "fichier"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name[:150], safe='')}"

"""From request bytes to a ``SubmissionInput``: content type, size cap, strict JSON, multipart.

JSON is read strictly (RFC 8259): UTF-8 only (section 8.1), no duplicate member names (section
4 leaves their meaning undefined; we refuse rather than pick one), no ``NaN``/``Infinity`` (not
JSON), a bounded nesting depth.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cityzen_connector._strict_json import no_duplicate_members, refuse_constant
from cityzen_connector.models import FieldError, ProblemCode
from cityzen_connector.sync.intake import IncomingFile, InvalidSubmissionError, SubmissionInput

from ._errors import BodyError, MultipartError
from ._http import ApiRequest
from ._multipart import Part, header_params, parse_multipart

_MAX_DEPTH = 32
SUBMISSION_PART = "submission"
ATTACHMENTS_PART = "attachments"
MESSAGE_PART = "message"


def _depth(value: Any, limit: int = _MAX_DEPTH) -> int:
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            break
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text, object_pairs_hook=no_duplicate_members, parse_constant=refuse_constant
        )
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BodyError(ProblemCode.INVALID_JSON, "the body is not valid UTF-8 JSON") from None
    if _depth(value) > _MAX_DEPTH:
        raise BodyError(ProblemCode.INVALID_JSON, f"JSON nested deeper than {_MAX_DEPTH}")
    return value


def _object(value: Any, location: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidSubmissionError(
            [FieldError.of(location, "model_type", "a JSON object is expected")]
        )
    return value


def _media_type(request: ApiRequest) -> tuple[str, dict[str, str]]:
    raw = request.headers.get("content-type", "")
    try:
        return header_params(raw)
    except MultipartError:
        raise BodyError(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "unreadable Content-Type") from None


def read_submission(request: ApiRequest, *, max_body_bytes: int) -> SubmissionInput:
    """The submission in a POST body; ``BodyError`` or ``InvalidSubmissionError`` if unreadable."""
    if len(request.body) > max_body_bytes:
        raise BodyError(ProblemCode.PAYLOAD_TOO_LARGE, f"the body exceeds {max_body_bytes} bytes")
    kind, params = _media_type(request)
    key = request.headers.get("idempotency-key")
    if kind == "application/json":
        if params.get("charset", "utf-8").lower() != "utf-8":
            raise BodyError(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "JSON must be UTF-8")
        body = _object(parse_json(request.body), "(body)")
        return SubmissionInput(body=body, idempotency_key=key)
    if kind == "multipart/form-data":
        return _read_multipart(request, key)
    raise BodyError(
        ProblemCode.UNSUPPORTED_MEDIA_TYPE,
        "send application/json or multipart/form-data",
    )


def _part_kind(content_type: str | None) -> str:
    if content_type is None:
        return "text/plain"  # RFC 7578 section 4.4: the default of a part without a type
    try:
        return header_params(content_type)[0]
    except MultipartError:
        return ""


def _read_multipart(
    request: ApiRequest, key: str | None, document: str = SUBMISSION_PART
) -> SubmissionInput:
    """A JSON part named ``document`` and file parts (a citizen's message: ``message``)."""
    try:
        parts = parse_multipart(request.body, request.headers.get("content-type", ""))
    except MultipartError as exc:
        raise BodyError(ProblemCode.INVALID_JSON, f"malformed multipart body: {exc}") from None
    files = [p for p in parts if _is_file(p)]
    documents = [p for p in parts if not _is_file(p) and p.name == document]
    others = [p for p in parts if not _is_file(p) and p.name != document]
    if len(documents) != 1:
        problem = FieldError.of(document, "missing", f"exactly one JSON part '{document}'")
        raise InvalidSubmissionError([problem])
    if others:
        problems = [
            FieldError.of(f"multipart.{p.name[:64]}", "extra_forbidden", "unexpected part")
            for p in others
        ]
        raise InvalidSubmissionError(problems)
    if _part_kind(documents[0].content_type) not in ("application/json", "text/plain"):
        raise BodyError(ProblemCode.UNSUPPORTED_MEDIA_TYPE, f"the {document} part must be JSON")
    body = _object(parse_json(documents[0].data), document)
    incoming = [IncomingFile(data=p.data, file_name=p.filename) for p in files]
    return SubmissionInput(body=body, files=incoming, idempotency_key=key)


def _is_file(part: Part) -> bool:
    # The document names the file parts "attachments"; RFC 7578 section 4.2 makes a filename
    # a SHOULD, so such a part is a file even without one. A part of any other name with a
    # filename is a file too (clients name their file fields as they like).
    return part.filename is not None or part.name == ATTACHMENTS_PART


def read_message(request: ApiRequest, *, max_body_bytes: int) -> SubmissionInput:
    """A citizen's message: JSON, or multipart with a JSON part ``message`` and its files."""
    kind, params = _media_type(request)
    if kind == "application/json":
        if params.get("charset", "utf-8").lower() != "utf-8":
            raise BodyError(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "JSON must be UTF-8")
        return SubmissionInput(body=_object(parse_json(request.body), "(body)"))
    if kind == "multipart/form-data":
        if len(request.body) > max_body_bytes:
            raise BodyError(
                ProblemCode.PAYLOAD_TOO_LARGE, f"the body exceeds {max_body_bytes} bytes"
            )
        return _read_multipart(request, None, MESSAGE_PART)
    raise BodyError(
        ProblemCode.UNSUPPORTED_MEDIA_TYPE, "send application/json or multipart/form-data"
    )

"""Plain HTTP request and response values, independent of ``azure.functions``.

The Blueprint turns a ``func.HttpRequest`` into an ``ApiRequest`` and an ``ApiResponse`` back
into a ``func.HttpResponse``; everything between is testable without the Functions runtime.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cityzen_connector._types import Headers
from cityzen_connector.models import PROBLEM_CONTENT_TYPE, FieldError, ProblemCode, problem

JSON = "application/json"


@dataclass(frozen=True)
class ApiRequest:
    """An HTTP request as the use cases' adapter sees it.

    ``path`` is the route below ``/api`` (``/v1/requests``), without the query string.
    ``function_key_valid``: the Functions host (or our own check) accepted a function key.
    """

    method: str
    path: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = field(default=b"", repr=False)
    query: Mapping[str, str] = field(default_factory=dict, repr=False)
    function_key_valid: bool = False


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(
    status: int, payload: BaseModel | Mapping[str, Any], **headers: str
) -> ApiResponse:
    if isinstance(payload, BaseModel):
        body = payload.model_dump_json().encode()
    else:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return ApiResponse(status, body, {"Content-Type": JSON, **_names(headers)})


def problem_response(
    code: ProblemCode | str,
    *,
    detail: str | None = None,
    instance: str | None = None,
    errors: Iterable[FieldError] = (),
    **headers: str,
) -> ApiResponse:
    doc = problem(code, detail=detail, instance=instance, errors=errors)
    return ApiResponse(
        doc.status,
        doc.to_bytes(),
        {"Content-Type": PROBLEM_CONTENT_TYPE, **_names(headers)},
    )


def _names(headers: Mapping[str, str]) -> dict[str, str]:
    """Keyword arguments to header names: ``www_authenticate`` → ``WWW-Authenticate``."""
    special = {"etag": "ETag", "www_authenticate": "WWW-Authenticate"}
    return {
        special.get(k, "-".join(p.capitalize() for p in k.split("_"))): v
        for k, v in headers.items()
    }

"""Requests as data: a ``DataverseRequest`` says what to send, whether a repeat is harmless,
and what the response means. Building one does no I/O; ``interpret`` reads a response."""

from __future__ import annotations

import enum
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Self

from cityzen_connector._types import Headers, JsonObject

from ._errors import AlreadyExistsError, DataverseError, UnexpectedResponseError
from ._http import HttpResponse


class Expect(enum.Enum):
    """What a successful response carries."""

    NOTHING = "nothing"  # 204 No Content (update, delete, $ref)
    ENTITY = "entity"  # a write: OData-EntityId header, or the record with return=representation
    RECORD = "record"  # one JSON object (retrieve)
    COLLECTION = "collection"  # {"value": [...], "@odata.nextLink": ...}
    JSON = "json"  # an action/function result (JSON object, or 204 for none)


@dataclass(frozen=True)
class DataverseRequest:
    """One Web API call, relative to the service root ``<org>/api/data/v9.2/``."""

    method: str
    path: str
    operation: str
    expect: Expect
    safe_to_repeat: bool
    query: tuple[tuple[str, str], ...] = ()
    headers: Headers = field(default_factory=Headers)
    prefer: tuple[str, ...] = ()
    body: Mapping[str, Any] | None = None

    def __repr__(self) -> str:
        # No body: it holds personal data.
        return f"DataverseRequest({self.method} {self.path}, {self.operation!r})"

    def with_headers(self, extra: Mapping[str, str]) -> Self:
        return replace(self, headers=self.headers.merged(extra))

    def with_prefer(self, *preferences: str) -> Self:
        return replace(self, prefer=self.prefer + preferences)


@dataclass(frozen=True)
class WriteResult:
    """What a create/update/upsert returned. ``created`` is known only with a representation
    (201 Created vs 200 OK); with 204 Dataverse does not say."""

    id: uuid.UUID | None
    entity_url: str | None = None
    record: JsonObject | None = None
    created: bool | None = None


@dataclass(frozen=True)
class Page:
    records: list[JsonObject]
    next_link: str | None = None
    count: int | None = None


_ENTITY_ID = re.compile(r"\(([0-9a-fA-F-]{36})\)\s*$")


def entity_id_from_url(url: str | None) -> uuid.UUID | None:
    """The GUID in ``.../contacts(00000000-...)``; None for alternate-key URLs."""
    if not url:
        return None
    match = _ENTITY_ID.search(url)
    return uuid.UUID(match.group(1)) if match else None


def decode_json(response: HttpResponse, operation: str) -> JsonObject:
    try:
        doc = json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        doc = None
    if not isinstance(doc, dict):
        content_type = response.headers.get("Content-Type", "unknown")
        raise UnexpectedResponseError(
            f"{operation}: expected a JSON object, got {content_type[:60]}",
            status=response.status,
            request_id=response.headers.get("x-ms-service-request-id"),
        )
    return doc


def interpret(  # noqa: PLR0911 - one return per kind of answer
    request: DataverseRequest, response: HttpResponse
) -> WriteResult | JsonObject | Page | None:
    """The meaning of a successful (2xx) response to ``request``."""
    expect, op = request.expect, request.operation
    if expect is Expect.NOTHING:
        return None
    if expect is Expect.ENTITY:
        url = response.headers.get("OData-EntityId") or response.headers.get("Location")
        if response.status == 204 or not response.body:
            return WriteResult(entity_id_from_url(url), url)
        record = decode_json(response, op)
        record_id = entity_id_from_url(url) or entity_id_from_url(record.get("@odata.id"))
        return WriteResult(record_id, url, record, created=response.status == 201)
    if expect is Expect.RECORD:
        return decode_json(response, op)
    if expect is Expect.COLLECTION:
        doc = decode_json(response, op)
        records = doc.get("value")
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise UnexpectedResponseError(f"{op}: no 'value' list in the collection")
        count = doc.get("@odata.count")
        next_link = doc.get("@odata.nextLink")
        return Page(
            records,
            next_link if isinstance(next_link, str) else None,
            count if isinstance(count, int) else None,
        )
    if response.status == 204 or not response.body:
        return {}
    return decode_json(response, op)


def refine_error(request: DataverseRequest, error: DataverseError) -> DataverseError:
    """A 412 answering ``If-None-Match: *`` means "already exists", whatever the message."""
    if error.status == 412 and request.headers.get("If-None-Match") == "*":
        if isinstance(error, AlreadyExistsError):
            return error
        return AlreadyExistsError(
            error.message,
            status=412,
            code=error.code,
            retry_after=error.retry_after,
            request_id=error.request_id,
            client_request_id=error.client_request_id,
        )
    return error

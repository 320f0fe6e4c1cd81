"""Requests as data: a ``DataverseRequest[T]`` says what to send, whether a repeat is harmless,
and what the response means: its ``expect`` reads a 2xx response into a ``T``. Building one does
no I/O; ``interpret`` reads a response.

The result type is not declared twice: ``T`` is the type of the ``Expect`` value the request
carries (``Expect.ENTITY`` is an ``Expect[WriteResult]``), so a request's type and the way its
response is read cannot disagree.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import unquote

from cityzen_connector._types import Headers, JsonObject

from ._errors import AlreadyExistsError, DataverseError, UnexpectedResponseError
from ._http import HttpResponse

if TYPE_CHECKING:
    # PEP 696 default: a bare ``DataverseRequest`` is a ``DataverseRequest[object]``, any
    # request. typing_extensions for the type checker only: importing it costs ~7 ms per cold
    # start, and Python 3.11's TypeVar takes no default.
    from typing_extensions import TypeVar as DefaultedTypeVar

    ResultT_co = DefaultedTypeVar("ResultT_co", covariant=True, default=object)
else:
    ResultT_co = TypeVar("ResultT_co", covariant=True)
R = TypeVar("R")


class Expect(Generic[ResultT_co]):
    """What a successful response carries, and how to read it: five named values, each typed
    by what it reads (an enum member could not carry that type)."""

    NOTHING: ClassVar[Expect[None]]  # 204 No Content (update, delete, $ref)
    ENTITY: ClassVar[Expect[WriteResult]]  # OData-EntityId, or the row (return=representation)
    RECORD: ClassVar[Expect[JsonObject]]  # one JSON object (retrieve)
    COLLECTION: ClassVar[Expect[Page]]  # {"value": [...], "@odata.nextLink": ...}
    JSON: ClassVar[Expect[JsonObject]]  # an action/function result ({} for a 204)

    __slots__ = ("_read", "name")

    def __init__(self, name: str, read: Callable[[HttpResponse, str], ResultT_co]) -> None:
        self.name = name
        self._read = read

    def read(self, response: HttpResponse, operation: str) -> ResultT_co:
        """The meaning of a 2xx ``response``; ``operation`` names the call in errors."""
        return self._read(response, operation)

    def __repr__(self) -> str:
        return f"Expect.{self.name}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles stay the one named value (as enum members do).
        return (getattr, (Expect, self.name))


@dataclass(frozen=True)
class DataverseRequest(Generic[ResultT_co]):
    """One Web API call, relative to the service root ``<org>/api/data/v9.2/``. Its type
    parameter is what a 2xx response means (``DataverseRequest[WriteResult]``, ``[JsonObject]``,
    ``[Page]``, ``[None]``): what ``DataverseClient.execute`` returns for it."""

    method: str
    path: str
    operation: str
    expect: Expect[ResultT_co]
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
    """A page of rows. A FetchXML page ("Page results using FetchXml") also says whether more
    rows remain and gives the paging cookie (decoded) the next page's query carries."""

    records: list[JsonObject]
    next_link: str | None = None
    count: int | None = None
    paging_cookie: str | None = None
    more_records: bool = False


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


def _nothing(response: HttpResponse, operation: str) -> None:
    return None


def _write(response: HttpResponse, operation: str) -> WriteResult:
    url = response.headers.get("OData-EntityId") or response.headers.get("Location")
    if response.status == 204 or not response.body:
        return WriteResult(entity_id_from_url(url), url)
    record = decode_json(response, operation)
    record_id = entity_id_from_url(url) or entity_id_from_url(record.get("@odata.id"))
    return WriteResult(record_id, url, record, created=response.status == 201)


def _collection(response: HttpResponse, operation: str) -> Page:
    doc = decode_json(response, operation)
    records = doc.get("value")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise UnexpectedResponseError(f"{operation}: no 'value' list in the collection")
    count = doc.get("@odata.count")
    next_link = doc.get("@odata.nextLink")
    cookie = doc.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie")
    return Page(
        records,
        next_link if isinstance(next_link, str) else None,
        count if isinstance(count, int) else None,
        paging_cookie=paging_cookie(cookie) if isinstance(cookie, str) else None,
        more_records=doc.get("@Microsoft.Dynamics.CRM.morerecords") is True,
    )


_PAGING_COOKIE = re.compile(r'\spagingcookie="([^"]*)"')


def paging_cookie(annotation: str) -> str | None:
    """The cookie inside ``<cookie pagenumber="2" pagingcookie="%253ccookie…" … />``: its
    ``pagingcookie`` attribute, URL-decoded twice ("Page results using FetchXml")."""
    match = _PAGING_COOKIE.search(annotation)
    return unquote(unquote(match.group(1))) if match else None


def _json(response: HttpResponse, operation: str) -> JsonObject:
    if response.status == 204 or not response.body:
        return {}
    return decode_json(response, operation)


Expect.NOTHING = Expect("NOTHING", _nothing)
Expect.ENTITY = Expect("ENTITY", _write)
Expect.RECORD = Expect("RECORD", decode_json)
Expect.COLLECTION = Expect("COLLECTION", _collection)
Expect.JSON = Expect("JSON", _json)


def interpret(request: DataverseRequest[R], response: HttpResponse) -> R:
    """The meaning of a successful (2xx) response to ``request``."""
    return request.expect.read(response, request.operation)


def refine_error(request: DataverseRequest[object], error: DataverseError) -> DataverseError:
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

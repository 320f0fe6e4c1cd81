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
from ._odata import Literal as ODataLiteral
from ._odata import parse_row_url

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
    ENTITY: ClassVar[Expect[WriteResult]]  # the row (return=representation), or OData-EntityId
    RECORD: ClassVar[Expect[JsonObject]]  # one JSON object (retrieve)
    COLLECTION: ClassVar[Expect[Page]]  # {"value": [...], "@odata.nextLink": ...}
    JSON: ClassVar[Expect[JsonObject]]  # an action/function result ({} for a 204)

    __slots__ = ("_read", "name")

    def __init__(
        self, name: str, read: Callable[[HttpResponse, DataverseRequest[Any]], ResultT_co]
    ) -> None:
        self.name = name
        self._read = read

    def read(self, response: HttpResponse, request: DataverseRequest[Any]) -> ResultT_co:
        """The meaning of a 2xx ``response`` to ``request`` (its operation names the call in
        errors; a write's primary id column says where the row's id is)."""
        return self._read(response, request)

    def __repr__(self) -> str:
        return f"Expect.{self.name}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Copies and pickles stay the one named value (as enum members do).
        return (getattr, (Expect, self.name))


@dataclass(frozen=True)
class DataverseRequest(Generic[ResultT_co]):
    """One Web API call, relative to the service root ``<org>/api/data/v9.2/``. Its type
    parameter is what a 2xx response means (``DataverseRequest[WriteResult]``, ``[JsonObject]``,
    ``[Page]``, ``[None]``): what ``DataverseClient.execute`` returns for it. ``primary_id``
    (writes): the table's primary key column, where a returned row carries the row's id."""

    method: str
    path: str
    operation: str
    expect: Expect[ResultT_co]
    safe_to_repeat: bool
    query: tuple[tuple[str, str], ...] = ()
    headers: Headers = field(default_factory=Headers)
    prefer: tuple[str, ...] = ()
    body: Mapping[str, Any] | None = None
    primary_id: str | None = None

    def __repr__(self) -> str:
        # No body: it holds personal data.
        return f"DataverseRequest({self.method} {self.path}, {self.operation!r})"

    def with_headers(self, extra: Mapping[str, str]) -> Self:
        return replace(self, headers=self.headers.merged(extra))

    def with_prefer(self, *preferences: str) -> Self:
        return replace(self, prefer=self.prefer + preferences)


@dataclass(frozen=True)
class WriteResult:
    """What a create/update/upsert returned.

    ``id``: the row's GUID, from the returned row's primary key column, else from a GUID
    ``OData-EntityId``; None when neither came back (a 204 to a PATCH by alternate key names the
    row by its key: ``key`` then holds the key's columns and values). ``created``: True or False
    where the reply or the request says it (201 or 200 with a representation; a POST, a
    create-only or an update-only PATCH), None for a 204 to a plain upsert: "the response
    doesn't tell you whether it created a record" ("Use Upsert to Create or Update a record").
    """

    id: uuid.UUID | None
    entity_url: str | None = None
    record: JsonObject | None = None
    created: bool | None = None
    key: dict[str, ODataLiteral] | None = None


@dataclass(frozen=True)
class Page:
    """A page of rows. A FetchXML page ("Page results using FetchXml") also says whether more
    rows remain and gives the paging cookie (decoded) the next page's query carries. The last
    page of a change-tracking answer (``Prefer: odata.track-changes``) carries the
    ``@odata.deltaLink`` that asks for the changes since ("Use change tracking to synchronize
    data with external systems")."""

    records: list[JsonObject]
    next_link: str | None = None
    count: int | None = None
    paging_cookie: str | None = None
    more_records: bool = False
    delta_link: str | None = None


def entity_id_from_url(url: str | None) -> uuid.UUID | None:
    """The GUID in ``.../contacts(00000000-...)``; None for alternate-key URLs."""
    row = parse_row_url(url)
    return row[1] if row is not None and isinstance(row[1], uuid.UUID) else None


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


def _nothing(response: HttpResponse, request: DataverseRequest[Any]) -> None:
    return None


def _record(response: HttpResponse, request: DataverseRequest[Any]) -> JsonObject:
    return decode_json(response, request.operation)


def _write(response: HttpResponse, request: DataverseRequest[Any]) -> WriteResult:
    """Learn, "Create a table row" and "Update and delete table rows": with
    ``return=representation`` the row comes back (201/200) and "the OData-EntityId header ...
    is not returned", so the id is the row's primary key column; a 204 names the row in
    ``OData-EntityId`` (``Location`` too, in the ``$batch`` examples) by GUID, or by the
    alternate key it was addressed with ("Use Upsert to Create or Update a record")."""
    url = response.headers.get("OData-EntityId") or response.headers.get("Location")
    record = None if response.status == 204 or not response.body else _record(response, request)
    row = parse_row_url(url) or parse_row_url(_text((record or {}).get("@odata.id")))
    named = row[1] if row is not None else None
    key = named if isinstance(named, dict) else None
    record_id = _guid((record or {}).get(request.primary_id or ""))
    if record_id is None and isinstance(named, uuid.UUID):
        record_id = named
    primary = request.primary_id
    if record_id is None and key is not None and primary is not None and list(key) == [primary]:
        record_id = _guid(key[primary])  # contacts(contactid=<guid>): a key, yet the id
    return WriteResult(record_id, url, record, _created(response, request), key)


def _created(response: HttpResponse, request: DataverseRequest[Any]) -> bool | None:
    """201 Created / 200 OK with a representation; otherwise what the request allowed: a POST
    only creates, ``If-None-Match: *`` only creates, ``If-Match`` only updates ("Perform
    conditional operations using the Web API", Limit upsert operations)."""
    if response.status in (200, 201):
        return response.status == 201
    if request.method == "POST":
        return True
    if request.headers.get("If-None-Match") == "*":
        return True
    if request.headers.get("If-Match") is not None:
        return False
    return None


def _guid(value: object) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _collection(response: HttpResponse, request: DataverseRequest[Any]) -> Page:
    operation = request.operation
    doc = decode_json(response, operation)
    records = doc.get("value")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise UnexpectedResponseError(f"{operation}: no 'value' list in the collection")
    count = doc.get("@odata.count")
    next_link = doc.get("@odata.nextLink")
    delta_link = doc.get("@odata.deltaLink")
    cookie = doc.get("@Microsoft.Dynamics.CRM.fetchxmlpagingcookie")
    return Page(
        records,
        next_link if isinstance(next_link, str) else None,
        count if isinstance(count, int) else None,
        paging_cookie=paging_cookie(cookie) if isinstance(cookie, str) else None,
        more_records=doc.get("@Microsoft.Dynamics.CRM.morerecords") is True,
        delta_link=delta_link if isinstance(delta_link, str) else None,
    )


_PAGING_COOKIE = re.compile(r'\spagingcookie="([^"]*)"')


def paging_cookie(annotation: str) -> str | None:
    """The cookie inside ``<cookie pagenumber="2" pagingcookie="%253ccookie…" … />``: its
    ``pagingcookie`` attribute, URL-decoded twice ("Page results using FetchXml")."""
    match = _PAGING_COOKIE.search(annotation)
    return unquote(unquote(match.group(1))) if match else None


def _json(response: HttpResponse, request: DataverseRequest[Any]) -> JsonObject:
    if response.status == 204 or not response.body:
        return {}
    return decode_json(response, request.operation)


Expect.NOTHING = Expect("NOTHING", _nothing)
Expect.ENTITY = Expect("ENTITY", _write)
Expect.RECORD = Expect("RECORD", _record)
Expect.COLLECTION = Expect("COLLECTION", _collection)
Expect.JSON = Expect("JSON", _json)


def interpret(request: DataverseRequest[R], response: HttpResponse) -> R:
    """The meaning of a successful (2xx) response to ``request``."""
    return request.expect.read(response, request)


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

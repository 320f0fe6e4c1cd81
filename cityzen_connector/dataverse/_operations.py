"""Pure builders: each returns a ``DataverseRequest[T]`` and does no I/O; ``T`` is what the
response means (``WriteResult``, ``JsonObject``, ``Page`` or ``None``) and what
``DataverseClient.execute`` returns.

Wire shapes follow Microsoft Learn, "Create a table row", "Retrieve a table row", "Update and
delete table rows", "Use Upsert to create or update a record", "Associate and disassociate
table rows" and "Use Web API actions/functions" (Dataverse Web API v9.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from cityzen_connector._types import Headers, JsonObject

from ._errors import InvalidRequestError
from ._fetch import PAGING_ANNOTATIONS, with_page
from ._odata import Key, check_name, check_path, guid, key_segment, literal
from ._odata import Literal as ODataLiteral
from ._query import Expand, Query
from ._request import DataverseRequest, Expect, Page, WriteResult

UpsertMode = Literal["upsert", "create_only", "update_only"]
RETURN_REPRESENTATION = "return=representation"
_CRM = "Microsoft.Dynamics.CRM."


def _record(record: Mapping[str, Any], what: str = "record") -> dict[str, Any]:
    if not isinstance(record, Mapping):
        raise InvalidRequestError(f"{what} must be a JSON object")
    for name in record:
        if not isinstance(name, str) or not name:
            raise InvalidRequestError(f"{what} has an empty or non-string column name")
    return dict(record)


def _row(entity_set: str, key: Key) -> str:
    """``contacts(<guid>)`` or ``contacts(cz_portalid='x')``, both parts checked."""
    return check_name(entity_set, "entity set name") + key_segment(key)


def ref(entity_set: str, key: Key) -> str:
    """A relative reference to a row for ``@odata.bind`` values, e.g.
    ``{"customerid_contact@odata.bind": ref("contacts", {"cz_portalid": pid})}``; the key is
    escaped like any literal ("Use an alternate key to reference a record")."""
    return "/" + _row(entity_set, key)


def _primary_id(primary_id: str | None) -> str | None:
    """The column a returned row holds its id in (``contactid`` for ``contacts``). Not guessed
    from the entity set: Learn ("Web API service documents") warns that the entity set name only
    matches the table's "by default ... don't depend on this value"."""
    return check_name(primary_id, "primary id column") if primary_id is not None else None


def _select(columns: Iterable[str]) -> tuple[tuple[str, str], ...]:
    names = [check_path(c) for c in columns]
    return (("$select", ",".join(names)),) if names else ()


def create(
    entity_set: str,
    record: Mapping[str, Any],
    *,
    return_record: bool = False,
    select: Sequence[str] = (),
    suppress_duplicate_detection: bool | None = None,
    primary_id: str | None = None,
) -> DataverseRequest[WriteResult]:
    """POST a new row. Never safe to repeat: a lost 502/504 may hide a create that happened.
    To create idempotently, choose the id and use ``upsert(..., mode="create_only")``.
    ``primary_id``: the column where a returned row holds its id; with ``return_record`` the
    row comes back without ``OData-EntityId`` ("Create with data returned"), so without it
    ``WriteResult.id`` is None."""
    headers = {}
    if suppress_duplicate_detection is not None:
        headers["MSCRM.SuppressDuplicateDetection"] = str(suppress_duplicate_detection).lower()
    return DataverseRequest(
        "POST",
        check_name(entity_set, "entity set name"),
        f"create {entity_set}",
        Expect.ENTITY,
        safe_to_repeat=False,
        query=_select(select) if return_record else (),
        headers=Headers(headers),
        prefer=(RETURN_REPRESENTATION,) if return_record else (),
        body=_record(record),
        primary_id=_primary_id(primary_id),
    )


def retrieve(
    entity_set: str,
    key: Key,
    *,
    select: Sequence[str] = (),
    expand: Sequence[Expand] = (),
) -> DataverseRequest[JsonObject]:
    query = list(_select(select))
    if expand:
        query.append(("$expand", ",".join(e.render() for e in expand)))
    return DataverseRequest(
        "GET",
        _row(entity_set, key),
        f"retrieve {entity_set}",
        Expect.RECORD,
        safe_to_repeat=True,
        query=tuple(query),
    )


def update(
    entity_set: str,
    key: Key,
    changes: Mapping[str, Any],
    *,
    etag: str | None = None,
    return_record: bool = False,
    primary_id: str | None = None,
) -> DataverseRequest[WriteResult]:
    """PATCH an existing row; ``If-Match`` makes it fail with 404 rather than create one.
    With an ETag a repeat would fail on its own success, so only ``*`` is safe to repeat."""
    return DataverseRequest(
        "PATCH",
        _row(entity_set, key),
        f"update {entity_set}",
        Expect.ENTITY,
        safe_to_repeat=etag is None,
        headers=Headers({"If-Match": etag or "*"}),
        prefer=(RETURN_REPRESENTATION,) if return_record else (),
        body=_record(changes, "changes"),
        primary_id=_primary_id(primary_id),
    )


def upsert(
    entity_set: str,
    key: Key,
    record: Mapping[str, Any],
    *,
    mode: UpsertMode = "upsert",
    return_record: bool = False,
    primary_id: str | None = None,
) -> DataverseRequest[WriteResult]:
    """PATCH by id or alternate key: creates or updates. ``create_only`` sends
    ``If-None-Match: *`` (412 if the row exists), ``update_only`` sends ``If-Match: *`` (404 if
    it does not). All three are safe to repeat: a repeat cannot make a second row.

    By alternate key, the id comes back only with ``return_record`` (the row's ``primary_id``
    column): a 204 names the row by its key ("Use Upsert to Create or Update a record"), which
    ``WriteResult.key`` then holds."""
    if mode == "create_only":
        headers = {"If-None-Match": "*"}
    elif mode == "update_only":
        headers = {"If-Match": "*"}
    elif mode == "upsert":
        headers = {}
    else:
        raise InvalidRequestError(f"invalid upsert mode {mode!r}")
    return DataverseRequest(
        "PATCH",
        _row(entity_set, key),
        f"upsert {entity_set}",
        Expect.ENTITY,
        safe_to_repeat=True,
        headers=Headers(headers),
        prefer=(RETURN_REPRESENTATION,) if return_record else (),
        body=_record(record),
        primary_id=_primary_id(primary_id),
    )


def delete(entity_set: str, key: Key, *, etag: str | None = None) -> DataverseRequest[None]:
    return DataverseRequest(
        "DELETE",
        _row(entity_set, key),
        f"delete {entity_set}",
        Expect.NOTHING,
        safe_to_repeat=True,
        headers=Headers({"If-Match": etag} if etag else {}),
    )


def associate(
    entity_set: str,
    key: Key,
    navigation: str,
    target_set: str,
    target_key: Key,
    *,
    service_root: str,
    single_valued: bool = False,
) -> DataverseRequest[None]:
    """Link two rows through ``$ref``: POST for a collection-valued navigation property, PUT
    for a single-valued one. The ``@odata.id`` is absolute, as in Microsoft's examples."""
    target = check_name(target_set, "entity set name") + key_segment(target_key, "target key")
    path = _row(entity_set, key) + "/"
    path += check_name(navigation, "navigation property") + "/$ref"
    return DataverseRequest(
        "PUT" if single_valued else "POST",
        path,
        f"associate {entity_set}.{navigation}",
        Expect.NOTHING,
        safe_to_repeat=True,
        body={"@odata.id": service_root.rstrip("/") + "/" + target},
    )


def disassociate(
    entity_set: str,
    key: Key,
    navigation: str,
    target_id: str | uuid.UUID | None = None,
) -> DataverseRequest[None]:
    """Unlink: ``nav(<target id>)/$ref`` for a collection, ``nav/$ref`` for a single value."""
    path = _row(entity_set, key) + "/"
    path += check_name(navigation, "navigation property")
    if target_id is not None:
        path += f"({guid(target_id, 'target id')})"
    return DataverseRequest(
        "DELETE",
        path + "/$ref",
        f"disassociate {entity_set}.{navigation}",
        Expect.NOTHING,
        safe_to_repeat=True,
    )


def query(request: Query, *, max_page_size: int | None = None) -> DataverseRequest[Page]:
    prefer = (f"odata.maxpagesize={max_page_size}",) if max_page_size else ()
    return DataverseRequest(
        "GET",
        request.entity_set,
        f"query {request.entity_set}",
        Expect.COLLECTION,
        safe_to_repeat=True,
        query=tuple(request.params()),
        prefer=prefer,
    )


def fetch_xml(
    entity_set: str,
    xml: str,
    *,
    page: int | None = None,
    paging_cookie: str | None = None,
) -> DataverseRequest[Page]:
    """GET ``entity_set?fetchXml=…`` ("Use FetchXml to query data", Web API), asking for the
    paging annotations; with ``page`` and the previous page's ``paging_cookie``, the fetch
    element asks for that page ("Page results using FetchXml"). See ``_fetch``."""
    text = xml.strip()
    if not text.startswith("<fetch"):
        raise InvalidRequestError("a FetchXML query starts with its fetch element")
    if page is not None or paging_cookie is not None:
        text = with_page(text, page, paging_cookie)
    return DataverseRequest(
        "GET",
        check_name(entity_set, "entity set name"),
        f"fetchXml {entity_set}",
        Expect.COLLECTION,
        safe_to_repeat=True,
        query=(("fetchXml", text),),
        prefer=(PAGING_ANNOTATIONS,),
    )


def _bound_path(name: str, bound_to: str | tuple[str, Key] | None) -> str:
    check_name(name, "operation name")
    if bound_to is None:
        return name
    if isinstance(bound_to, str):
        return f"{check_name(bound_to, 'entity set name')}/{_CRM}{name}"
    entity_set, key = bound_to
    return f"{_row(entity_set, key)}/{_CRM}{name}"


def action(
    name: str,
    parameters: Mapping[str, Any] | None = None,
    *,
    bound_to: str | tuple[str, Key] | None = None,
    safe_to_repeat: bool = False,
) -> DataverseRequest[JsonObject]:
    """POST an action: unbound (``InsertOptionValue``), bound to a collection (``"contacts"``)
    or to a row (``("contacts", id)``). Actions change data: not repeated unless told."""
    return DataverseRequest(
        "POST",
        _bound_path(name, bound_to),
        f"action {name}",
        Expect.JSON,
        safe_to_repeat=safe_to_repeat,
        body=_record(parameters or {}, "parameters"),
    )


def function(
    name: str,
    parameters: Mapping[str, ODataLiteral] | None = None,
    *,
    bound_to: str | tuple[str, Key] | None = None,
) -> DataverseRequest[JsonObject]:
    """GET a function. Parameter values travel as aliases in the query string
    (``Name(p=@p)?@p='x'``) so that they are escaped like any other literal."""
    path = _bound_path(name, bound_to)
    params = dict(parameters or {})
    if params:
        path += "(" + ",".join(f"{check_name(p, 'parameter')}=@{p}" for p in params) + ")"
    query = tuple((f"@{p}", literal(v)) for p, v in params.items())
    return DataverseRequest(
        "GET", path, f"function {name}", Expect.JSON, safe_to_repeat=True, query=query
    )


def who_am_i() -> DataverseRequest[JsonObject]:
    return function("WhoAmI")

"""Reading collections and single rows: $select, $filter, $orderby, $top, $count, $expand and
server-driven paging (``Prefer: odata.maxpagesize`` → ``@odata.nextLink``), as described in
"Query data using the Web API" on Microsoft Learn. ``$skip`` is refused, as Dataverse does;
``$top`` is ignored under ``Prefer: odata.maxpagesize``, as "Page results using OData" says.
A filtered collection (``teams(<id>)/teammembership_association``, "Use OData to query data")
is the same query restricted to one parent's related rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlencode

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._annotations import Annotations, requested
from cityzen_connector.emulator._expand import (
    parse_expand,
    parse_select,
    row_payload,
    split_options,
)
from cityzen_connector.emulator._filter import parse_filter
from cityzen_connector.emulator._http import Caller, Request
from cityzen_connector.emulator._options import QUERY_OPTIONS
from cityzen_connector.emulator._ordering import MAX_ORDERBY_TERMS, order_by
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._sql import FilterCompiler, QueryEnv

__all__ = [
    "MAX_ORDERBY_TERMS",
    "Scope",
    "check_options",
    "parse_expand",
    "parse_select",
    "query_collection",
    "query_env",
    "row_payload",
    "split_top_level",
    "wants_annotations",
]

DEFAULT_PAGE = 5000
SUPPORTED = frozenset({"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken"})
_PAGE_RE = re.compile(r'pagenumber="(\d{1,9})"')


@dataclass(frozen=True)
class Scope:
    """A filtered collection: the rows of ``where`` (with ``params``), named ``path``."""

    where: str
    params: list[Any]
    path: str


def check_options(query: dict[str, str], allowed: frozenset[str] = SUPPORTED) -> None:
    for name in query:
        if name in QUERY_OPTIONS:  # a collection query hands these to _options first
            raise err.query_error(f"The query option {name} applies to collections only.")
        if name == "$skip":
            raise err.query_error("The query parameter $skip is not supported")
        if name.startswith("$") and name not in allowed:
            raise err.query_error(f"The query parameter {name} is not supported")


def split_top_level(raw: str) -> list[str]:
    return split_options(raw, ",")


def query_env(records: Records, caller: Caller | None = None) -> QueryEnv:
    """What query functions compare with: the caller (the impersonated user under
    impersonation: "Impersonate another user using the Web API"), its business unit, now."""
    user_id = caller.user_id if caller is not None else records.caller_id
    user = records.store.get("systemuser", user_id)
    unit = user.data.get("businessunitid") if user else None
    return QueryEnv(user_id, unit, records.clock())


def wants_annotations(req: Request) -> Annotations | None:
    return requested(req)


def query_collection(
    records: Records, entity: Entity, req: Request, scope: Scope | None = None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    special = next((name for name in req.query if name in QUERY_OPTIONS), None)
    if special is not None:  # served on an entity set only, by the router (_options)
        raise err.not_emulated(f"the {special} query option on a filtered collection", "Query data")
    return _query_collection(records, entity, req, scope)


def _where(
    compiler: FilterCompiler, query: dict[str, str], scope: Scope | None
) -> tuple[str, list[Any]]:
    where, params = "1=1", list[Any]()
    if query.get("$filter", "").strip():
        aliases = {k: v for k, v in query.items() if k.startswith("@")}
        where, params = compiler.compile(parse_filter(query["$filter"], aliases))
    if scope is not None:
        where, params = f"({scope.where}) AND ({where})", [*scope.params, *params]
    return where, params


def _query_collection(
    records: Records, entity: Entity, req: Request, scope: Scope | None
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    query = req.query
    check_options(query)
    env = query_env(records, req.caller)
    select = parse_select(entity, query.get("$select"))
    expand = parse_expand(records, entity, query.get("$expand"), env)
    compiler = FilterCompiler(records.schema, entity, env)
    where, params = _where(compiler, query, scope)
    order_sql, order_params = order_by(compiler, query.get("$orderby"))
    top = _int_option(query, "$top")
    prefer = req.prefer()
    applied: list[str] = []
    page_size = DEFAULT_PAGE
    if "odata.maxpagesize" in prefer:
        try:
            page_size = max(1, min(DEFAULT_PAGE, int(prefer["odata.maxpagesize"])))
        except ValueError:
            raise err.bad_request("The odata.maxpagesize preference must be an integer.") from None
        applied.append(f"odata.maxpagesize={page_size}")
        # "Page results using OData" (Microsoft Learn, .../webapi/query/page-results#dont-use-
        # the-top-query-option-while-paging-records): "Don't use $top with the Prefer:
        # odata.maxpagesize request header. If you include both, $top is ignored."
        top = None
    annotations = wants_annotations(req)
    if annotations is not None:
        applied.append(annotations.applied)
    # One Preference-Applied header listing what was applied (RFC 7240, section 3).
    headers = [("Preference-Applied", ",".join(applied))] if applied else []
    page = 1
    if "$skiptoken" in query:
        match = _PAGE_RE.search(unquote(query["$skiptoken"]))
        if match is None:
            raise err.query_error("The $skiptoken value is not valid.")
        page = int(match.group(1))
    offset = (page - 1) * page_size
    limit = page_size if top is None else max(0, min(page_size, top - offset))
    rows = records.store.select(
        entity.logical_name,
        where=where,
        params=params,
        order=order_sql,
        order_params=order_params,
        limit=limit + 1,
        offset=offset,
    )
    more = len(rows) > limit and (top is None or offset + limit < top)
    rows = rows[:limit]
    context = f"{req.service_root}$metadata#{entity.entity_set}"
    if select:
        context += "(" + ",".join(select) + ")"
    body: dict[str, Any] = {"@odata.context": context}
    if query.get("$count") == "true":
        body["@odata.count"] = records.store.count(entity.logical_name, where, params)
    elif "$count" in query and query["$count"] != "false":
        raise err.query_error(f"'{query['$count']}' is not a valid count option.")
    body["value"] = [
        row_payload(
            records,
            entity,
            r,
            select,
            expand,
            annotations=annotations,
            service_root=req.service_root,
        )
        for r in rows
    ]
    if more:
        rest = {k: v for k, v in query.items() if k != "$skiptoken"}
        cookie = f'<cookie pagenumber="{page + 1}" istracking="False" />'
        path = scope.path if scope is not None else entity.entity_set
        link = f"{req.service_root}{path}?{urlencode(rest, quote_via=quote)}"
        body["@odata.nextLink"] = link + ("&" if rest else "") + "$skiptoken=" + quote(cookie)
    return body, headers


def _int_option(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,9}", raw.strip()):
        raise err.query_error(f"Invalid value '{raw[:50]}' for {name} query option found.")
    return int(raw)

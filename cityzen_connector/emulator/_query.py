"""Reading collections and single rows: $select, $filter, $orderby, $top, $count, $expand and
server-driven paging (``Prefer: odata.maxpagesize`` → ``@odata.nextLink``), as described in
"Query data using the Web API" on Microsoft Learn. ``$skip`` is refused, as Dataverse does;
``$top`` is ignored under ``Prefer: odata.maxpagesize``, as "Page results using OData" says.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, unquote, urlencode

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._annotations import Annotations, requested
from cityzen_connector.emulator._filter import Path, parse_filter
from cityzen_connector.emulator._http import Request
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._sql import FilterCompiler, structural
from cityzen_connector.emulator._store import Row

DEFAULT_PAGE = 5000
# "Order rows using OData" (Microsoft Learn, power-apps/developer/data-platform/webapi/query/
# order-rows) documents no limit on $orderby terms, nor Dataverse's reply past one. The store's
# SQLite sorts by at most 2,000 terms (SQLITE_MAX_COLUMN, "Limits In SQLite"): the emulator
# refuses longer lists loudly, as an OData URI error (0x80060888, _error_catalogue.query_error),
# well below that bound and far above what a client sorts by.
MAX_ORDERBY_TERMS = 100
SUPPORTED = frozenset({"$select", "$filter", "$orderby", "$top", "$count", "$expand", "$skiptoken"})
_PAGE_RE = re.compile(r'pagenumber="(\d{1,9})"')
_ORDER_RE = re.compile(r"^\s*([A-Za-z_][\w/]*)(?:\s+(asc|desc))?\s*$")


def check_options(query: dict[str, str], allowed: frozenset[str] = SUPPORTED) -> None:
    for name in query:
        if name == "$skip":
            raise err.query_error("The query parameter $skip is not supported")
        if name.startswith("$") and name not in allowed:
            raise err.query_error(f"The query parameter {name} is not supported")


def parse_select(entity: Entity, raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        raise err.query_error("The $select query option is empty.")
    for name in names:
        structural(entity, name)
    return names


def split_top_level(raw: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in raw:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise err.syntax_error(len("".join(current)), raw)
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if depth != 0:
        raise err.syntax_error(len(raw), raw)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_expand(
    records: Records, entity: Entity, raw: str | None
) -> list[tuple[str, Entity, str, list[str] | None]]:
    """[(navigation name, target entity, lookup column, nested $select)]."""
    if raw is None:
        return []
    out = []
    for item in split_top_level(raw):
        nav, _, rest = item.partition("(")
        nav = nav.strip()
        found = entity.navigation(nav)
        if found is None:
            raise err.unknown_property(nav, entity.logical_name)
        attr, target_name = found
        target = records.schema.by_name[target_name]
        select = None
        if rest:
            options = rest[:-1] if rest.endswith(")") else rest
            for option in options.split(";"):
                name, _, value = option.partition("=")
                if name.strip() != "$select":
                    raise err.query_error(
                        f"Query option '{name.strip()}' is not supported inside $expand."
                    )
                select = parse_select(target, value)
        out.append((nav, target, attr.name, select))
    return out


def row_payload(
    records: Records,
    entity: Entity,
    row: Row,
    select: list[str] | None,
    expand: list[tuple[str, Entity, str, list[str] | None]],
    *,
    annotations: Annotations | None,
) -> dict[str, Any]:
    payload = records.serialize(entity, row, select, annotations)
    for nav, target, column, nested_select in expand:
        ref = row.data.get(column)
        wanted = row.data.get("__targets", {}).get(column, target.logical_name)
        child = (
            records.store.get(target.logical_name, ref)
            if ref and wanted == target.logical_name
            else None
        )
        payload[nav] = (
            records.serialize(target, child, nested_select, annotations) if child else None
        )
    return payload


def wants_annotations(req: Request) -> Annotations | None:
    return requested(req)


def query_collection(
    records: Records, entity: Entity, req: Request
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    query = req.query
    check_options(query)
    select = parse_select(entity, query.get("$select"))
    expand = parse_expand(records, entity, query.get("$expand"))
    compiler = FilterCompiler(records.schema, entity)
    where, params = "1=1", list[Any]()
    if query.get("$filter", "").strip():
        where, params = compiler.compile(parse_filter(query["$filter"]))
    order_sql, order_params = _order(compiler, query.get("$orderby"))
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
        row_payload(records, entity, r, select, expand, annotations=annotations) for r in rows
    ]
    if more:
        rest = {k: v for k, v in query.items() if k != "$skiptoken"}
        cookie = f'<cookie pagenumber="{page + 1}" istracking="False" />'
        link = f"{req.service_root}{entity.entity_set}?{urlencode(rest, quote_via=quote)}"
        body["@odata.nextLink"] = link + ("&" if rest else "") + "$skiptoken=" + quote(cookie)
    return body, headers


def _int_option(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,9}", raw.strip()):
        raise err.query_error(f"Invalid value '{raw[:50]}' for {name} query option found.")
    return int(raw)


def _order(compiler: FilterCompiler, raw: str | None) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    items = [item for item in (raw or "").split(",") if item.strip()]
    if len(items) > MAX_ORDERBY_TERMS:
        raise err.query_error(f"The $orderby expression has more than {MAX_ORDERBY_TERMS} terms.")
    for item in items:
        match = _ORDER_RE.match(item)
        if match is None:
            raise err.syntax_error(0, raw or "")
        col = compiler.column(Path(tuple(match.group(1).split("/"))))
        params.extend(col.params)
        direction = "DESC" if match.group(2) == "desc" else "ASC"
        parts.append(f"{col.sql} {direction}")
    parts.append("r.id ASC")
    return ", ".join(parts), params

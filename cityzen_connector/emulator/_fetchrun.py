"""``GET {entityset}?fetchXml=…``: a FetchXML query answered as the Web API answers it.

"Use FetchXml to query data" (Microsoft Learn, https://learn.microsoft.com/power-apps/developer/
data-platform/fetchxml/overview, Web API tab): the rows under ``value`` with their
``@odata.etag`` and primary key, no property for a null value, a link-entity's columns named
``alias.column``. "Page results using FetchXml" (…/fetchxml/page-results): ``count`` and
``page``, and with ``Prefer: odata.include-annotations`` the
``@Microsoft.Dynamics.CRM.fetchxmlpagingcookie`` (an XML element whose ``pagingcookie`` is URL-
encoded twice) and ``@Microsoft.Dynamics.CRM.morerecords`` while more rows remain — neither on
the last page. A paging cookie carries the first and last values of the page's order columns
and primary key; the next page starts after the last ones, as Dataverse's does, so a row added
between two requests does not shift a page. A query ordered otherwise than by the entity's own
plain columns gets no cookie ("Some queries do not support paging cookies") and pages by number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._fetchagg import aggregate_row, aggregate_sql, check_limit
from cityzen_connector.emulator._fetchsql import Plan, Sql, compile_fetch, join_all
from cityzen_connector.emulator._fetchvalues import CHOICES, IDS, convert
from cityzen_connector.emulator._fetchxml import Fetch, parse_fetch, parse_xml
from cityzen_connector.emulator._http import Request, Response, json_response
from cityzen_connector.emulator._schema import Attribute, Entity

MAX_TOP = 5000  # the fetch element's top "cannot exceed 5,000"
PAGE = 5000  # "The default and maximum page size is 5,000 rows."
COOKIE = "Microsoft.Dynamics.CRM.fetchxmlpagingcookie"
MORE = "Microsoft.Dynamics.CRM.morerecords"
FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOOKUP_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
# Term = (column name in the cookie, column metadata, SQL it sorts by, descending)
Term = tuple[str, Attribute, Sql, bool]
Wanted = Callable[[str], bool]


def handle_fetch_xml(context: HandlerContext, entity: Entity, req: Request) -> Response:
    _check_request(req)
    fetch = parse_fetch(req.query["fetchXml"])
    if fetch.entity.name != entity.logical_name:
        case = "entities_differ" if fetch.entity.name in context.schema.by_name else "no_entity"
        raise err.query_builder(case, f"Entity: {fetch.entity.name}.")
    size, page = _paging(fetch)
    plan = compile_fetch(context.schema, entity, fetch)
    wanted = _wanted(req)
    joins = "".join(j[0] for j in plan.joins)
    where, where_params = plan.where
    source: Sql = (
        f"FROM records r{joins} WHERE r.entity = ? AND {where}",
        [*(p for j in plan.joins for p in j[1]), entity.logical_name, *where_params],
    )
    terms = None if fetch.aggregate or fetch.distinct else _terms(plan)
    cookie_in = fetch.paging_cookie if terms is not None else None
    offset = 0 if cookie_in else (page - 1) * size
    limit = fetch.top if fetch.top is not None else size + 1
    with context.store.lock:
        if fetch.aggregate:
            query, counted = aggregate_sql(plan, source)
            check_limit(context.store, plan, counted)
            found = context.store.read(query[0] + " LIMIT ? OFFSET ?", [*query[1], limit, offset])
            rows = [aggregate_row(plan, r, wanted(FORMATTED)) for r in found[:size]]
        else:
            found = _select(
                context, plan, source, terms=terms, cookie=cookie_in, limit=limit, offset=offset
            )
            rows = [_row(plan, r, wanted) for r in found[:size]]
    more = fetch.top is None and len(found) > size
    body: dict[str, Any] = {"@odata.context": _context(req, entity, plan)}
    if more and terms is not None and wanted(COOKIE):
        body[f"@{COOKIE}"] = _cookie(terms, page, found[0], found[size - 1])
    if more and wanted(MORE):
        body[f"@{MORE}"] = True
    body["value"] = rows
    headers = []
    annotated = any(k.startswith("@Microsoft.") for k in body)
    if annotated or any("@" in key[1:] for row in rows for key in row):
        value = req.prefer()["odata.include-annotations"]
        headers.append(("Preference-Applied", f'odata.include-annotations="{value}"'))
    return json_response(200, body, headers)


def _check_request(req: Request) -> None:
    for name in req.query:
        # $count=true rides along in the page's example and changes nothing in its answer.
        if name.startswith("$") and name != "$count":
            raise err.fetch_not_emulated(f"query together with the {name} query option")
    prefer = req.prefer()
    for preference in ("odata.maxpagesize", "odata.track-changes"):
        if preference in prefer:
            raise err.fetch_not_emulated(f"query with Prefer: {preference}")


def _paging(fetch: Fetch) -> tuple[int, int]:
    if fetch.top is not None and (fetch.count is not None or fetch.page is not None):
        # "Don't use the fetch element top attribute with paging": not compatible.
        raise err.bad_request("The fetch element's top attribute can't be used with count or page.")
    if fetch.top is not None and fetch.top > MAX_TOP:
        raise err.bad_request(f"The fetch element's top attribute can't exceed {MAX_TOP}.")
    size = min(fetch.count or PAGE, PAGE) if fetch.top is None else fetch.top
    return size, fetch.page or 1


def _wanted(req: Request) -> Wanted:
    """Which annotations ``Prefer: odata.include-annotations`` asks for: ``*``, a name, or a
    ``Namespace.*`` pattern."""
    value = req.prefer().get("odata.include-annotations")
    patterns = [p.strip() for p in (value or "").split(",") if p.strip()]

    def wanted(name: str) -> bool:
        return any(
            p in ("*", name) or (p.endswith(".*") and name.startswith(p[:-1])) for p in patterns
        )

    return wanted


def _terms(plan: Plan) -> list[Term] | None:
    """The columns a paging cookie carries, or None when the order allows no cookie."""
    terms: list[Term] = []
    for sql, descending, col in plan.orders:
        if col is None or col.scope.prefix is not None:
            return None
        if col.attr.is_lookup or col.attr.type in CHOICES:
            return None  # sorted by a name or a label, not by the value a cookie keeps
        terms.append((col.attr.name, col.attr, sql, descending))
    root = plan.scopes[0].entity
    return [*terms, (root.primary_id, root.attributes[root.primary_id], ("r.id", []), False)]


def _select(
    context: HandlerContext,
    plan: Plan,
    source: Sql,
    *,
    terms: list[Term] | None,
    cookie: str | None,
    limit: int,
    offset: int,
) -> list[tuple[Any, ...]]:
    text, params = source
    if cookie is not None and terms is not None:
        after, after_params = _after(terms, cookie)
        text, params = f"{text} AND {after}", [*params, *after_params]
    orders = [(sql, desc) for sql, desc, _ in plan.orders]
    if plan.fetch.distinct:
        cols = [c.sql() for c in plan.columns]
        head = "SELECT DISTINCT " + ", ".join(c[0] for c in cols)
        head_params = [p for c in cols for p in c[1]]
    else:
        head = "SELECT r.id, r.version, " + ", ".join(f"{s.sql}.data" for s in plan.scopes)
        head_params = []
        orders.append((("r.id", []), False))
    order = ", ".join(f"{sql[0]} {'DESC' if desc else 'ASC'}" for sql, desc in orders)
    sql = f"{head} {text}" + (f" ORDER BY {order}" if order else "") + " LIMIT ? OFFSET ?"
    order_params = [p for sql_, _ in orders for p in sql_[1]]
    return context.store.read(sql, [*head_params, *params, *order_params, limit, offset])


def _after(terms: list[Term], cookie: str) -> Sql:
    """Rows after the cookie's last values in the query's order (NULLs sort first ascending,
    last descending, in SQLite as in SQL Server)."""
    root = parse_xml(cookie, "paging-cookie")
    if root.tag != "cookie" or not re.fullmatch(r"\d{1,9}", root.get("page", "")):
        raise err.query_builder("paging_cookie")
    if [child.tag for child in root] != [name for name, *_ in terms]:
        raise err.query_builder("paging_order")
    lasts = [
        None if child.get("last") is None else convert(attr, str(child.get("last")))
        for child, (_, attr, _, _) in zip(root, terms, strict=True)
    ]
    clauses: list[Sql] = []
    for i, (_, _, (sql, params), descending) in enumerate(terms):
        parts: list[Sql] = [
            (f"{s} IS ?", [*p, v]) for (_, _, (s, p), _), v in zip(terms[:i], lasts, strict=False)
        ]
        value = lasts[i]
        if value is None:
            parts.append(("0", []) if descending else (f"{sql} IS NOT NULL", list(params)))
        elif descending:
            parts.append((f"({sql} < ? OR {sql} IS NULL)", [*params, value, *params]))
        else:
            parts.append((f"{sql} > ?", [*params, value]))
        clauses.append(join_all(parts, "AND"))
    return join_all(clauses, "OR")


def _cookie(terms: list[Term], page: int, first: tuple[Any, ...], last: tuple[Any, ...]) -> str:
    """``<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522…" istracking=
    "False" />``: the inner cookie names each order column and the primary key, with the page's
    first and last values (GUIDs as ``{70BF4D48-…}``), URL-encoded twice in lower case."""
    parts = [f'<cookie page="{page}">']
    for name, attr, _, _ in terms:
        values = [_cookie_value(row, name, attr) for row in (last, first)]
        shown = " ".join(
            f'{label}="{escape(v, {chr(34): "&quot;"})}"'
            for label, v in zip(("last", "first"), values, strict=True)
            if v is not None
        )
        parts.append(f"<{name} {shown} />" if shown else f"<{name} />")
    parts.append("</cookie>")
    inner = _encode(_encode("".join(parts)))
    return f'<cookie pagenumber="{page + 1}" pagingcookie="{inner}" istracking="False" />'


def _cookie_value(row: tuple[Any, ...], name: str, attr: Attribute) -> str | None:
    value = json.loads(row[2]).get(name)
    if value is None:
        return None
    return "{" + str(value).upper() + "}" if attr.type in IDS else str(value)


def _encode(text: str) -> str:
    return re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), quote(text, safe=""))


def _context(req: Request, entity: Entity, plan: Plan) -> str:
    base = f"{req.service_root}$metadata#{entity.entity_set}"
    node = plan.fetch.entity
    if plan.fetch.aggregate or plan.fetch.distinct or node.all_attributes or not node.attributes:
        return base
    names = [c.key for c in plan.columns if c.scope.prefix is None and c.spec and not c.spec.alias]
    names = list(dict.fromkeys([*names, entity.primary_id]))
    return f"{base}({','.join(names)})"


def _row(plan: Plan, found: tuple[Any, ...], wanted: Wanted) -> dict[str, Any]:
    distinct = plan.fetch.distinct
    out: dict[str, Any] = {} if distinct else {"@odata.etag": f'W/"{found[1]}"'}
    datas = [] if distinct else [json.loads(d) if d else None for d in found[2:]]
    for i, col in enumerate(plan.columns):
        if distinct:
            value, targets = found[i], {}
        else:
            data = datas[col.scope.index]
            if data is None:
                continue
            value, targets = data.get(col.attr.name), data.get("__targets", {})
        if value is None:
            continue  # "… sent using Web API don't return properties with null values"
        out[col.key] = value
        attr = col.attr
        if attr.is_lookup and not distinct and wanted(LOOKUP_NAME):
            out[f"{col.key}@{LOOKUP_NAME}"] = targets.get(attr.name, next(iter(attr.targets)))
        label = attr.options.get(value) if attr.type in CHOICES else None
        if label is not None and wanted(FORMATTED):
            out[f"{col.key}@{FORMATTED}"] = label
    if not distinct:
        out[plan.scopes[0].entity.primary_id] = found[0]
    return out

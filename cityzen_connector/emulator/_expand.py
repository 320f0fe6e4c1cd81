"""``$select`` and ``$expand``: single-valued navigation properties (the row a lookup names) and
collection-valued ones (the rows of a one-to-many or many-to-many relationship).

"Join tables using OData" (Microsoft Learn, power-apps/developer/data-platform/webapi/query/
join-tables): a collection expanded on an entity set carries ``$select``, ``$filter``,
``$orderby`` and ``$top``, returns up to 5,000 rows without paging, and each parent row gets a
``<property>@odata.nextLink`` naming the filtered collection with those options; the expanded
rows of a one-to-many relationship carry the lookup naming their parent. Expanding a single
record ("Retrieve a table row using the Web API") returns the rows alone. A single-valued
property takes ``$select`` only here; nested ``$expand`` and ``/$ref`` are refused by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._annotations import Annotations
from cityzen_connector.emulator._filter import parse_filter
from cityzen_connector.emulator._ordering import order_by
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._relationships import Collection
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._sql import FilterCompiler, QueryEnv, structural
from cityzen_connector.emulator._store import Row

MAX_EXPANDED = 5000
_PAGE = "Join tables using OData"
_LINK_SAFE = "$,()'=:@/;"


@dataclass(frozen=True)
class Expansion:
    nav: str
    target: Entity
    select: list[str] | None
    lookup: str | None = None  # single-valued: the lookup column of the expanded row
    collection: Collection | None = None
    where: tuple[str, list[Any]] | None = None
    order: tuple[str, list[Any]] = ("r.id ASC", [])
    top: int | None = None
    options: dict[str, str] = field(default_factory=dict)


def split_options(raw: str, sep: str) -> list[str]:
    """Split on ``sep`` outside parentheses and quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for ch in raw:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
            if depth < 0:
                raise err.syntax_error(len("".join(current)), raw)
        if ch == sep and depth == 0 and not quoted:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
    if depth != 0 or quoted:
        raise err.syntax_error(len(raw), raw)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def parse_select(entity: Entity, raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        raise err.query_error("The $select query option is empty.")
    for name in names:
        structural(entity, name)
    return names


def parse_expand(
    records: Records, entity: Entity, raw: str | None, env: QueryEnv | None = None
) -> list[Expansion]:
    if raw is None:
        return []
    out = []
    for item in split_options(raw, ","):
        nav, _, rest = item.partition("(")
        nav = nav.strip()
        options = {}
        for option in split_options(rest[:-1] if rest.endswith(")") else rest, ";"):
            name, _, value = option.partition("=")
            options[name.strip()] = value
        base, slash, ref = nav.partition("/")
        collection = records.schema.relationships.collection(entity.logical_name, base)
        if slash:
            if collection is not None and ref == "$ref":
                raise err.query_error(
                    "Expand with $ref is only supported on lookup type navigation property."
                )
            raise err.not_emulated(f"$expand={nav}", _PAGE)
        if collection is not None:
            out.append(_collection(records, collection, nav, options, env))
            continue
        found = entity.navigation(nav)
        if found is None:
            raise err.unknown_property(nav, entity.logical_name)
        attr, target_name = found
        target = records.schema.by_name[target_name]
        for name in options:
            if name in ("$orderby", "$top"):
                raise err.query_error(
                    "Only $select and $filter clause can be provided while doing $expand on "
                    "many-to-one relationship or nested one-to-many relationship."
                )
            if name in ("$filter", "$expand"):
                raise err.not_emulated(f"{name} inside the $expand of {nav}", _PAGE)
            if name != "$select":
                raise err.query_error(f"Query option '{name}' is not supported inside $expand.")
        out.append(Expansion(nav, target, parse_select(target, options.get("$select")), attr.name))
    return out


def _collection(
    records: Records,
    collection: Collection,
    nav: str,
    options: dict[str, str],
    env: QueryEnv | None,
) -> Expansion:
    target = records.schema.by_name[collection.target]
    for name in options:
        if name == "$expand":
            raise err.not_emulated(f"a nested $expand inside {nav}", _PAGE)
        if name not in ("$select", "$filter", "$orderby", "$top"):
            raise err.query_error(f"Query option '{name}' is not supported inside $expand.")
    compiler = FilterCompiler(records.schema, target, env)
    where = None
    if options.get("$filter", "").strip():
        where = compiler.compile(parse_filter(options["$filter"]))
    top = None
    if "$top" in options:
        if not options["$top"].strip().isdigit() or len(options["$top"].strip()) > 9:
            raise err.query_error(f"Invalid value '{options['$top'][:50]}' for $top.")
        top = int(options["$top"])
    return Expansion(
        nav,
        target,
        parse_select(target, options.get("$select")),
        collection=collection,
        where=where,
        order=order_by(compiler, options.get("$orderby")),
        top=top,
        options=options,
    )


def row_payload(
    records: Records,
    entity: Entity,
    row: Row,
    select: list[str] | None,
    expand: list[Expansion],
    *,
    annotations: Annotations | None,
    service_root: str | None = None,
) -> dict[str, Any]:
    """A row as the Web API returns it; ``service_root`` is given for entity-set queries,
    whose expanded collections carry their parent's lookup and a next link."""
    payload = records.serialize(entity, row, select, annotations)
    for exp in expand:
        if exp.collection is not None:
            payload[exp.nav] = _members(records, exp, row, annotations, service_root)
            if service_root is not None:
                link = f"{service_root}{entity.entity_set}({row.id})/{exp.nav}"
                query = "&".join(f"{k}={quote(v, safe=_LINK_SAFE)}" for k, v in exp.options.items())
                payload[f"{exp.nav}@odata.nextLink"] = link + ("?" + query if query else "")
            continue
        ref = row.data.get(exp.lookup or "")
        wanted = row.data.get("__targets", {}).get(exp.lookup, exp.target.logical_name)
        child = (
            records.store.get(exp.target.logical_name, ref)
            if ref and wanted == exp.target.logical_name
            else None
        )
        payload[exp.nav] = (
            records.serialize(exp.target, child, exp.select, annotations) if child else None
        )
    return payload


def _members(
    records: Records,
    exp: Expansion,
    parent: Row,
    annotations: Annotations | None,
    service_root: str | None,
) -> list[dict[str, Any]]:
    assert exp.collection is not None
    where, params = exp.collection.link("r", "?", [parent.id])
    if exp.where is not None:
        where, params = f"{where} AND ({exp.where[0]})", [*params, *exp.where[1]]
    rows = records.store.select(
        exp.target.logical_name,
        where=where,
        params=params,
        order=exp.order[0],
        order_params=exp.order[1],
        limit=min(exp.top or MAX_EXPANDED, MAX_EXPANDED),
        offset=0,
    )
    out = []
    for member in rows:
        item = records.serialize(exp.target, member, exp.select, annotations)
        lookup = exp.collection.lookup
        if service_root is not None and lookup is not None and exp.select is not None:
            item[f"_{lookup}_value"] = member.data.get(lookup)
        out.append(item)
    return out

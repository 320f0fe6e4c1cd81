"""A FetchXML model checked against the tables' metadata and turned into SQL over ``records``:
the entity is ``r``, each link-entity a join ``l1``, ``l2``… Names only ever reach the SQL text
as the aliases the compiler makes up; columns are JSON paths and values are parameters.

Conditions follow "Filter rows using FetchXml" and "condition operator values"; string
comparisons and orders use the collation of the ``$filter`` compiler (``_sql.TEXT_COLLATION``),
like conditions fold both sides as it compares (``_collation``), and like patterns take the
wildcards of "Use wildcard characters in conditions for string values" (``%``, ``_``, and a
bracketed single character as a literal). Orders follow "Order rows using FetchXml": the
entity's first, then the link-entities', a lookup by the related row's primary name, a choice
by its label; the primary key breaks ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._collation import FOLD
from cityzen_connector.emulator._fetchvalues import CHOICES, DATES, IDS, convert, like_pattern
from cityzen_connector.emulator._fetchxml import Attribute as FetchAttribute
from cityzen_connector.emulator._fetchxml import Condition, Fetch, Filter, Link, Node, Order
from cityzen_connector.emulator._schema import STRING_TYPES, Attribute, Entity, Schema
from cityzen_connector.emulator._sql import TEXT_COLLATION

Sql = tuple[str, list[Any]]
_COMPARE = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


@dataclass
class Scope:
    """The entity (``r``) or one link-entity (``l1``…) of the query."""

    entity: Entity
    sql: str
    prefix: str | None  # the link-entity's alias, which names its columns in the answer
    node: Node
    index: int  # position of its row data in a plain query's result


@dataclass
class Column:
    """One value of the answer: a column of a scope, perhaps aggregated."""

    key: str
    scope: Scope
    attr: Attribute
    spec: FetchAttribute | None = None  # None for all-attributes

    def sql(self) -> Sql:
        return column(self.scope, self.attr)


@dataclass
class Plan:
    schema: Schema
    fetch: Fetch
    scopes: list[Scope] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    joins: list[Sql] = field(default_factory=list)
    where: Sql = ("1=1", [])
    orders: list[tuple[Sql, bool, Column | None]] = field(default_factory=list)


def column(scope: Scope, attr: Attribute) -> Sql:
    return f"json_extract({scope.sql}.data, ?)", [f'$."{attr.name}"']


def compile_fetch(schema: Schema, entity: Entity, fetch: Fetch) -> Plan:
    plan = Plan(schema, fetch)
    root = Scope(entity, "r", None, fetch.entity, 0)
    _scope(schema, plan, root)
    where = [_filters(root, root.node.filters)] if root.node.filters else []
    plan.where = join_all(where, "AND") if where else ("1=1", [])
    seen: set[str] = set()
    for col in plan.columns:
        if col.key in seen and (col.spec is None or col.spec.alias is None):
            continue  # the same column twice: one value, as in Dataverse's answer
        if col.key in seen:
            raise err.query_builder("duplicate_alias", f"Alias: {col.key}.")
        seen.add(col.key)
    _orders(plan)
    return plan


def attribute(entity: Entity, name: str) -> Attribute:
    attr = entity.attributes.get(name)
    if attr is None:
        raise err.query_builder(
            "no_attribute", f"Entity: {entity.logical_name}, attribute: {name}."
        )
    return attr


def _scope(schema: Schema, plan: Plan, scope: Scope) -> None:
    plan.scopes.append(scope)
    node = scope.node
    # "If you do not specify columns, or you use the all-attributes element, data for all
    # columns is returned" ("Select columns using FetchXml"): for the entity, in a row query.
    everything = scope.prefix is None and not node.attributes and not plan.fetch.aggregate
    if node.all_attributes or everything:
        for attr in scope.entity.attributes.values():
            plan.columns.append(Column(_key(scope, attr, None), scope, attr))
    for spec in node.attributes:
        attr = attribute(scope.entity, spec.name)
        plan.columns.append(Column(_key(scope, attr, spec.alias), scope, attr, spec))
    for link in node.links:
        _link(schema, plan, scope, link)


def _key(scope: Scope, attr: Attribute, alias: str | None) -> str:
    """``fullname``, ``_parentcustomerid_value``, ``contact.fullname`` or the alias."""
    if alias:
        return alias
    if scope.prefix is not None:
        return f"{scope.prefix}.{attr.name}"
    return f"_{attr.name}_value" if attr.is_lookup else attr.name


def _link(schema: Schema, plan: Plan, parent: Scope, link: Link) -> None:
    target = schema.by_name.get(link.node.name)
    if target is None:
        if any(r.intersect_entity == link.node.name for r in schema.relationships.many_to_many):
            # Many-to-many pairs are kept for $ref, $expand and lambdas, not as a table.
            raise err.fetch_not_emulated(
                f"link-entity through the intersect table '{link.node.name}'"
            )
        raise err.query_builder("no_entity", f"Entity: {link.node.name}.")
    if any(s.prefix == link.alias for s in plan.scopes):
        raise err.query_builder("duplicate_alias", f"Alias: {link.alias}.")
    scope = Scope(target, f"l{len(plan.scopes)}", link.alias, link.node, len(plan.scopes))
    source, dest = attribute(target, link.from_), attribute(parent.entity, link.to)
    if not (source.type == dest.type or {source.type, dest.type} <= IDS):
        raise err.query_builder("link_types_differ", f"Attributes: {link.from_}, {link.to}.")
    on: list[Sql] = [
        (f"{scope.sql}.entity = ?", [target.logical_name]),
        (
            f"{column(scope, source)[0]} = {column(parent, dest)[0]}",
            [*column(scope, source)[1], *column(parent, dest)[1]],
        ),
    ]
    if link.node.filters:
        # "Filters on link-entity": applied with the join.
        on.append(_filters(scope, link.node.filters))
    text, params = join_all(on, "AND")
    kind = "LEFT JOIN" if link.link_type == "outer" else "JOIN"
    plan.joins.append((f" {kind} records {scope.sql} ON {text}", params))
    _scope(schema, plan, scope)


def join_all(parts: list[Sql], op: str) -> Sql:
    if not parts:
        return ("1=1", []) if op == "AND" else ("1=0", [])
    return "(" + f" {op} ".join(p[0] for p in parts) + ")", [x for p in parts for x in p[1]]


def _filters(scope: Scope, filters: tuple[Filter, ...]) -> Sql:
    return join_all([_filter(scope, f) for f in filters], "AND")


def _filter(scope: Scope, node: Filter) -> Sql:
    parts = [_condition(scope, c) for c in node.conditions]
    parts += [_filter(scope, f) for f in node.filters]
    return join_all(parts, node.type.upper())


def _condition(scope: Scope, cond: Condition) -> Sql:
    attr = attribute(scope.entity, cond.attribute)
    col, params = column(scope, attr)
    op = cond.operator
    if op in ("null", "not-null"):
        return f"({col} IS {'NOT ' if op == 'not-null' else ''}NULL)", params
    plain = col
    if attr.type in IDS:
        col = f"lower({col})"
    elif attr.type in STRING_TYPES:
        col += TEXT_COLLATION
    if op == "in":
        if not cond.values:
            raise err.query_builder("element_missing", "The in operator needs value elements.")
        values = [convert(attr, v) for v in cond.values]
        return f"({col} IN ({', '.join('?' for _ in values)}))", [*params, *values]
    raw = cond.value if cond.value is not None else _single(cond)
    if op in ("like", "not-like", "begins-with", "ends-with"):
        if attr.type not in STRING_TYPES:
            raise _not_for_type(op, attr)
        pattern = like_pattern(raw)
        pattern = {"begins-with": pattern + "%", "ends-with": "%" + pattern}.get(op, pattern)
        negate = "NOT " if op == "not-like" else ""
        # LIKE ignores collations: both sides folded as the collation compares them.
        return f"({negate}{FOLD}({plain}) LIKE ? ESCAPE '\\')", [*params, pattern]
    if op in ("on-or-after", "on-or-before"):
        if attr.type not in DATES:
            raise _not_for_type(op, attr)
        day = str(convert(attr, raw))[:10]
        sign = ">=" if op == "on-or-after" else "<="
        return f"(substr({col}, 1, 10) {sign} ?)", [*params, day]
    return f"({col} {_COMPARE[op]} ?)", [*params, convert(attr, raw)]


def _single(cond: Condition) -> str:
    if len(cond.values) == 1:
        return cond.values[0]
    raise err.query_builder("attribute_missing", f"The {cond.operator} condition needs a value.")


def _not_for_type(op: str, attr: Attribute) -> Exception:
    return err.bad_request(
        f"The condition operator '{op}' is not valid for the attribute '{attr.name}' of type "
        f"'{attr.type}'."
    )


def _orders(plan: Plan) -> None:
    by_alias = {s.prefix: s for s in plan.scopes if s.prefix is not None}
    for scope in plan.scopes:  # the entity's orders first, then each link-entity's
        for order in scope.node.orders:
            plan.orders.append(_order(plan, by_alias, scope, order))


def _order(
    plan: Plan, by_alias: dict[str, Scope], scope: Scope, order: Order
) -> tuple[Sql, bool, Column | None]:
    if plan.fetch.aggregate:
        if order.attribute is not None:
            raise err.query_builder("aggregate_order_attribute")
        found = [c for c in plan.columns if c.spec is not None and c.spec.alias == order.alias]
        if not order.alias or not found:
            raise err.query_builder("aggregate_order_alias", f"Alias: {order.alias}.")
        return ("", []), order.descending, found[0]
    if order.alias is not None:
        raise err.query_builder("plain_order_alias")
    if order.attribute is None:
        raise err.query_builder("plain_order_attribute")
    if order.entityname is not None:
        if order.entityname not in by_alias:
            raise err.query_builder("no_alias", f"Alias: {order.entityname}.")
        scope = by_alias[order.entityname]
    attr = attribute(scope.entity, order.attribute)
    return sort_key(plan.schema, scope, attr), order.descending, Column(attr.name, scope, attr)


def sort_key(schema: Schema, scope: Scope, attr: Attribute) -> Sql:
    """What a column sorts by: its value, a lookup's related primary name, a choice's label."""
    col, params = column(scope, attr)
    if attr.is_lookup:
        # The name column of whichever table the lookup points to (customerid: contact or
        # account); the row with that id in one of the lookup's targets.
        targets = sorted(attr.targets)
        names = " ".join("WHEN ? THEN json_extract(n.data, ?)" for _ in targets)
        sql = (
            f"(SELECT CASE n.entity {names} END FROM records n WHERE n.id = {col} "  # noqa: S608
            f"AND n.entity IN ({', '.join('?' for _ in targets)}))"
        )
        names_params = [
            x
            for t in targets
            for x in (t, f'$."{schema.by_name[t].primary_name}"' if t in schema.by_name else "$.")
        ]
        return sql + TEXT_COLLATION, [*names_params, *params, *targets]
    if attr.type in CHOICES and attr.options:
        cases = " ".join("WHEN ? THEN ?" for _ in attr.options)
        labels = [x for value, label in sorted(attr.options.items()) for x in (value, label)]
        return f"(CASE {col} {cases} END){TEXT_COLLATION}", [*params, *labels]
    if attr.type in STRING_TYPES:  # text sorts under the organisation's collation
        return col + TEXT_COLLATION, params
    return col, params

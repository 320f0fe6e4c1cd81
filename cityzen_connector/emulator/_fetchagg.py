"""Aggregate FetchXML queries ("Aggregate data using FetchXml", Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/fetchxml/aggregate-data).

Each attribute is an aggregate or a group, named by its alias; a row of the answer holds the
aliases (null values left out, as FetchXML answers through the Web API). What the page's
example shows, the emulator does: ``count`` counts rows and ``countcolumn`` non-null values
(``distinct`` for distinct ones), an average of whole numbers is a whole number (3,911 for the
page's employees), a sum over no value is 0 (the "NULL" city's total), and a query over more
than 50,000 rows (or ``aggregatelimit``) answers AggregateQueryRecordLimitExceeded.
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._fetchsql import Column, Plan, Sql
from cityzen_connector.emulator._fetchvalues import CHOICES, DATES, INTEGERS, NUMBERS
from cityzen_connector.emulator._store import Store

AGGREGATE_LIMIT = 50_000
_SUMMABLE = NUMBERS - CHOICES
_ORDERABLE = _SUMMABLE | DATES


def aggregate_sql(plan: Plan, source: Sql) -> tuple[Sql, Sql]:
    """(the grouped SELECT without LIMIT, the count of rows it reads) for ``FROM … WHERE …``."""
    selected: list[Sql] = []
    groups: list[Sql] = []
    for col in plan.columns:
        spec = col.spec
        if spec is None or (spec.aggregate is None and not spec.groupby):
            raise err.query_builder("attribute_with_aggregate", f"Attribute: {col.attr.name}.")
        if spec.aggregate is not None and spec.groupby:
            raise err.query_builder("groupby_and_aggregate", f"Attribute: {col.attr.name}.")
        if not spec.alias:
            raise err.query_builder("aggregate_alias", f"Attribute: {col.attr.name}.")
        expr, params = col.sql()
        if spec.groupby:
            groups.append((expr, params))
            selected.append((expr, params))
            continue
        selected.append(_aggregate(col, expr, params))
    text, params = source
    sql = "SELECT " + ", ".join(s[0] for s in selected) + f" {text}"
    all_params = [*(p for s in selected for p in s[1]), *params]
    if groups:
        sql += " GROUP BY " + ", ".join(g[0] for g in groups)
        all_params += [p for g in groups for p in g[1]]
    positions = {id(c): i + 1 for i, c in enumerate(plan.columns)}
    orders = [
        f"{positions[id(col)]} {'DESC' if descending else 'ASC'}"
        for _, descending, col in plan.orders
        if col is not None
    ]
    if orders:
        sql += " ORDER BY " + ", ".join(orders)
    return (sql, all_params), (f"SELECT count(*) {text}", params)


def _aggregate(col: Column, expr: str, params: list[Any]) -> Sql:
    spec = col.spec
    assert spec is not None
    assert spec.aggregate is not None
    kind, name = spec.aggregate, col.attr.type
    if (kind in ("sum", "avg") and name not in _SUMMABLE) or (
        kind in ("min", "max") and name not in _ORDERABLE
    ):
        raise err.query_builder("aggregate_type", f"Attribute: {col.attr.name}.", kind, name)
    if kind == "count":
        return "COUNT(*)", []
    if kind == "countcolumn":
        return f"COUNT({'DISTINCT ' if spec.distinct else ''}{expr})", params
    if kind == "sum":
        return f"COALESCE(SUM({expr}), 0)", params
    return f"{kind.upper()}({expr})", params


def check_limit(store: Store, plan: Plan, counted: Sql) -> None:
    limit = min(plan.fetch.aggregate_limit or AGGREGATE_LIMIT, AGGREGATE_LIMIT)
    if int(store.read(*counted)[0][0]) > limit:
        raise err.query_builder("aggregate_limit")


def aggregate_row(plan: Plan, values: tuple[Any, ...], formatted: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col, value in zip(plan.columns, values, strict=True):
        if value is None:
            continue
        spec = col.spec
        assert spec is not None
        assert spec.alias is not None
        whole = spec.aggregate in ("avg", "sum") and col.attr.type in INTEGERS
        # Whole numbers for whole-number columns, truncated as SQL Server's AVG of integers.
        out[spec.alias] = int(value) if whole else value
        label = col.attr.options.get(value) if spec.groupby and col.attr.type in CHOICES else None
        if formatted and label is not None:
            out[f"{spec.alias}@OData.Community.Display.V1.FormattedValue"] = label
    return out

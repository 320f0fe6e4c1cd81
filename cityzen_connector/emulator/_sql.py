"""Compile a parsed ``$filter`` into an SQLite WHERE clause, values always as parameters.

Only names validated against the entity's metadata influence the SQL text, and even those are
passed as JSON-path parameters; literals never leave the parameter list, so no filter can
inject SQL. Type rules follow OData: comparing ``Edm.String`` with ``Edm.Int32`` is refused
with the parser's "incompatible types" message, as Dataverse does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._filter import (
    BoolOp,
    BoolPath,
    Compare,
    Function,
    Literal,
    Node,
    Not,
    Operand,
    Path,
)
from cityzen_connector.emulator._schema import Attribute, Entity, Schema

EDM = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "Integer": "Edm.Int32",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Money": "Edm.Decimal",
    "Double": "Edm.Double",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "DateOnly": "Edm.Date",
    "Uniqueidentifier": "Edm.Guid",
    "Lookup": "Edm.Guid",
    "Customer": "Edm.Guid",
    "Owner": "Edm.Guid",
}
# Microsoft documents no limit on a filter's conditions or nesting (a URL holds at most 32,768
# characters: "Compose HTTP requests and handle errors", Microsoft Learn). SQLite does ("Limits
# In SQLite"): a chain of n conditions is an expression n deep, refused past 1,000
# (SQLITE_MAX_EXPR_DEPTH), and its parser's stack (100 entries unless built otherwise) held
# about 20 levels of alternating and/or/not here. The emulator refuses more than 500 conditions
# or 16 levels, loudly, as an OData URI error (0x80060888): far above what a client sends.
MAX_CONDITIONS = 500
# How strings compare in $filter, and in FetchXML conditions (_fetchsql): one place to change.
TEXT_COLLATION = " COLLATE NOCASE"
MAX_NESTING = 16
NUMERIC = frozenset({"Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"})
TEMPORAL = frozenset({"Edm.DateTimeOffset", "Edm.Date"})
SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
OP_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}


def format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_param(value: object, attr_edm: str) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        if attr_edm == "Edm.DateTimeOffset":
            return value.isoformat() + "T00:00:00Z"
        return value.isoformat()
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return float(value)  # a Decimal literal beyond SQLite's 64-bit integers, as a real
    return value


class _Column:
    def __init__(self, sql: str, params: list[Any], attr: Attribute) -> None:
        self.sql = sql
        self.params = params
        self.attr = attr
        self.edm = EDM.get(attr.type, "Edm.String")


class FilterCompiler:
    """Turns an AST into ``(sql, params)`` for rows aliased ``r`` of ``records``."""

    def __init__(self, schema: Schema, entity: Entity) -> None:
        self.schema = schema
        self.entity = entity
        self._conditions = 0

    def compile(self, node: Node) -> tuple[str, list[Any]]:
        self._conditions = 0
        params: list[Any] = []
        sql = self._node(node, params)
        return sql, params

    def column(self, path: Path) -> _Column:
        return self._column(path)

    def _column(self, path: Path) -> _Column:
        entity = self.entity
        parts = path.parts
        if len(parts) > 2:
            raise err.query_error("Only single-valued navigation paths of one level are supported.")
        if len(parts) == 2:
            nav = entity.navigation(parts[0])
            if nav is None:
                raise err.unknown_property(parts[0], entity.logical_name)
            lookup, target_name = nav
            target = self.schema.by_name[target_name]
            attr = _structural(target, parts[1])
            sql = (
                "(SELECT json_extract(n.data, ?) FROM records n WHERE n.entity = ? AND "
                "n.id = json_extract(r.data, ?))"
            )
            return _Column(
                sql, [f'$."{attr.name}"', target.logical_name, f'$."{lookup.name}"'], attr
            )
        attr = _structural(entity, parts[0])
        return _Column("json_extract(r.data, ?)", [f'$."{attr.name}"'], attr)

    def _node(self, node: Node, params: list[Any], level: int = 0) -> str:
        # The SQL nests only where the filter does: a chain of one operator is one flat list
        # and a run of "not" one negation at most. Nesting a level per term made SQLite's parser
        # give up from about 100 terms ("parser stack overflow", "Limits In SQLite").
        if level > MAX_NESTING:
            raise err.query_error("The $filter expression is nested too deeply.")
        if isinstance(node, BoolOp):
            parts = [self._node(operand, params, level + 1) for operand in _chain(node)]
            return "(" + f" {node.op.upper()} ".join(parts) + ")"
        if isinstance(node, Not):
            negations = 0
            while isinstance(node, Not):
                negations, node = negations + 1, node.operand
            inner = self._node(node, params, level + 1)
            return f"(NOT COALESCE({inner}, 0))" if negations % 2 else f"(COALESCE({inner}, 0))"
        self._conditions += 1
        if self._conditions > MAX_CONDITIONS:
            raise err.query_error(
                f"The $filter expression has more than {MAX_CONDITIONS} conditions."
            )
        if isinstance(node, BoolPath):
            col = self._column(node.path)
            if col.edm != "Edm.Boolean":
                raise err.query_error(
                    "The $filter expression must evaluate to a single boolean value."
                )
            params.extend(col.params)
            return f"({col.sql} = 1)"
        if isinstance(node, Function):
            return self._function(node, params)
        return self._compare(node, params)

    def _function(self, node: Function, params: list[Any]) -> str:
        target, needle = node.args
        if not isinstance(target, Path) or not isinstance(needle, Literal):
            raise err.query_error(f"The '{node.name}' function needs a property and a string.")
        col = self._column(target)
        if col.edm != "Edm.String" or needle.edm != "Edm.String":
            raise err.query_error(
                f"No function signature for the function with name '{node.name}' matches the "
                "specified arguments."
            )
        text = str(needle.value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {
            "contains": f"%{text}%",
            "startswith": f"{text}%",
            "endswith": f"%{text}",
        }[node.name]
        params.extend(col.params)
        params.append(pattern)
        return f"({col.sql} LIKE ? ESCAPE '\\')"

    def _compare(self, node: Compare, params: list[Any]) -> str:
        left, right = node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Path):
            left, right = right, left
            node = Compare(_flip(node.op), left, right)
        if not isinstance(left, Path) or not isinstance(right, Literal):
            raise err.query_error("Comparisons must have a property on one side and a literal.")
        col = self._column(left)
        params.extend(col.params)
        if right.edm == "null":
            if node.op not in ("eq", "ne"):
                params.append(None)
                return f"({col.sql} {SQL_OPS[node.op]} ?)"
            return f"({col.sql} IS {'NOT ' if node.op == 'ne' else ''}NULL)"
        _check_types(col.edm, right, node.op)
        _check_range(col, right)
        params.append(to_param(right.value, col.edm))
        collate = TEXT_COLLATION if col.edm == "Edm.String" else ""
        if col.edm == "Edm.Guid":
            return f"(lower({col.sql}) {SQL_OPS[node.op]} ?)"
        return f"({col.sql}{collate} {SQL_OPS[node.op]} ?)"


def _chain(node: BoolOp) -> list[Node]:
    """The operands of a chain of one operator, left to right, without recursion:
    ``a or b or (c or d)`` → ``[a, b, c, d]``."""
    operands: list[Node] = []
    stack: list[Node] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, BoolOp) and item.op == node.op:
            stack += [item.right, item.left]
        else:
            operands.append(item)
    return operands


def _flip(op: str) -> str:
    return {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge"}.get(op, op)


def _check_types(edm: str, literal: Operand, op: str) -> None:
    assert isinstance(literal, Literal)
    have = literal.edm
    if (
        edm == have
        or (edm in NUMERIC and have in NUMERIC)
        or (edm in TEMPORAL and have in TEMPORAL)
    ):
        return
    raise err.query_error(
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{edm}' and '{have}' for operator kind '{OP_KIND[op]}'."
    )


# The .NET types a condition's value has in Dataverse's query (QueryExpression), by Edm type.
_CLR = {
    "Edm.Int32": "System.Int32",
    "Edm.Int64": "System.Int64",
    "Edm.Decimal": "System.Decimal",
    "Edm.Double": "System.Double",
}
_RANGES = {"Edm.Int32": range(-(2**31), 2**31), "Edm.Int64": range(-(2**63), 2**63)}


def _check_range(col: _Column, literal: Literal) -> None:
    """An integer column compared with a number its type cannot hold is refused, not compared.

    Microsoft's OData library reads ``99999999999999999999999999`` as an Edm.Decimal, and
    Dataverse turns the filter into a condition whose value must have the column's .NET type.
    "Web service error codes" (Microsoft Learn, power-apps/developer/data-platform/reference/
    web-service-error-codes) documents the code InvalidArgument (0x80040203) but not this case:
    the wording is the one Dataverse gives for a condition value of the wrong type ("Condition
    for attribute '…': expected argument(s) of type '…' but received '…'."). SQLite could not
    even bind such a number (64-bit integers).
    """
    allowed = _RANGES.get(col.edm)
    value = literal.value
    if allowed is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and not value.is_integer():
        return  # 1.5 (or inf): compared as a real number, as before
    if int(value) not in allowed:
        raise err.bad_request(
            f"Condition for attribute '{col.attr.name}': expected argument(s) of type "
            f"'{_CLR[col.edm]}' but received '{_CLR.get(literal.edm, 'System.Double')}'."
        )


def _structural(entity: Entity, name: str) -> Attribute:
    """A property usable in a filter: a plain column, or ``_x_value`` for a lookup."""
    lookup = entity.lookup_by_value_name(name)
    if lookup is not None:
        return lookup
    attr = entity.attributes.get(name)
    if attr is None or attr.is_lookup:
        raise err.unknown_property(name, entity.logical_name)
    return attr


def structural(entity: Entity, name: str) -> Attribute:
    return _structural(entity, name)

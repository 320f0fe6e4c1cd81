"""Compile a parsed ``$filter`` into an SQLite WHERE clause, values always as parameters.

Only names validated against the entity's metadata influence the SQL text, and even those are
passed as JSON-path parameters; literals never leave the parameter list, so no filter can
inject SQL. Text compares under the organisation's collation (``_collation``: "All filters
using string values are case insensitive", Filter rows using OData; accent-insensitive too in
a French organisation). Lambda operators become correlated ``EXISTS`` subqueries over the
relationship (``_relationships``); Dataverse query functions are compiled by
``_query_functions``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator import _query_functions as functions
from cityzen_connector.emulator._collation import COLLATION, FOLD, fold
from cityzen_connector.emulator._filter import (
    BoolOp,
    BoolPath,
    Compare,
    Function,
    Lambda,
    Literal,
    Node,
    Not,
    Path,
    QueryFunction,
)
from cityzen_connector.emulator._query_functions import QueryEnv
from cityzen_connector.emulator._schema import Attribute, Entity, Schema
from cityzen_connector.emulator._sql_types import (
    EDM,
    check_range,
    check_types,
    format_datetime,
    to_param,
)

__all__ = ["EDM", "FilterCompiler", "QueryEnv", "format_datetime", "structural", "to_param"]

# Microsoft documents no limit on a filter's conditions or nesting (a URL holds at most 32,768
# characters: "Compose HTTP requests and handle errors", Microsoft Learn). SQLite does ("Limits
# In SQLite"): a chain of n conditions is an expression n deep, refused past 1,000
# (SQLITE_MAX_EXPR_DEPTH), and its parser's stack (100 entries unless built otherwise) held
# about 20 levels of alternating and/or/not here. The emulator refuses more than 500 conditions
# or 16 levels, loudly, as an OData URI error (0x80060888): far above what a client sends.
MAX_CONDITIONS = 500
# How strings compare and sort in $filter, $orderby and FetchXML (_fetchsql): the organisation's
# collation (_collation), one place for all of them.
TEXT_COLLATION = f" COLLATE {COLLATION}"
MAX_NESTING = 16
SQL_OPS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}


class Column:
    def __init__(self, sql: str, params: list[Any], attr: Attribute) -> None:
        self.sql = sql
        self.params = params
        self.attr = attr
        self.name = attr.name
        self.edm = EDM.get(attr.type, "Edm.String")

    @property
    def collated(self) -> str:
        """The column as text compares: under the organisation's collation."""
        return f"{self.sql}{TEXT_COLLATION}" if self.edm == "Edm.String" else self.sql


@dataclass(frozen=True)
class _Scope:
    entity: Entity
    alias: str  # the SQL alias of its rows: "r" for the queried table, "l1"… in lambdas


class FilterCompiler:
    """Turns an AST into ``(sql, params)`` for rows aliased ``r`` of ``records``."""

    def __init__(self, schema: Schema, entity: Entity, env: QueryEnv | None = None) -> None:
        self.schema = schema
        self.entity = entity
        self.env = env
        self._root = _Scope(entity, "r")
        self._variables: dict[str, _Scope] = {}
        self._conditions = 0
        self._aliases = 0

    def compile(self, node: Node) -> tuple[str, list[Any]]:
        self._conditions = 0
        params: list[Any] = []
        sql = self._node(node, params)
        return sql, params

    def column(self, path: Path) -> Column:
        scope, parts = self._scope_of(path)
        entity, alias = scope.entity, scope.alias
        if len(parts) > 2:
            raise err.query_error("Only single-valued navigation paths of one level are supported.")
        if len(parts) == 2:
            nav = entity.navigation(parts[0])
            if nav is None:
                raise err.unknown_property(parts[0], entity.logical_name)
            lookup, target_name = nav
            target = self.schema.by_name[target_name]
            attr = structural(target, parts[1])
            # The alias is the compiler's own; values stay parameters.
            sql = (
                "(SELECT json_extract(n.data, ?) FROM records n WHERE n.entity = ? AND "  # noqa: S608
                f"n.id = json_extract({alias}.data, ?))"
            )
            return Column(
                sql, [f'$."{attr.name}"', target.logical_name, f'$."{lookup.name}"'], attr
            )
        attr = structural(entity, parts[0])
        return Column(f"json_extract({alias}.data, ?)", [f'$."{attr.name}"'], attr)

    def _scope_of(self, path: Path) -> tuple[_Scope, tuple[str, ...]]:
        """A path starting with a lambda variable is read in that lambda's rows."""
        head, parts = path.parts[0], path.parts
        if head in self._variables:
            if len(parts) == 1:
                raise err.query_error(f"The lambda variable '{head}' is not a property.")
            return self._variables[head], parts[1:]
        return self._root, parts

    def _node(self, node: Node, params: list[Any], level: int = 0) -> str:  # noqa: PLR0911
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
        if isinstance(node, Lambda):
            return self._lambda(node, params, level)
        if isinstance(node, QueryFunction):
            return functions.compile_function(self, node, params)
        if isinstance(node, BoolPath):
            col = self.column(node.path)
            if col.edm != "Edm.Boolean":
                raise err.query_error(
                    "The $filter expression must evaluate to a single boolean value."
                )
            params.extend(col.params)
            return f"({col.sql} = 1)"
        if isinstance(node, Function):
            return self._function(node, params)
        return self._compare(node, params)

    def _lambda(self, node: Lambda, params: list[Any], level: int) -> str:
        """``any``/``all`` ("Filter rows using OData", Filter using values of related
        collections): ``any`` is true when some member satisfies the expression (without one,
        when the collection is not empty); ``all`` when every member does, which an empty
        collection does ("link-type all … includes parent rows which have no link entity rows",
        FetchXml link-entity element reference)."""
        scope, parts = self._scope_of(node.collection)
        if len(parts) > 1:
            raise err.query_error(
                "Conditions on collection-valued navigation properties nested in a lookup "
                f"navigation property are not supported: '{'/'.join(node.collection.parts)}'."
            )
        owner = scope.entity.logical_name
        collection = self.schema.relationships.collection(owner, parts[0])
        if collection is None:
            if parts[0] in scope.entity.attributes or scope.entity.navigation(parts[0]):
                raise err.query_error(
                    f"The '{node.op}' operator needs a collection-valued navigation property; "
                    f"'{parts[0]}' of '{owner}' is not one."
                )
            raise err.unknown_property(parts[0], owner)
        target = self.schema.by_name[collection.target]
        self._aliases += 1
        alias = f"l{self._aliases}"
        link, link_params = collection.link(alias, f"{scope.alias}.id", [])
        params += [target.logical_name, *link_params]
        rows = f"SELECT 1 FROM records {alias} WHERE {alias}.entity = ? AND {link}"  # noqa: S608
        if node.body is None or node.variable is None:
            return f"(EXISTS ({rows}))"
        if node.variable in self._variables:
            raise err.query_error(f"The lambda variable '{node.variable}' is already in use.")
        self._variables[node.variable] = _Scope(target, alias)
        try:
            body = self._node(node.body, params, level + 1)
        finally:
            del self._variables[node.variable]
        if node.op == "any":
            return f"(EXISTS ({rows} AND COALESCE({body}, 0)))"
        return f"(NOT EXISTS ({rows} AND NOT COALESCE({body}, 0)))"

    def _function(self, node: Function, params: list[Any]) -> str:
        target, needle = node.args
        if not isinstance(target, Path) or not isinstance(needle, Literal):
            raise err.query_error(f"The '{node.name}' function needs a property and a string.")
        col = self.column(target)
        if col.edm != "Edm.String" or needle.edm != "Edm.String":
            raise err.query_error(
                f"No function signature for the function with name '{node.name}' matches the "
                "specified arguments."
            )
        # LIKE ignores collations: both sides are folded the way the collation compares.
        text = fold(str(needle.value))
        text = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = {
            "contains": f"%{text}%",
            "startswith": f"{text}%",
            "endswith": f"%{text}",
        }[node.name]
        params.extend(col.params)
        params.append(pattern)
        return f"({FOLD}({col.sql}) LIKE ? ESCAPE '\\')"

    def _compare(self, node: Compare, params: list[Any]) -> str:
        left, right = node.left, node.right
        if isinstance(left, Literal) and isinstance(right, Path):
            left, right = right, left
            node = Compare(_flip(node.op), left, right)
        if not isinstance(left, Path) or not isinstance(right, Literal):
            raise err.query_error("Comparisons must have a property on one side and a literal.")
        col = self.column(left)
        params.extend(col.params)
        if right.edm == "null":
            if node.op not in ("eq", "ne"):
                params.append(None)
                return f"({col.sql} {SQL_OPS[node.op]} ?)"
            return f"({col.sql} IS {'NOT ' if node.op == 'ne' else ''}NULL)"
        check_types(col.edm, right, node.op)
        check_range(col, right)
        params.append(to_param(right.value, col.edm))
        if col.edm == "Edm.Guid":
            return f"(lower({col.sql}) {SQL_OPS[node.op]} ?)"
        return f"({col.collated} {SQL_OPS[node.op]} ?)"


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


def structural(entity: Entity, name: str) -> Attribute:
    """A property usable in a filter: a plain column, or ``_x_value`` for a lookup."""
    lookup = entity.lookup_by_value_name(name)
    if lookup is not None:
        return lookup
    attr = entity.attributes.get(name)
    if attr is None or attr.is_lookup:
        raise err.unknown_property(name, entity.logical_name)
    return attr

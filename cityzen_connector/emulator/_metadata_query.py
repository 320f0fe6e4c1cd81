"""``$select``, ``$filter`` and ``$expand`` over definitions (EntityMetadata, AttributeMetadata,
relationships, keys, option sets), as "Query table definitions using the Web API" (Microsoft
Learn) describes them: any property can be selected (``MetadataId`` always comes back), a
filter compares properties of primitive or enum type, managed properties through their
``Value`` (``CanCreateAttributes/Value eq true``) but not labels, enums with their qualified
name (``OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'``). No paging.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
    parse_filter,
)
from cityzen_connector.emulator._http import parse_key
from cityzen_connector.emulator._query import check_options, split_top_level

Expander = Callable[[dict[str, str]], Any]  # nested query options -> the expanded value
# Enum-typed properties and their EnumType (a filter literal must name the same type).
ENUM_TYPES = {
    "OwnershipType": "Microsoft.Dynamics.CRM.OwnershipTypes",
    "AttributeType": "Microsoft.Dynamics.CRM.AttributeTypeCode",
    "RequiredLevel/Value": "Microsoft.Dynamics.CRM.AttributeRequiredLevel",
    "RelationshipType": "Microsoft.Dynamics.CRM.RelationshipType",
    "SecurityTypes": "Microsoft.Dynamics.CRM.SecurityTypes",
    "EntityKeyIndexStatus": "Microsoft.Dynamics.CRM.EntityKeyIndexStatus",
    "OptionSetType": "Microsoft.Dynamics.CRM.OptionSetType",
}
_OP_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}
_NUMBERS = frozenset({"Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"})


@dataclass
class Item:
    """One definition: its JSON, its ``@odata.type`` when derived from the collection's
    declared type, and its navigation properties."""

    row: dict[str, Any]
    odata_type: str | None = None
    expand: Mapping[str, Expander] = field(default_factory=dict)


def key_value(raw: str, alternate: str) -> str:
    """The MetadataId or the alternate key value (``LogicalName``, ``SchemaName``, ``Name``)
    a definition is addressed by ("Reference Dataverse schema definitions by name or
    MetadataId")."""
    single, values = parse_key(raw)
    if single is not None:
        return single
    if set(values) != {alternate}:
        raise err.query_error(f"The key of this definition is the MetadataId or {alternate}.")
    return str(values[alternate])


def nested_query(nested: str) -> dict[str, str]:
    """``$select=Options;$filter=…`` (inside ``$expand=X(…)``) as query options."""
    out: dict[str, str] = {}
    for option in split_options(nested):
        name, _, value = option.partition("=")
        if name.strip():
            out[name.strip()] = value
    return out


def split_options(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == ";" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return [*parts, current]


def expansions(query: Mapping[str, str]) -> list[tuple[str, dict[str, str]]]:
    out = []
    for item in split_top_level(query.get("$expand", "")):
        name, _, rest = item.partition("(")
        if rest and not rest.endswith(")"):
            raise err.query_error(f"The $expand option '{item}' is malformed.")
        out.append((name.strip(), nested_query(rest[:-1])))
    return out


def selection(query: Mapping[str, str]) -> list[str]:
    return [s.strip() for s in query.get("$select", "").split(",") if s.strip()]


def context_fragment(query: Mapping[str, str]) -> str:
    """The ``(LogicalName,OptionSet(Options))`` part of an ``@odata.context`` URL."""
    parts = selection(query)
    for name, nested in expansions(query):
        inner = context_fragment(nested)
        parts.append(name + inner)
    return f"({','.join(parts)})" if parts else ""


def shape(
    items: Sequence[Item],
    query: Mapping[str, str],
    type_name: str,
    properties: Sequence[str],
    *,
    allowed: frozenset[str] = frozenset({"$select", "$filter", "$expand"}),
) -> list[dict[str, Any]]:
    """Filter, select and expand ``items`` of the declared type ``type_name`` (whose
    properties a query may name)."""
    check_options(dict(query), allowed)
    select = selection(query)
    for name in select:
        if name not in properties:
            raise err.unknown_property(name, type_name)
    wanted = expansions(query)
    if query.get("$filter"):
        node = parse_filter(query["$filter"])
        items = [i for i in items if _matches(node, i.row, type_name, properties)]
    out = []
    for item in items:
        shaped: dict[str, Any] = {"@odata.type": item.odata_type} if item.odata_type else {}
        names = ("MetadataId", *select) if select else tuple(item.row)
        shaped |= {n: item.row.get(n) for n in names}
        for name, nested in wanted:
            if name not in item.expand:
                raise err.unknown_property(name, type_name)
            shaped[name] = item.expand[name](nested)
        out.append(shaped)
    return out


def _matches(node: Node, row: dict[str, Any], type_name: str, props: Sequence[str]) -> bool:
    if isinstance(node, BoolOp):
        left = _matches(node.left, row, type_name, props)
        if node.op == "and":
            return left and _matches(node.right, row, type_name, props)
        return left or _matches(node.right, row, type_name, props)
    if isinstance(node, Not):
        return not _matches(node.operand, row, type_name, props)
    if isinstance(node, BoolPath):
        return _value(node.path, row, type_name, props) is True
    if isinstance(node, Function):
        path, literal = _operands(node.args[0], node.args[1])
        text, needle = _value(path, row, type_name, props), literal.value
        if not isinstance(text, str) or not isinstance(needle, str):
            raise err.query_error(f"The function '{node.name}' compares text with text.")
        return {
            "contains": needle.lower() in text.lower(),
            "startswith": text.lower().startswith(needle.lower()),
            "endswith": text.lower().endswith(needle.lower()),
        }[node.name]
    if isinstance(node, Compare):
        path, literal = _operands(node.left, node.right)
        value = _value(path, row, type_name, props)
        return _compare(node.op, value, literal, "/".join(path.parts))
    raise err.query_error("Unsupported metadata filter.")


def _operands(left: Operand, right: Operand) -> tuple[Path, Literal]:
    if isinstance(left, Path) and isinstance(right, Literal):
        return left, right
    if isinstance(left, Literal) and isinstance(right, Path):
        return right, left
    raise err.query_error("Metadata filters compare a property with a literal.")


def _value(path: Path, row: dict[str, Any], type_name: str, props: Sequence[str]) -> Any:
    head = path.parts[0]
    if head not in props:
        raise err.unknown_property(head, type_name)
    value = row.get(head)
    if len(path.parts) == 1:
        return value
    if len(path.parts) == 2 and isinstance(value, dict) and "Value" in value:
        if path.parts[1] != "Value":
            raise err.unknown_property(path.parts[1], "BooleanManagedProperty")
        return value["Value"]
    # "This does not work on properties of Label ComplexType" (Query table definitions).
    raise err.query_error(f"The property path '{'/'.join(path.parts)}' cannot be filtered on.")


def _compare(op: str, value: Any, literal: Literal, name: str) -> bool:
    have: Any = literal.value
    if have is None or value is None:
        if op not in ("eq", "ne"):
            return False
        return (value is have) == (op == "eq")
    enum = ENUM_TYPES.get(name)
    edm = enum or ("Edm.Guid" if name == "MetadataId" else _edm(value))
    # A string names an enum member too (Microsoft's OData library converts it).
    compatible = literal.edm == edm or (enum is not None and literal.edm == "Edm.String")
    if not compatible and not (edm in _NUMBERS and literal.edm in _NUMBERS):
        raise err.query_error(
            "A binary operator with incompatible types was detected. Found operand types "
            f"'{edm}' and '{literal.edm}' for operator kind '{_OP_KIND[op]}'."
        )
    if isinstance(value, str) and isinstance(have, str) and literal.edm == "Edm.Guid":
        value, have = value.lower(), have.lower()
    if op in ("eq", "ne"):
        return bool(value == have) == (op == "eq")
    if isinstance(value, bool) or not isinstance(value, type(have)):
        raise err.query_error(f"Operator '{op}' compares numbers or text only.")
    return bool(
        {"gt": value > have, "ge": value >= have, "lt": value < have, "le": value <= have}[op]
    )


def _edm(value: object) -> str:
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int):
        return "Edm.Int32"
    if isinstance(value, float):
        return "Edm.Double"
    return "Edm.String"

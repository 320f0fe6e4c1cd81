"""Metadata, read the way clients do it (Microsoft Learn: "Query table definitions using the
Web API"); writes are routed to ``_metadata_write``.

Reads support ``$select``, ``$filter`` (evaluated over the definitions) and ``$expand`` of
``Attributes``/``Keys``, on ``EntityDefinitions``, one definition by ``LogicalName`` or
``MetadataId``, its attributes (with the choice ``OptionSet`` through the
``PicklistAttributeMetadata`` cast) and its keys.
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._filter import (
    BoolOp,
    Compare,
    Function,
    Literal,
    Node,
    Not,
    Path,
    parse_filter,
)
from cityzen_connector.emulator._http import (
    Request,
    Response,
    json_response,
    parse_key,
    parse_segment,
)
from cityzen_connector.emulator._metadata_write import (
    create_attribute,
    create_key,
    insert_option_value,
)
from cityzen_connector.emulator._option_metadata import CASTS as OPTION_CASTS
from cityzen_connector.emulator._option_metadata import option_attribute
from cityzen_connector.emulator._query import check_options, split_top_level
from cityzen_connector.emulator._schema import Attribute, Entity, Key

_TYPE_NAMES = {
    "String": "StringType",
    "Memo": "MemoType",
    "Integer": "IntegerType",
    "BigInt": "BigIntType",
    "Decimal": "DecimalType",
    "Money": "MoneyType",
    "Double": "DoubleType",
    "Boolean": "BooleanType",
    "DateTime": "DateTimeType",
    "DateOnly": "DateTimeType",
    "Picklist": "PicklistType",
    "State": "StateType",
    "Status": "StatusType",
    "Uniqueidentifier": "UniqueidentifierType",
    "Lookup": "LookupType",
    "Customer": "CustomerType",
    "Owner": "OwnerType",
}
_CAST = "Microsoft.Dynamics.CRM.PicklistAttributeMetadata"


def entity_json(entity: Entity) -> dict[str, Any]:
    return {
        "MetadataId": entity.metadata_id,
        "LogicalName": entity.logical_name,
        "SchemaName": entity.logical_name.capitalize(),
        "EntitySetName": entity.entity_set,
        "LogicalCollectionName": entity.entity_set,
        "PrimaryIdAttribute": entity.primary_id,
        "PrimaryNameAttribute": entity.primary_name,
        "OwnershipType": entity.ownership,
        "IsCustomEntity": False,
        "IsOptimisticConcurrencyEnabled": True,
        # "Use change tracking to synchronize data with external systems" (Microsoft Learn):
        # clients check this property before asking for changes.
        "ChangeTrackingEnabled": entity.change_tracking,
    }


def attribute_json(entity: Entity, attr: Attribute) -> dict[str, Any]:
    kind = "DateTime" if attr.type == "DateOnly" else attr.type
    out: dict[str, Any] = {
        "MetadataId": attr.metadata_id,
        "LogicalName": attr.name,
        "SchemaName": attr.name,
        "EntityLogicalName": entity.logical_name,
        "AttributeType": kind,
        "AttributeTypeName": {"Value": _TYPE_NAMES.get(attr.type, "StringType")},
        "RequiredLevel": {"Value": attr.required},
        "IsCustomAttribute": attr.custom,
        "IsPrimaryId": attr.name == entity.primary_id,
        "IsPrimaryName": attr.name == entity.primary_name,
    }
    if attr.max_length is not None:
        out["MaxLength"] = attr.max_length
    if attr.is_lookup:
        out["Targets"] = sorted(attr.targets)
    if attr.type in {"DateOnly", "DateTime"}:
        out["Format"] = "DateOnly" if attr.type == "DateOnly" else "DateAndTime"
    return out


def key_json(context: HandlerContext, entity: Entity, key: Key) -> dict[str, Any]:
    return {
        "MetadataId": key.metadata_id,
        "LogicalName": key.logical_name,
        "SchemaName": key.schema_name,
        "EntityLogicalName": entity.logical_name,
        "KeyAttributes": list(key.attributes),
        "EntityKeyIndexStatus": context.records.key_status(entity, key),
    }


def _option_set(attr: Attribute) -> dict[str, Any]:
    return {
        "Options": [
            {
                "Value": value,
                "Label": {
                    "LocalizedLabels": [{"Label": label, "LanguageCode": 1036}],
                    "UserLocalizedLabel": {"Label": label, "LanguageCode": 1036},
                },
            }
            for value, label in sorted(attr.options.items())
        ]
    }


def handle_metadata(context: HandlerContext, req: Request) -> Response:
    if req.path == "InsertOptionValue":
        return insert_option_value(context, req)
    if req.path == "$metadata":
        raise err.segment_not_found("$metadata")
    parts = req.path.split("/")
    head = parse_segment(parts[0])
    if head.name != "EntityDefinitions":
        raise err.segment_not_found(head.name)
    root = req.service_root
    if head.key is None:
        if len(parts) > 1 or req.method != "GET":
            raise err.method_not_allowed(req.method)
        rows = [entity_json(e) for e in context.schema.by_name.values()]
        return json_response(
            200,
            {
                "@odata.context": f"{root}$metadata#EntityDefinitions",
                "value": _shape(context, req, rows, "EntityMetadata"),
            },
        )
    entity = _entity(context, head.key)
    if len(parts) == 1:
        if req.method != "GET":
            raise err.method_not_allowed(req.method)
        row = _shape(context, req, [entity_json(entity)], "EntityMetadata", entity)[0]
        return json_response(
            200, {"@odata.context": f"{root}$metadata#EntityDefinitions/$entity", **row}
        )
    child = parse_segment(parts[1])
    if child.name == "Attributes":
        return _attributes(context, entity, child.key, parts[2:], req)
    if child.name == "Keys":
        return _keys(context, entity, child.key, req)
    raise err.segment_not_found(child.name)


def _attributes(
    context: HandlerContext, entity: Entity, key: str | None, tail: list[str], req: Request
) -> Response:
    if key is None:
        if req.method == "POST":
            return create_attribute(context, entity, req)
        rows = [attribute_json(entity, a) for a in entity.attributes.values()]
        return json_response(200, {"value": _shape(context, req, rows, "AttributeMetadata")})
    attr = _child_attribute(entity, key)
    body = attribute_json(entity, attr)
    if tail and tail[0] in OPTION_CASTS and len(tail) == 1:
        return option_attribute(entity, attr, tail[0], body, req)
    if tail and tail[0] == _CAST and attr.type == "Picklist":
        if "OptionSet" in req.query.get("$expand", ""):
            body["OptionSet"] = _option_set(attr)
    elif tail:
        raise err.segment_not_found(tail[0])
    return json_response(200, body)


def _keys(context: HandlerContext, entity: Entity, raw: str | None, req: Request) -> Response:
    if raw is None:
        if req.method == "POST":
            return create_key(context, entity, req)
        rows = [key_json(context, entity, k) for k in entity.keys.values()]
        return json_response(200, {"value": _shape(context, req, rows, "EntityKeyMetadata")})
    wanted = _name_in_key(raw)
    for key in entity.keys.values():
        if wanted in (key.logical_name, key.metadata_id):
            return json_response(200, key_json(context, entity, key))
    raise ODataError(404, "0x80040217", f"Could not find key {wanted}")


def _name_in_key(raw: str) -> str:
    single, values = parse_key(raw)
    return single if single is not None else str(values.get("LogicalName", ""))


def _entity(context: HandlerContext, raw: str) -> Entity:
    wanted = _name_in_key(raw)
    for entity in context.schema.by_name.values():
        if wanted in (entity.logical_name, entity.metadata_id):
            return entity
    # Dataverse reports a missing table definition as ObjectDoesNotExist.
    raise ODataError(404, "0x80040217", f"Could not find entity with name {wanted}")


def _child_attribute(entity: Entity, raw: str) -> Attribute:
    wanted = _name_in_key(raw)
    for attr in entity.attributes.values():
        if wanted in (attr.name, attr.metadata_id):
            return attr
    raise ODataError(
        404, "0x80040217", f"Could not find attribute {wanted} for entity {entity.logical_name}"
    )


def _shape(
    context: HandlerContext,
    req: Request,
    rows: list[dict[str, Any]],
    type_name: str,
    entity: Entity | None = None,
) -> list[dict[str, Any]]:
    check_options(req.query, frozenset({"$select", "$filter", "$expand"}))
    if req.query.get("$filter"):
        node = parse_filter(req.query["$filter"])
        rows = [r for r in rows if _matches(node, r, type_name)]
    expand = split_top_level(req.query.get("$expand", ""))
    select = [s.strip() for s in req.query.get("$select", "").split(",") if s.strip()]
    out = []
    for row in rows:
        if select:
            for name in select:
                if name not in row:
                    raise err.unknown_property(name, type_name)
            shaped = {k: row[k] for k in ("MetadataId", *select)}
        else:
            shaped = dict(row)
        target = entity or context.schema.by_name.get(str(row.get("LogicalName")))
        for item in expand:
            name, _, nested = item.partition("(")
            sub = Request("GET", "", _nested_query(nested), {}, b"", req.base_url)
            if name == "Attributes" and target is not None:
                rows_a = [attribute_json(target, a) for a in target.attributes.values()]
                shaped["Attributes"] = _shape(context, sub, rows_a, "AttributeMetadata")
            elif name == "Keys" and target is not None:
                rows_k = [key_json(context, target, k) for k in target.keys.values()]
                shaped["Keys"] = _shape(context, sub, rows_k, "EntityKeyMetadata")
            else:
                raise err.unknown_property(name, type_name)
        out.append(shaped)
    return out


def _nested_query(nested: str) -> dict[str, str]:
    options = nested[:-1] if nested.endswith(")") else nested
    out = {}
    for option in options.split(";"):
        name, _, value = option.partition("=")
        if name.strip():
            out[name.strip()] = value
    return out


def _matches(node: Node, row: dict[str, Any], type_name: str) -> bool:
    if isinstance(node, BoolOp):
        left = _matches(node.left, row, type_name)
        return (
            (left and _matches(node.right, row, type_name))
            if node.op == "and"
            else (left or _matches(node.right, row, type_name))
        )
    if isinstance(node, Not):
        return not _matches(node.operand, row, type_name)
    if isinstance(node, Compare | Function):
        args = (node.left, node.right) if isinstance(node, Compare) else node.args
        path, literal = args
        if not isinstance(path, Path) or not isinstance(literal, Literal) or len(path.parts) != 1:
            raise err.query_error("Metadata filters compare a property with a literal.")
        if path.parts[0] not in row:
            raise err.unknown_property(path.parts[0], type_name)
        value = row[path.parts[0]]
        if isinstance(node, Function):
            text, needle = str(value), str(literal.value)
            return {
                "contains": needle in text,
                "startswith": text.startswith(needle),
                "endswith": text.endswith(needle),
            }[node.name]
        ops = {"eq": value == literal.value, "ne": value != literal.value}
        if node.op not in ops:
            raise err.query_error(f"Operator '{node.op}' is not supported on metadata.")
        return bool(ops[node.op])
    raise err.query_error("Unsupported metadata filter.")

"""Table definitions, read the way clients do it (Microsoft Learn: "Query table definitions
using the Web API", "Reference Dataverse schema definitions by name or MetadataId"): by
``LogicalName`` or ``MetadataId``, ``$select``/``$filter``/``$expand``; ``Attributes`` all or one,
cast or not (``…/Microsoft.Dynamics.CRM.StatusAttributeMetadata``, ``$expand=OptionSet``).
Tables, columns and keys are created and deleted by ``_metadata_tables`` and
``_metadata_write``, other writes refused (501); the other definition sets are
``_metadata_sets``'s, ``$metadata`` is ``_csdl``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator import _metadata_relationships as rel
from cityzen_connector.emulator import _metadata_shapes as shapes
from cityzen_connector.emulator import _metadata_tables as tables
from cityzen_connector.emulator import _option_sets as options
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._csdl import csdl_response
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import Request, Response, json_response, parse_segment
from cityzen_connector.emulator._metadata_query import (
    Expander,
    Item,
    context_fragment,
    key_value,
    shape,
)
from cityzen_connector.emulator._metadata_sets import handle_definition_sets
from cityzen_connector.emulator._metadata_write import (
    create_attribute,
    create_key,
    insert_option_value,
)
from cityzen_connector.emulator._schema import Attribute, Entity, Key

CRM = shapes.CRM
KEY_PROPERTIES = (
    "MetadataId",
    "LogicalName",
    "SchemaName",
    "EntityLogicalName",
    "KeyAttributes",
    "EntityKeyIndexStatus",
)
# Unbound actions on definitions ("InsertOptionValue Action"; CreateEntities: _metadata_tables).
_ACTIONS: dict[str, Callable[[HandlerContext, Request], Response]] = {
    "InsertOptionValue": insert_option_value,
    "CreateEntities": tables.create_entities,
}
_RELATIONSHIP_NAVS = {
    "OneToManyRelationships": rel.ONE_TO_MANY,
    "ManyToOneRelationships": rel.ONE_TO_MANY,
    "ManyToManyRelationships": rel.MANY_TO_MANY,
}


def key_json(context: HandlerContext, entity: Entity, key: Key) -> dict[str, Any]:
    return {
        "MetadataId": key.metadata_id,
        "LogicalName": key.logical_name,
        "SchemaName": key.schema_name,
        "EntityLogicalName": entity.logical_name,
        "KeyAttributes": list(key.attributes),
        "EntityKeyIndexStatus": context.records.key_status(entity, key),
    }


def handle_metadata(context: HandlerContext, req: Request) -> Response:
    action = _ACTIONS.get(req.path)
    if action is not None:
        return action(context, req)
    if req.path == "$metadata":
        return csdl_response(context, req)
    parts = req.path.split("/")
    head = parse_segment(parts[0])
    if head.name in ("GlobalOptionSetDefinitions", "RelationshipDefinitions"):
        return handle_definition_sets(context, req, head, parts[1:])
    if head.name != "EntityDefinitions":
        raise err.segment_not_found(head.name)
    root = f"{req.service_root}$metadata#EntityDefinitions"
    if len(parts) == 1 and req.method in ("POST", "DELETE"):
        entity = None if head.key is None else _entity(context, head.key)
        return tables.table_write(context, req, entity)
    if len(parts) == 1:
        only_read(req, "tables (EntityDefinitions), other than creating and deleting them")
        return _entity_definitions(context, req, head.key, root)
    if head.key is None:
        raise err.segment_not_found(parts[1])
    entity = _entity(context, head.key)
    return _entity_child(context, entity, parts[1:], req, root)


def _entity_child(
    context: HandlerContext, entity: Entity, parts: list[str], req: Request, root: str
) -> Response:
    child = parse_segment(parts[0])
    here = f"{root}({entity.metadata_id})/{child.name}"
    if child.name == "Attributes":
        return _attributes(context, entity, child.key, parts[1:], req, here=here)
    if child.name == "Keys" and len(parts) == 1:
        return _keys(context, entity, child.key, req, here)
    if child.name in _RELATIONSHIP_NAVS and child.key is None and len(parts) == 1:
        only_read(req, "relationships")
        rows = _relationships(context, entity, child.name, req.query)
        url = here + context_fragment(req.query)
        return json_response(200, {"@odata.context": url, "value": rows})
    raise err.segment_not_found(parts[-1])


def _entity_definitions(
    context: HandlerContext, req: Request, key: str | None, root: str
) -> Response:
    props = shapes.ENTITY_PROPERTIES
    if key is None:
        items = [_entity_item(context, e) for e in context.schema.by_name.values()]
        rows = shape(items, req.query, "EntityMetadata", props)
        url = root + context_fragment(req.query)
        return json_response(200, {"@odata.context": url, "value": rows})
    [row] = shape(
        [_entity_item(context, _entity(context, key))], req.query, "EntityMetadata", props
    )
    url = f"{root}{context_fragment(req.query)}/$entity"
    return json_response(200, {"@odata.context": url, **row})


def only_read(req: Request, what: str) -> None:
    """Definitions the emulator reads but does not write: a write is refused, loudly."""
    if req.method in ("POST", "PUT", "PATCH", "DELETE"):
        raise err.method_not_emulated(f"{req.method} on {what}")
    if req.method != "GET":
        raise err.method_not_allowed(req.method)


def _entity_item(context: HandlerContext, entity: Entity) -> Item:
    def attributes(query: dict[str, str]) -> list[dict[str, Any]]:
        items = [_attribute_item(entity, a, None) for a in entity.attributes.values()]
        return shape(items, query, "AttributeMetadata", shapes.ATTRIBUTE_PROPERTIES)

    def keys(query: dict[str, str]) -> list[dict[str, Any]]:
        items = [Item(key_json(context, entity, k)) for k in entity.keys.values()]
        return shape(items, query, "EntityKeyMetadata", KEY_PROPERTIES)

    def relationships(nav: str) -> Callable[[dict[str, str]], list[dict[str, Any]]]:
        return lambda query: _relationships(context, entity, nav, query)

    expand: dict[str, Expander] = {"Attributes": attributes, "Keys": keys}
    expand |= {nav: relationships(nav) for nav in _RELATIONSHIP_NAVS}
    return Item(shapes.entity_json(context.schema, entity), expand=expand)


def _relationships(
    context: HandlerContext, entity: Entity, nav: str, query: dict[str, str]
) -> list[dict[str, Any]]:
    kind = _RELATIONSHIP_NAVS[nav]
    items = [Item(r) for r in rel.of_entity(context.schema, entity, nav)]
    return shape(items, query, kind, (*rel.BASE_PROPERTIES, *rel.DERIVED_PROPERTIES[kind]))


def _attribute_item(entity: Entity, attr: Attribute, cast: str | None) -> Item:
    """An attribute as a member of ``Attributes`` (declared AttributeMetadata: its derived
    type is annotated) or of a cast (declared ``cast``: OptionSet and GlobalOptionSet can be
    expanded, "you must cast the attribute" to reach them)."""
    expand = {}
    if cast in shapes.WITH_OPTIONS:
        expand = {
            "OptionSet": lambda q: _option_set(entity, attr, q),
            "GlobalOptionSet": lambda q: _option_set(entity, attr, q),
        }
    odata_type = None if cast else f"#{CRM}{shapes.attribute_type(attr)}"
    return Item(shapes.attribute_json(entity, attr), odata_type, expand)


def _option_set(entity: Entity, attr: Attribute, query: dict[str, str]) -> dict[str, Any]:
    # Either property gives the options, "regardless of whether the attribute is configured to
    # use global option sets" (Reference Dataverse schema definitions by name or MetadataId).
    item = Item(options.option_set_json(entity, attr))
    props = options.option_set_properties(attr)
    [row] = shape(
        [item], query, options.option_set_type(attr), props, allowed=frozenset({"$select"})
    )
    return row


def _cast(segment: str) -> str:
    name = segment.removeprefix(CRM)
    # Only the concrete types: "you cannot cast the attributes to" EnumAttributeMetadata.
    if not segment.startswith(CRM) or name not in shapes.DERIVED_PROPERTIES:
        raise err.segment_not_found(segment)
    return name


def _attributes(
    context: HandlerContext,
    entity: Entity,
    key: str | None,
    tail: list[str],
    req: Request,
    *,
    here: str,
) -> Response:
    if key is None and req.method == "POST" and not tail:
        return create_attribute(context, entity, req)
    if key is not None and req.method == "DELETE" and not tail:
        return tables.delete_attribute(context, entity, _child_attribute(entity, key))
    only_read(req, "columns (other than creating and deleting them)")
    if key is None:
        cast = _cast(tail[0]) if tail else None
        if len(tail) > 1:
            raise err.segment_not_found(tail[1])
        attrs = [
            a
            for a in entity.attributes.values()
            if cast is None or shapes.attribute_type(a) == cast
        ]
        items = [_attribute_item(entity, a, cast) for a in attrs]
        rows = shape(items, req.query, cast or "AttributeMetadata", _properties(cast))
        url = here + (f"/{CRM}{cast}" if cast else "") + context_fragment(req.query)
        return json_response(200, {"@odata.context": url, "value": rows})
    attr = _child_attribute(entity, key)
    cast = _cast(tail[0]) if tail else None
    if cast is not None and shapes.attribute_type(attr) != cast:
        # "OData Version 4.01 Part 2: URL Conventions", 4.11 Addressing Derived Types: a
        # single entity that is not of the cast type is "404 Not Found".
        raise ODataError(
            404,
            "0x80040217",
            f"Could not find attribute {attr.name} of type {CRM}{cast} "
            f"for entity {entity.logical_name}",
        )
    if (
        len(tail) == 2
        and cast in shapes.WITH_OPTIONS
        and tail[1] in ("OptionSet", "GlobalOptionSet")
    ):
        row = _option_set(entity, attr, req.query)
        url = (
            f"{here}({attr.metadata_id})/{CRM}{cast}/{tail[1]}{context_fragment(req.query)}/$entity"
        )
        return json_response(200, {"@odata.context": url, **row})
    if len(tail) > 1:
        raise err.segment_not_found(tail[1])
    [row] = shape(
        [_attribute_item(entity, attr, cast)],
        req.query,
        cast or "AttributeMetadata",
        _properties(cast),
    )
    url = here + (f"/{CRM}{cast}" if cast else "") + context_fragment(req.query) + "/$entity"
    return json_response(200, {"@odata.context": url, **row})


def _properties(cast: str | None) -> tuple[str, ...]:
    return (*shapes.ATTRIBUTE_PROPERTIES, *shapes.DERIVED_PROPERTIES.get(cast or "", ()))


def _keys(
    context: HandlerContext, entity: Entity, raw: str | None, req: Request, here: str
) -> Response:
    if raw is None:
        if req.method == "POST":
            return create_key(context, entity, req)
        only_read(req, "alternate keys (other than creating and deleting them)")
        items = [Item(key_json(context, entity, k)) for k in entity.keys.values()]
        rows = shape(items, req.query, "EntityKeyMetadata", KEY_PROPERTIES)
        return json_response(
            200, {"@odata.context": here + context_fragment(req.query), "value": rows}
        )
    if req.method != "DELETE":
        only_read(req, "alternate keys (other than creating and deleting them)")
    wanted = key_value(raw, "LogicalName")
    for key in entity.keys.values():
        if wanted in (key.logical_name, key.metadata_id):
            if req.method == "DELETE":
                return tables.delete_key(context, entity, key)
            [row] = shape(
                [Item(key_json(context, entity, key))],
                req.query,
                "EntityKeyMetadata",
                KEY_PROPERTIES,
            )
            return json_response(200, row)
    raise ODataError(404, "0x80040217", f"Could not find key {wanted}")


def _entity(context: HandlerContext, raw: str) -> Entity:
    wanted = key_value(raw, "LogicalName")
    for entity in context.schema.by_name.values():
        if wanted in (entity.logical_name, entity.metadata_id):
            return entity
    # Dataverse reports a missing table definition as ObjectDoesNotExist.
    raise ODataError(404, "0x80040217", f"Could not find entity with name {wanted}")


def _child_attribute(entity: Entity, raw: str) -> Attribute:
    wanted = key_value(raw, "LogicalName")
    for attr in entity.attributes.values():
        if wanted in (attr.name, attr.metadata_id):
            return attr
    raise ODataError(
        404, "0x80040217", f"Could not find attribute {wanted} for entity {entity.logical_name}"
    )

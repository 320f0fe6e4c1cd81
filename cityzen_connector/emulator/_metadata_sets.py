"""``RelationshipDefinitions`` and ``GlobalOptionSetDefinitions`` (Microsoft Learn: "Query
table definitions using the Web API", sections "Querying relationship metadata" and "Querying
Global OptionSets"; "Reference Dataverse schema definitions by name or MetadataId").

Relationships: all of them (each annotated with its derived type), cast to
``OneToManyRelationshipMetadata`` or ``ManyToManyRelationshipMetadata``, or one by
``SchemaName`` or ``MetadataId``. Global option sets: all, or one by ``Name`` or
``MetadataId``; "this path does not support the use of the $filter system query option".
Creating either is not emulated (501).
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator import _metadata_relationships as rel
from cityzen_connector.emulator import _metadata_shapes as shapes
from cityzen_connector.emulator import _option_sets as options
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._definitions import is_global
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import Request, Response, Segment, json_response
from cityzen_connector.emulator._metadata_query import Item, context_fragment, key_value, shape
from cityzen_connector.emulator._schema import Attribute, Entity

CRM = shapes.CRM
_RELATIONSHIP_TYPES = (rel.ONE_TO_MANY, rel.MANY_TO_MANY)
_OPTION_SET_TYPES = ("OptionSetMetadata", "BooleanOptionSetMetadata")


def handle_definition_sets(
    context: HandlerContext, req: Request, head: Segment, tail: list[str]
) -> Response:
    if req.method in ("POST", "PUT", "PATCH", "DELETE"):
        raise err.method_not_emulated(f"{req.method} on {head.name}")
    if req.method != "GET":
        raise err.method_not_allowed(req.method)
    if len(tail) > 1:
        raise err.segment_not_found(tail[1])
    if head.name == "RelationshipDefinitions":
        return _relationships(context, req, head.key, tail[0] if tail else None)
    return _option_sets(context, req, head.key, tail[0] if tail else None)


def _cast(segment: str | None, allowed: tuple[str, ...]) -> str | None:
    if segment is None:
        return None
    name = segment.removeprefix(CRM)
    if not segment.startswith(CRM) or name not in allowed:
        raise err.segment_not_found(segment)
    return name


def _relationships(
    context: HandlerContext, req: Request, key: str | None, tail: str | None
) -> Response:
    cast = _cast(tail, _RELATIONSHIP_TYPES)
    root = f"{req.service_root}$metadata#RelationshipDefinitions"
    rows = rel.relationship_rows(context.schema)
    props = rel.BASE_PROPERTIES + (rel.DERIVED_PROPERTIES[cast] if cast else ())
    declared = cast or "RelationshipMetadataBase"
    if key is None:
        items = [_item(kind, row, cast) for kind, row in rows if cast in (None, kind)]
        body = shape(items, req.query, declared, props)
        url = root + (f"/{CRM}{cast}" if cast else "") + context_fragment(req.query)
        return json_response(200, {"@odata.context": url, "value": body})
    wanted = key_value(key, "SchemaName")
    for kind, row in rows:
        if wanted in (row["SchemaName"], row["MetadataId"]):
            if cast not in (None, kind):
                # OData URL Conventions 4.11: not an instance of the cast type, 404.
                break
            [one] = shape([_item(kind, row, cast)], req.query, declared, props)
            url = root + (f"/{CRM}{cast}" if cast else "") + context_fragment(req.query)
            return json_response(200, {"@odata.context": url + "/$entity", **one})
    raise ODataError(404, "0x80040217", f"Could not find relationship {wanted}")


def _item(kind: str, row: dict[str, Any], cast: str | None) -> Item:
    return Item(row, None if cast else f"#{CRM}{kind}")


def _global_choices(context: HandlerContext) -> list[tuple[Entity, Attribute]]:
    return [
        (entity, attr)
        for entity in context.schema.by_name.values()
        for attr in entity.attributes.values()
        if is_global(entity, attr)
    ]


def _option_sets(
    context: HandlerContext, req: Request, key: str | None, tail: str | None
) -> Response:
    cast = _cast(tail, _OPTION_SET_TYPES)
    root = f"{req.service_root}$metadata#GlobalOptionSetDefinitions"
    allowed = frozenset({"$select"})
    if key is None:
        if cast is not None:
            raise err.segment_not_found(f"{CRM}{cast}")
        items = [_option_set_item(e, a, None) for e, a in _global_choices(context)]
        body = shape(
            items,
            req.query,
            "OptionSetMetadataBase",
            options.OPTION_SET_PROPERTIES,
            allowed=allowed,
        )
        return json_response(
            200, {"@odata.context": root + context_fragment(req.query), "value": body}
        )
    wanted = key_value(key, "Name")
    for entity, attr in _global_choices(context):
        row = options.option_set_json(entity, attr)
        if wanted not in (row["Name"], row["MetadataId"]):
            continue
        if cast not in (None, options.option_set_type(attr)):
            break  # OData URL Conventions 4.11: 404
        props = options.option_set_properties(attr) if cast else options.OPTION_SET_PROPERTIES
        declared = cast or "OptionSetMetadataBase"
        [one] = shape(
            [_option_set_item(entity, attr, cast)], req.query, declared, props, allowed=allowed
        )
        url = root + (f"/{CRM}{cast}" if cast else "") + context_fragment(req.query)
        return json_response(200, {"@odata.context": url + "/$entity", **one})
    raise ODataError(404, "0x80040217", f"Could not find optionset {wanted}")


def _option_set_item(entity: Entity, attr: Attribute, cast: str | None) -> Item:
    odata_type = None if cast else f"#{CRM}{options.option_set_type(attr)}"
    return Item(options.option_set_json(entity, attr), odata_type)

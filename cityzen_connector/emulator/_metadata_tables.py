"""Creating and deleting definitions: tables, and the columns and keys of a table.

- ``POST EntityDefinitions`` ("Create and update table definitions using the Web API",
  https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-update-entity-definitions-using-web-api):
  an ``EntityMetadata`` whose ``Attributes`` hold one ``StringAttributeMetadata`` with
  ``IsPrimaryName`` true; "204 No Content" and ``OData-EntityId: …/EntityDefinitions(<id>)``.
- An activity table: ``IsActivity`` true, as "Custom activities" describes it (``_activities``):
  its primary column is ``Subject``, it has notes, and each of its rows has its
  ``activitypointer`` row. ``HasNotes`` on any table lets notes name its rows
  (``objectid_<table>``); ``ChangeTrackingEnabled`` is kept.
- A new table gets the SDK message filters of its Create and Update (``_event_filters``), so
  that steps can be registered on it; deleting it removes them and its relationships.
- ``POST CreateEntities`` (what Microsoft's Python SDK sends to create a table): ``Entities``,
  a collection of ``ComplexEntityMetadata`` ("ComplexEntityMetadata ComplexType", Microsoft
  Learn, https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/complexentitymetadata),
  their columns ``Complex<Type>AttributeMetadata``. Learn documents the type, not the action's
  reply: the emulator answers 204 without a body (docs/emulator.md lists the difference).
- ``DELETE`` of a table, column or key definition by its URL. "Use the Web API with table
  definitions": "You can perform any of the table and column definition (metadata) operations
  with the Web API that you can perform using the SDK for .NET" (DeleteEntityRequest,
  DeleteAttributeRequest, DeleteEntityKeyRequest); the Web API Elastic Table Operations sample
  (microsoft/PowerApps-Samples) shows ``DELETE …/EntityDefinitions(LogicalName='…')`` answered
  "204 NoContent". Only what was created through the Web API can be deleted.
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._activities import check_activity_definition
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._custom_tables import (
    TableSkeleton,
    add_table,
    is_created,
    remove_table,
)
from cityzen_connector.emulator._event_filters import add_event_filters, remove_event_filters
from cityzen_connector.emulator._http import Request, Response
from cityzen_connector.emulator._metadata_write import (
    COMPLEX,
    SCHEMA_NAME_RE,
    parse_attribute,
)
from cityzen_connector.emulator._schema import NAME_RE, Attribute, Entity, Key

_CRM = "Microsoft.Dynamics.CRM."
_PAGE = "Create and update table definitions using the Web API"
# OwnershipTypes the emulator's records know: rows owned by a user (ownerid, owningbusinessunit)
# or by the organisation (no owner).
_OWNERSHIPS = frozenset({"UserOwned", "OrganizationOwned"})


def table_write(context: HandlerContext, req: Request, entity: Entity | None) -> Response:
    """``POST EntityDefinitions`` or ``DELETE EntityDefinitions(<key>)`` (``entity``)."""
    if req.method == "POST" and entity is None:
        return create_table(context, req)
    if req.method == "DELETE" and entity is not None:
        return delete_table(context, entity)
    raise err.method_not_emulated(f"{req.method} on tables (EntityDefinitions)")


def create_table(context: HandlerContext, req: Request) -> Response:
    body = req.json_body("EntityDefinitions")
    [(table, entity)] = _tables(context, [body], complex=False)
    _add(context, [(table, entity)])
    url = f"{req.service_root}EntityDefinitions({entity.metadata_id})"
    return Response(204, [("OData-EntityId", url)])


def create_entities(context: HandlerContext, req: Request) -> Response:
    if req.method != "POST":
        raise err.method_not_allowed(req.method)
    body = req.json_body("CreateEntities")
    entities = body.get("Entities")
    if not isinstance(entities, list) or not entities:
        raise err.bad_request("Entities must list at least one ComplexEntityMetadata.")
    # All or nothing: every table is checked before the first is added.
    _add(context, _tables(context, entities, complex=True))
    return Response(204)


def delete_table(context: HandlerContext, entity: Entity) -> Response:
    if not is_created(context.store, entity):
        raise err.bad_request(
            f"The table {entity.logical_name} is not a custom table created through the Web "
            "API: the emulator deletes only those."
        )
    with context.store.transaction():
        remove_table(context.store, context.schema, entity)
        remove_event_filters(context.store, entity.logical_name)
        context.persist_metadata()
    return Response(204)


def delete_attribute(context: HandlerContext, entity: Entity, attr: Attribute) -> Response:
    if not attr.custom:
        raise err.bad_request(
            f"The column {attr.name} is not a custom column: it cannot be deleted."
        )
    if attr.name == entity.primary_name:
        raise err.bad_request(f"The column {attr.name} is the primary name column of its table.")
    for key in entity.keys.values():
        if attr.name in key.attributes:
            raise err.bad_request(
                f"The column {attr.name} is part of the alternate key {key.schema_name}: "
                "delete the key first."
            )
    with context.store.transaction():
        entity.attributes = {k: v for k, v in entity.attributes.items() if k != attr.name}
        context.store.drop_column(entity.logical_name, attr.name)
        context.persist_metadata()
    return Response(204)


def delete_key(context: HandlerContext, entity: Entity, key: Key) -> Response:
    entity.keys = {k: v for k, v in entity.keys.items() if k != key.logical_name}
    context.persist_metadata()
    return Response(204)


def _add(context: HandlerContext, tables: list[tuple[TableSkeleton, Entity]]) -> None:
    with context.store.transaction():
        for table, entity in tables:
            add_table(context.store, context.schema, table, entity)
            add_event_filters(context.records, entity.logical_name)
        context.persist_metadata()


def _tables(
    context: HandlerContext, bodies: list[Any], *, complex: bool
) -> list[tuple[TableSkeleton, Entity]]:
    built: list[tuple[TableSkeleton, Entity]] = []
    for body in bodies:
        if not isinstance(body, dict):
            raise err.bad_request("Each table definition must be a JSON object.")
        table, entity = _table(context, body, complex=complex)
        if any(e.logical_name == entity.logical_name for _, e in built):
            raise err.bad_request(f"The table {entity.logical_name} is defined twice.")
        built.append((table, entity))
    return built


def _table(
    context: HandlerContext, body: dict[str, Any], *, complex: bool
) -> tuple[TableSkeleton, Entity]:
    expected = f"{_CRM}{COMPLEX if complex else ''}EntityMetadata"
    if body.get("@odata.type", expected) != expected:
        raise err.bad_request(f"A table definition must be a {expected}.")
    schema_name = str(body.get("SchemaName", ""))
    if not SCHEMA_NAME_RE.match(schema_name):
        raise err.bad_request(
            "The SchemaName must start with a customization prefix and an underscore."
        )
    name = schema_name.lower()
    if name in context.schema.by_name or not NAME_RE.match(name):
        raise err.bad_request(f"A table named {name} already exists.")
    _refuse_kinds(body)
    activity = body.get("IsActivity") is True
    if activity:
        check_activity_definition(body)
    ownership = body.get("OwnershipType")
    if ownership not in _OWNERSHIPS:
        raise err.not_emulated(f"OwnershipType {str(ownership)[:40]}", _PAGE)
    attributes = body.get("Attributes")
    columns = [a for a in attributes if isinstance(a, dict)] if isinstance(attributes, list) else []
    primary = _primary(columns, complex=complex, activity=activity)
    entity_set = body.get("EntitySetName")
    if not isinstance(entity_set, str) or not NAME_RE.match(entity_set):
        entity_set = _plural(name)
    if entity_set in context.schema.by_set:
        raise err.bad_request(f"An entity set named {entity_set} already exists.")
    table = TableSkeleton(
        logical_name=name,
        schema_name=schema_name,
        entity_set=entity_set,
        primary_id="activityid" if activity else f"{name}id",
        primary_name=str(primary.get("SchemaName", "")).lower(),
        ownership=str(ownership),
        is_activity=activity,
        has_notes=body.get("HasNotes") is True,
        change_tracking=body.get("ChangeTrackingEnabled") is True,
        subject_max_length=_max_length(primary) if activity else 100,
    )
    entity = table.entity()
    for column in columns:
        if activity and column is primary:
            continue  # an activity's subject is activitypointer's, sized by its definition
        attr = parse_attribute(entity, column, complex=complex)
        entity.attributes[attr.name] = attr
    return table, entity


def _primary(columns: list[dict[str, Any]], *, complex: bool, activity: bool) -> dict[str, Any]:
    # "The entity must include the definition for the primary name attribute", "one
    # StringAttributeMetadata… The attribute IsPrimaryName property must be true."
    primary = [a for a in columns if a.get("IsPrimaryName") is True]
    string_type = f"{_CRM}{COMPLEX if complex else ''}StringAttributeMetadata"
    if len(primary) != 1 or primary[0].get("@odata.type") != string_type:
        raise err.bad_request(
            f"Attributes must hold exactly one {string_type} whose IsPrimaryName is true."
        )
    if activity and primary[0].get("SchemaName") != "Subject":
        # "Custom activities": "The schema name of the PrimaryAttribute for all activities must
        # be 'Subject'."
        raise err.bad_request(
            "The schema name of the primary attribute of an activity must be Subject."
        )
    return primary[0]


def _max_length(column: dict[str, Any]) -> int:
    value = column.get("MaxLength", 100)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 4000:
        raise err.bad_request("MaxLength must be an integer between 1 and 4000.")
    return value


def _refuse_kinds(body: dict[str, Any]) -> None:
    """Kinds of tables the emulator's records cannot be: refused by name, never half-made."""
    if body.get("IsActivityParty") is True:
        raise err.not_emulated("activity party tables (IsActivityParty true)", "Activity tables")
    if body.get("HasActivities") is True and body.get("IsActivity") is not True:
        raise err.not_emulated("activities of a table (HasActivities true)", "Custom activities")
    kind = body.get("TableType", "Standard")
    if kind != "Standard":
        raise err.not_emulated(f"TableType {str(kind)[:40]}", _PAGE)


def _plural(name: str) -> str:
    # Without an EntitySetName, the one Dataverse derives (by default the LogicalCollectionName,
    # "Web API Service Documents"): English plural rules, as the shipped tables show them
    # (account → accounts, systemuser → systemusers); docs/emulator.md lists the difference.
    if name.endswith(("s", "x", "z", "ch", "sh")):
        return name + "es"
    if name.endswith("y") and name[-2:-1] not in ("a", "e", "i", "o", "u"):
        return name[:-1] + "ies"
    return name + "s"

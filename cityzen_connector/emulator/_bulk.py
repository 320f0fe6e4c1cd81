"""``CreateMultiple``, ``UpdateMultiple`` and ``UpsertMultiple`` bound actions (Microsoft Learn,
"Use bulk operation messages", power-apps/developer/data-platform/bulk-operations):
``{"Targets": [...]}`` with each item's ``@odata.type``; on standard tables the whole request
succeeds or fails as one transaction ("Any error that occurs in a bulk operation with a standard
table causes the entire operation to roll back"). Upsert and update items name an existing row
by ``@odata.id`` (alternate key or id) or by their primary id column. ``UpdateMultiple`` and
``UpsertMultiple`` answer ``204 NoContent`` ("UpdateMultiple Action" reference; "UpsertMultiple
Action": "The UpsertMultipleResponse complex type is not returned"); ``CreateMultiple`` answers
its ``Ids``. An update target naming no row fails them all with the message the bulk page
lists, "Contact With Ids = <guid> Do Not Exist".
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import Request, Response, json_response, parse_segment
from cityzen_connector.emulator._schema import Entity

MAX_TARGETS = 1000


def handle_bulk(context: HandlerContext, entity: Entity, action: str, req: Request) -> Response:
    payload = req.json_body(entity.entity_set)
    targets = payload.get("Targets")
    if not isinstance(targets, list) or not targets:
        raise err.bad_request("The Targets parameter must be a non-empty array of records.")
    if len(targets) > MAX_TARGETS:
        raise err.bad_request(
            f"The Targets parameter cannot contain more than {MAX_TARGETS} records."
        )
    expected = f"Microsoft.Dynamics.CRM.{entity.logical_name}"
    ids: list[str] = []
    name = action.rsplit(".", 1)[-1]
    with context.store.transaction():
        for item in targets:
            if not isinstance(item, dict):
                raise err.payload_error(entity.entity_set, "Each target must be a JSON object.")
            if item.get("@odata.type") != expected:
                raise err.payload_error(
                    entity.entity_set,
                    f'Each target must have "@odata.type": "{expected}".',
                )
            ids.append(_one(context, entity, item, req, name))
    if name != "CreateMultiple":
        return Response(204, operations=len(ids))  # one per target (_cost.py)
    body: dict[str, Any] = {
        "@odata.context": f"{req.service_root}$metadata#Microsoft.Dynamics.CRM.{name}Response",
        "Ids": ids,
    }
    response = json_response(200, body)
    response.operations = len(ids)  # one per target (_cost.py)
    return response


def _one(
    context: HandlerContext, entity: Entity, item: dict[str, Any], req: Request, name: str
) -> str:
    records = context.records
    changes = records.changes(entity, item, req)
    if name == "CreateMultiple":
        return records.create(entity, changes, caller=req.caller).id
    key_values: dict[str, Any] = {}
    row = None
    odata_id = item.get("@odata.id")
    if isinstance(odata_id, str):
        segment = parse_segment(odata_id.rsplit("/", 1)[-1])
        if segment.name != entity.entity_set or segment.key is None:
            raise err.payload_error(entity.entity_set, "The @odata.id does not address this table.")
        record_id, key_values = records.locate(entity, segment.key)
        row = context.store.get(entity.logical_name, record_id) if record_id else None
    elif changes.get(entity.primary_id):
        row = context.store.get(entity.logical_name, changes[entity.primary_id])
    if row is not None:
        return records.update(entity, row, changes, caller=req.caller).id
    if name == "UpdateMultiple":
        missing = key_values.get(entity.primary_id) or changes.get(entity.primary_id)
        if missing is None and not key_values:
            raise err.bad_request("Each UpdateMultiple target needs its primary id or @odata.id.")
        shown = missing if missing is not None else ",".join(map(str, key_values.values()))
        raise ODataError(
            404, "0x80040217", f"{entity.logical_name.capitalize()} With Ids = {shown} Do Not Exist"
        )
    records.add_key_values(entity, changes, key_values)
    return records.create(entity, changes, caller=req.caller).id

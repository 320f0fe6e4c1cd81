"""Requests below one row: ``teams(<id>)/teammembership_association`` (a filtered collection)
and ``…/$ref`` (associate and disassociate).

"Associate and disassociate table rows using the Web API" (Microsoft Learn, power-apps/
developer/data-platform/webapi/associate-disassociate-entities-using-web-api): ``POST
<row>/<collection>/$ref`` with ``{"@odata.id": "<row url>"}`` adds a row to a collection-valued
navigation property ("a 1:N relationship but you can perform the same operation for an N:N
relationship"); ``DELETE <row>/<collection>/$ref?$id=<row url>`` or ``DELETE
<row>/<collection>(<id>)/$ref`` removes it; ``PUT``/``DELETE <row>/<lookup>/$ref`` set and clear
a single-valued one; each answers 204. "Retrieve a table row using the Web API": ``GET
<row>/<collection>/$ref`` lists references (``$metadata#Collection($ref)``). "Use OData to query
data", Filtered collections: ``GET <row>/<collection>`` takes the usual query options.

Microsoft documents no reply for associating a pair twice: the emulator answers Dataverse's
DuplicateRecord ("Cannot insert duplicate key."); nor for removing a pair that is not there:
the emulator answers 404, which a client removing idempotently must accept either way.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._config import SEED_NS
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._http import Request, Response, json_response, parse_segment
from cityzen_connector.emulator._query import Scope, check_options, query_collection
from cityzen_connector.emulator._relationships import TARGETS, Collection
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._security import message_refusal, navigation_refusal
from cityzen_connector.emulator._store import ROW_VERSION, Row

_PAGE = "Associate and disassociate table rows using the Web API"
MAX_REFERENCES = 5000


def handle_navigation(
    context: HandlerContext, entity: Entity, key: str, rest: str, req: Request
) -> Response:
    first, _, tail = rest.partition("/")
    segment = parse_segment(first)
    refusal = message_refusal(segment.name) or navigation_refusal(segment.name)
    if refusal is not None:
        raise refusal
    collection = context.schema.relationships.collection(entity.logical_name, segment.name)
    single = entity.navigation(segment.name) is not None
    if tail not in ("", "$ref"):
        if tail == "$count" and collection is not None and segment.key is None:
            raise err.not_emulated(f"{segment.name}/$count", "Retrieve a table row")
        raise err.segment_not_found(tail)
    if collection is None:
        if single and tail == "$ref" and segment.key is None:
            return _single_valued(context, entity, key, segment.name, req)
        if single or segment.name in entity.attributes:
            raise err.not_emulated(f"the URL {entity.entity_set}(…)/{first}", _PAGE)
        raise err.segment_not_found(segment.name)
    if segment.key is not None and tail == "":
        raise err.not_emulated(f"the URL {entity.entity_set}(…)/{first}", _PAGE)
    parent = context.records.get(entity, key)
    target = context.schema.by_name[collection.target]
    if tail == "":
        if req.method != "GET":
            raise err.method_not_allowed(req.method)
        link, params = collection.link("r", "?", [parent.id])
        body, headers = query_collection(
            context.records, target, req, Scope(link, params, req.path)
        )
        return json_response(200, body, headers)
    if req.method == "GET" and segment.key is None:
        return _references(context, collection, parent, req)
    if req.method == "POST" and segment.key is None:
        member = _referenced(context, target, req.json_body(entity.entity_set), req)
        with context.store.transaction():
            _associate(context, collection, parent, member, req)
        return Response(204)
    if req.method == "DELETE":
        member_key = segment.key if segment.key is not None else _id_option(req, target)
        with context.store.transaction():
            member = context.records.get(target, member_key)
            _disassociate(context, collection, parent, member, req)
        return Response(204)
    raise err.method_not_allowed(req.method)


def _single_valued(
    context: HandlerContext, entity: Entity, key: str, nav: str, req: Request
) -> Response:
    """``PUT <row>/<lookup>/$ref`` sets a lookup, ``DELETE`` clears it, as ``@odata.bind``
    does ("Change the reference in a single-valued navigation property")."""
    if req.method == "PUT":
        body = req.json_body(entity.entity_set)
        payload: dict[str, Any] = {f"{nav}@odata.bind": body.get("@odata.id")}
        if not isinstance(payload[f"{nav}@odata.bind"], str):
            raise err.payload_error(entity.entity_set, "The body needs an @odata.id URI.")
    elif req.method == "DELETE":
        payload = {f"{nav}@odata.bind": None}
    else:
        raise err.method_not_allowed(req.method)
    records = context.records
    with context.store.transaction():
        row = records.get(entity, key)
        records.update(entity, row, records.changes(entity, payload, req), caller=req.caller)
    return Response(204)


def _references(
    context: HandlerContext, collection: Collection, parent: Row, req: Request
) -> Response:
    check_options(req.query, frozenset())
    target = context.schema.by_name[collection.target]
    link, params = collection.link("r", "?", [parent.id])
    rows = context.store.select(
        target.logical_name,
        where=link,
        params=params,
        order="r.id ASC",
        order_params=[],
        limit=MAX_REFERENCES,
        offset=0,
    )
    value = [{"@odata.id": f"{req.service_root}{target.entity_set}({r.id})"} for r in rows]
    body = {"@odata.context": f"{req.service_root}$metadata#Collection($ref)", "value": value}
    return json_response(200, body)


def _referenced(context: HandlerContext, target: Entity, body: dict[str, Any], req: Request) -> Row:
    """The row an ``@odata.id`` names; it must be of the collection's table."""
    odata_id = body.get("@odata.id")
    if not isinstance(odata_id, str):
        raise err.payload_error(target.entity_set, "The body needs an @odata.id URI.")
    entity_set, key = context.records.resolve_reference(odata_id, req)
    _same_table(target, entity_set)
    return context.records.get(target, key)


def _id_option(req: Request, target: Entity) -> str:
    """``$id=<row URL>``, the other way to name the row to remove from the collection."""
    raw = req.query.get("$id")
    if raw is None:
        raise err.bad_request(
            "Removing a reference from a collection needs $id=<row URL> or <collection>(<id>)."
        )
    segment = parse_segment(raw.rsplit("/", 1)[-1])
    if segment.key is None:
        raise err.bad_request(f"The URI '{raw[:200]}' does not address a single record.")
    _same_table(target, segment.name)
    return segment.key


def _same_table(target: Entity, entity_set: str) -> None:
    if entity_set != target.entity_set:
        raise err.payload_error(
            target.entity_set, f"This collection holds {target.entity_set}, not {entity_set[:100]}."
        )


def _pair(collection: Collection, parent: Row, member: Row) -> tuple[str, dict[str, Any]]:
    assert collection.source_column is not None
    assert collection.target_column is not None
    data = {collection.source_column: parent.id, collection.target_column: member.id}
    canonical = ",".join(f"{k}={v}" for k, v in sorted(data.items()))
    return str(uuid.uuid5(SEED_NS, f"{collection.intersect}:{canonical}")), data


def _associate(
    context: HandlerContext, collection: Collection, parent: Row, member: Row, req: Request
) -> None:
    if collection.intersect is None:  # 1:N: the member's lookup names the parent
        assert collection.lookup is not None
        target = context.schema.by_name[collection.target]
        changes = {collection.lookup: parent.id, TARGETS: {collection.lookup: collection.source}}
        context.records.update(target, member, changes, caller=req.caller)
        return
    pair_id, data = _pair(collection, parent, member)
    if context.store.get(collection.intersect, pair_id) is not None:
        raise err.duplicate_association()
    context.store.insert(
        collection.intersect, Row(pair_id, data, context.store.next_counter(ROW_VERSION))
    )


def _disassociate(
    context: HandlerContext, collection: Collection, parent: Row, member: Row, req: Request
) -> None:
    target = context.schema.by_name[collection.target]
    if collection.intersect is None:
        assert collection.lookup is not None
        named = member.data.get(TARGETS, {}).get(collection.lookup, collection.source)
        if member.data.get(collection.lookup) != parent.id or named != collection.source:
            raise err.record_not_found(target.logical_name, member.id)
        context.records.update(target, member, {collection.lookup: None}, caller=req.caller)
        return
    pair_id, _ = _pair(collection, parent, member)
    if context.store.get(collection.intersect, pair_id) is None:
        raise err.record_not_found(target.logical_name, member.id)
    context.store.delete(collection.intersect, pair_id)


def forget_associations(context: HandlerContext, entity: Entity, record_id: str) -> None:
    """A deleted row leaves its many-to-many relationships, as Dataverse removes intersect
    rows with the rows they join."""
    for collection in context.schema.relationships.intersect_collections():
        if collection.source != entity.logical_name or collection.intersect is None:
            continue
        assert collection.source_column is not None
        for pair_id in context.store.find(
            collection.intersect, {collection.source_column: record_id}
        ):
            context.store.delete(collection.intersect, pair_id)

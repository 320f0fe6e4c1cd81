"""Routes a :class:`Request` to the operation it names and shapes the reply."""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._activities import forget_pointer
from cityzen_connector.emulator._batch import handle_batch
from cityzen_connector.emulator._bulk import handle_bulk
from cityzen_connector.emulator._changes import handle_changes, tracks_changes
from cityzen_connector.emulator._close_incident import ACTION as CLOSE_INCIDENT
from cityzen_connector.emulator._close_incident import handle_close_incident
from cityzen_connector.emulator._config import ORGANIZATION_ID
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import (
    Request,
    Response,
    error_response,
    etag,
    json_response,
    parse_segment,
)
from cityzen_connector.emulator._impersonation import resolve_caller
from cityzen_connector.emulator._metadata_api import handle_metadata
from cityzen_connector.emulator._navigation import forget_associations, handle_navigation
from cityzen_connector.emulator._options import query_option_handler
from cityzen_connector.emulator._query import (
    check_options,
    parse_expand,
    parse_select,
    query_collection,
    query_env,
    row_payload,
    wants_annotations,
)
from cityzen_connector.emulator._request_facts import request_scope
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._security import message_refusal
from cityzen_connector.emulator._store import Row
from cityzen_connector.emulator._table_messages import check_message
from cityzen_connector.emulator._written import written_reply

BULK = {
    "Microsoft.Dynamics.CRM.CreateMultiple",
    "Microsoft.Dynamics.CRM.UpdateMultiple",
    "Microsoft.Dynamics.CRM.UpsertMultiple",
}
_DEFINITIONS = ("EntityDefinitions", "RelationshipDefinitions", "GlobalOptionSetDefinitions")
_METADATA_ACTIONS = ("InsertOptionValue", "CreateEntities", "$metadata")
# Documented messages the emulator has no room for, refused by name (501), never faked nor
# answered "Resource not found": BulkDelete starts an asynchronous system job (asyncoperation,
# bulkdeleteoperation); RetrieveMetadataChanges answers a metadata query language and
# versioned deltas of definitions.
_NOT_EMULATED = {
    "BulkDelete": (
        "The BulkDelete action (an asynchronous bulk deletion job; Microsoft Learn: Delete data "
        "in bulk, https://learn.microsoft.com/power-apps/developer/data-platform/delete-data-bulk)"
    ),
    "RetrieveMetadataChanges": (
        "The RetrieveMetadataChanges function (Microsoft Learn: Query schema definitions, "
        "https://learn.microsoft.com/power-apps/developer/data-platform/query-schema-definitions)"
    ),
}
# Knowledge-base searches Dataverse ranks itself (the knowledgearticle and kbarticle table
# references' messages): refused by name, with or without the namespace or a parameter list.
KNOWLEDGE_SEARCHES = frozenset(
    {
        "FullTextSearchKnowledgeArticle",
        "SearchByBodyKbArticle",
        "SearchByKeywordsKbArticle",
        "SearchByTitleKbArticle",
    }
)


class Router:
    """Dispatches to the handlers, giving them the :class:`HandlerContext` (never the app)."""

    def __init__(self, context: HandlerContext) -> None:
        self.context = context
        self.records = context.records
        self.schema = context.schema

    def handle_top(self, req: Request) -> Response:
        """Handle a top-level request; the reply states its operations (``_cost.py``)."""
        with request_scope(req):  # one correlation id for all it causes (_request_facts)
            if req.path == "$batch":
                try:
                    self._impersonate(req)  # a batch under an unknown user fails as a whole
                except ODataError as exc:
                    return error_response(exc)  # one operation, as every error reply
                return handle_batch(self.context, self.handle, req)
            return self.handle(req)

    def handle(self, req: Request) -> Response:
        with request_scope(req):
            try:
                self._impersonate(req)
                return self._dispatch(req)
            except ODataError as exc:
                return error_response(exc)

    def _impersonate(self, req: Request) -> None:
        req.caller = resolve_caller(self.context.store, self.context.caller_id, req)

    def _dispatch(self, req: Request) -> Response:
        path = req.path
        if path in ("", "/"):
            return self._service_document(req)
        first, _, rest = path.partition("/")
        if first in ("WhoAmI", "WhoAmI()"):
            return self._who_am_i(req)
        if first == CLOSE_INCIDENT and not rest:
            return handle_close_incident(self.context, req)
        operation = first.partition("(")[0].removeprefix("Microsoft.Dynamics.CRM.")
        if operation in KNOWLEDGE_SEARCHES:
            raise err.knowledge_search_not_emulated(operation)
        refused = _NOT_EMULATED.get(first.split("(", 1)[0])
        if refused is not None and not rest:
            raise err.method_not_emulated(refused)
        if first.startswith(_DEFINITIONS) or first in _METADATA_ACTIONS:
            if req.method == "GET":
                return handle_metadata(self.context, req)
            with self.context.store.lock:  # metadata writes check-then-set; one at a time
                return handle_metadata(self.context, req)
        return self._entity_set(req, first, rest)

    def _entity_set(self, req: Request, first: str, rest: str) -> Response:
        segment = parse_segment(first)
        entity = self.schema.entity_for_set(segment.name)
        if entity is None:
            raise message_refusal(segment.name) or err.segment_not_found(segment.name)
        if not rest or rest in BULK:
            check_message(entity, req.method)
        if rest:
            if segment.key is None and rest in BULK and req.method == "POST":
                return handle_bulk(self.context, entity, rest, req)
            if segment.key is not None:  # a navigation property, its $ref
                return handle_navigation(self.context, entity, segment.key, rest, req)
            raise err.segment_not_found(rest)
        if segment.key is None:
            if req.method == "GET":
                return self._query(entity, req)
            if req.method == "POST":
                return self._create(entity, req)
            raise err.method_not_allowed(req.method)
        handlers = {"GET": self._retrieve, "PATCH": self._upsert, "DELETE": self._delete}
        handler = handlers.get(req.method)
        if handler is None:
            raise err.method_not_allowed(req.method)
        return handler(entity, segment.key, req)

    # -- operations ------------------------------------------------------------------------
    def _query(self, entity: Entity, req: Request) -> Response:
        special = query_option_handler(req.query)  # fetchXml, savedQuery…: _options
        if special is not None:
            return special(self.context, entity, req)
        if tracks_changes(req):  # Prefer: odata.track-changes, or a delta link
            return handle_changes(self.context, entity, req)
        body, headers = query_collection(self.records, entity, req)
        return json_response(200, body, headers)

    def _written(
        self, req: Request, entity: Entity, row: Row, created: bool, key: str | None = None
    ) -> Response:
        return written_reply(self.records, req, entity, row, created=created, addressed_key=key)

    def _create(self, entity: Entity, req: Request) -> Response:
        payload = req.json_body(entity.entity_set)
        with self.context.store.transaction():
            changes = self.records.changes(entity, payload, req)
            row = self.records.create(entity, changes, caller=req.caller)
        return self._written(req, entity, row, created=True)

    def _retrieve(self, entity: Entity, key: str, req: Request) -> Response:
        check_options(req.query, frozenset({"$select", "$expand"}))
        select = parse_select(entity, req.query.get("$select"))
        env = query_env(self.records, req.caller)  # a collection's $filter may use functions
        expand = parse_expand(self.records, entity, req.query.get("$expand"), env)
        row = self.records.get(entity, key)
        tag = etag(row.version)
        if not expand and req.header("if-none-match") == tag:
            return Response(304, [("ETag", tag)])
        annotations = wants_annotations(req)
        body = row_payload(self.records, entity, row, select, expand, annotations=annotations)
        context = f"{req.service_root}$metadata#{entity.entity_set}/$entity"
        headers = [("ETag", tag)]
        if annotations is not None:
            headers.append(("Preference-Applied", annotations.applied))
        return json_response(200, {"@odata.context": context, **body}, headers)

    def _upsert(self, entity: Entity, key: str, req: Request) -> Response:
        payload = req.json_body(entity.entity_set)
        if_match = req.header("if-match")
        if_none_match = req.header("if-none-match")
        with self.context.store.transaction():
            record_id, key_values = self.records.locate(entity, key)
            row = self.context.store.get(entity.logical_name, record_id) if record_id else None
            if row is None:
                if if_match is not None:
                    # "Prevent create in upsert": 404, documented with an empty code.
                    raise _missing_for_update(entity, key_values)
                changes = self.records.changes(entity, payload, req)
                self.records.add_key_values(entity, changes, key_values)
                new = self.records.create(
                    entity, changes, caller=req.caller, duplicate_empty_code=True
                )
                return self._written(req, entity, new, created=True, key=key)
            if if_none_match == "*":
                raise err.already_exists(empty_code=True)
            if if_match not in (None, "*") and if_match != etag(row.version):
                raise err.version_mismatch()
            changes = self.records.changes(entity, payload, req)
            updated = self.records.update(entity, row, changes, caller=req.caller)
        return self._written(req, entity, updated, created=False, key=key)

    def _delete(self, entity: Entity, key: str, req: Request) -> Response:
        with self.context.store.transaction():
            row = self.records.get(entity, key)
            if_match = req.header("if-match")
            if if_match not in (None, "*") and if_match != etag(row.version):
                raise err.version_mismatch()
            self.context.store.delete(entity.logical_name, row.id)
            forget_associations(self.context, entity, row.id)
            forget_pointer(self.context.store, entity, row.id)  # an activity's pointer row
        return Response(204)

    def _service_document(self, req: Request) -> Response:
        sets = sorted(self.schema.by_set)
        value = [{"name": s, "kind": "EntitySet", "url": s} for s in sets]
        return json_response(
            200, {"@odata.context": f"{req.service_root}$metadata", "value": value}
        )

    def _who_am_i(self, req: Request) -> Response:
        if req.method != "GET":
            raise err.method_not_allowed(req.method)
        # Under impersonation WhoAmI answers the impersonated user.
        user_id = req.caller.user_id if req.caller else self.context.caller_id
        caller = self.context.store.get("systemuser", user_id)
        bu = caller.data.get("businessunitid") if caller else None
        body: dict[str, Any] = {
            "@odata.context": f"{req.service_root}$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse",
            "BusinessUnitId": bu,
            "UserId": user_id,
            "OrganizationId": ORGANIZATION_ID,
        }
        return json_response(200, body)


def _missing_for_update(entity: Entity, values: dict[str, Any]) -> ODataError:
    if set(values) == {entity.primary_id}:
        return err.record_not_found(
            entity.logical_name, str(values[entity.primary_id]), empty_code=True
        )
    return ODataError(
        404,
        "",
        f"A record with the specified key values does not exist in {entity.logical_name} entity",
    )

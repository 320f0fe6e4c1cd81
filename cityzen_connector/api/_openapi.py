"""The OpenAPI 3.1 document, generated from the routing table and the pydantic models.

OpenAPI 3.1 uses JSON Schema 2020-12 as is (https://spec.openapis.org/oas/v3.1.0#schema-object),
which is what pydantic's ``model_json_schema`` produces; every model lands in
``components/schemas`` and is referenced from there. Every error is ``application/problem+json``
with the ``Problem`` schema (RFC 9457).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from cityzen_connector.models import PROBLEM_CONTENT_TYPE

from ._contract import ApiContract, location_definition, ops_definitions, request_definitions
from ._openapi_bodies import FORM, form_schema, media_content, request_body
from ._openapi_schemas import FILE_SCHEMA, adapter, collect_schemas, schema_key, schema_objects
from ._routes import METHODS, PREFIX, ROUTES, Access, Operation, Route, Schema

# The schemas (``_openapi_schemas``) and the request bodies (``_openapi_bodies``) live apart; their
# public names stay importable from here.
__all__ = [
    "FILE_SCHEMA",
    "FORM",
    "PAGE_MAX",
    "PER_PAGE_MAX",
    "POPULAR_MAX",
    "SUGGESTIONS_MAX",
    "TITLE",
    "VERSION",
    "form_schema",
    "openapi_bytes",
    "openapi_document",
    "query_schemas",
    "schema_objects",
]

TITLE = "CityZen connector: portal API"
VERSION = "1.0.0"
# Headers that come with a status wherever it is answered (RFC 6750 section 3, RFC 9110 10.2.3).
_STATUS_HEADERS = {401: ("WWW-Authenticate",), 503: ("Retry-After",)}
_HEADERS = {
    "Idempotency-Key": "The submission's id: a UUID, or any other key (1 to 255 visible"
    " characters, mapped to a UUIDv5). With a body `id` too, both must name the same id (422"
    " otherwise).",
    "If-None-Match": "An ETag of an earlier answer: 304 if the tree has not changed.",
    "CityZen-Citizen-Issuer": "The portal names the citizen it verified: the `issuer` of a"
    " submission's `citizen` (visible ASCII). Refused with a citizen's bearer token.",
    "CityZen-Citizen-Sub": "The portal names the citizen it verified: the `sub` of a"
    " submission's `citizen`. Refused with a citizen's bearer token.",
    "If-Match": "The ETag read earlier: of the plan that was reviewed (GET"
    " /api/v1/ops/agents/plan; absent, the current plan is applied) or of the citizen's record"
    " (GET /api/v1/citizens/me; required, 428 without it). 412 if it has changed since.",
}
# The citizen-naming headers: required with the portal's key, absent with a citizen's token.
_CITIZEN_HEADERS = ("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub")
_HEADER_SCHEMAS: dict[str, dict[str, Any]] = {
    # sync.intake's resolve_id: visible ASCII once trimmed, and never the nil or max UUID.
    "Idempotency-Key": {
        "type": "string",
        "maxLength": 255,
        # A field value has no surrounding whitespace on the wire (RFC 9110 section 5.5).
        "pattern": "^[!-~]([ -~]*[!-~])?$",
        "not": {"pattern": '^"?(0{8}-(0{4}-){3}0{12}|[fF]{8}-([fF]{4}-){3}[fF]{12})"?$'},
    },
    # api._cases: the same rules as a submission's citizen, in visible ASCII.
    "CityZen-Citizen-Issuer": {"type": "string", "pattern": r"^https?://[!-~]{1,292}$"},
    "CityZen-Citizen-Sub": {"type": "string", "pattern": r"^[!-~]{1,255}$"},
}
_OPS_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "A Microsoft Entra ID access token for this API from the ops tenant, whose"
    " roles claim holds the ops app role (CITYZEN_OPS_ROLE). Function keys are not accepted.",
}
# Path parameters: a submission id is the UUID the 202 gave (anything else is a 404; control
# characters in a path are refused by the host with a 400 before routing).
_PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "id": {"type": "string", "format": "uuid"},
    "message_id": {"type": "string", "format": "uuid"},
    "n": {"type": "integer", "minimum": 0, "maximum": 99},
    # Open311 (api/open311/_routes.py): the resource's suffix, a sub-theme, a request's id.
    "format": {"enum": ["json", "xml"]},
    "service_code": {
        "type": "string",
        "pattern": r"^[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}$",
    },
    "service_request_id": {"type": "string", "format": "uuid"},
    "token": {"type": "string", "format": "uuid"},
}
_FILE_TYPES = (
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "image/heif",
    "application/pdf",
    "application/octet-stream",
)
# Query parameters' schemas (``_routes.Param.schema``); the search bounds are the handlers'
# (api._search_handlers), ``q``'s length the deployment's. Integers are written in decimal.
PAGE_MAX, PER_PAGE_MAX, SUGGESTIONS_MAX, POPULAR_MAX = 100, 50, 20, 50


def query_schemas(contract: ApiContract) -> dict[str, dict[str, Any]]:
    def bounded(default: int, maximum: int) -> dict[str, Any]:
        return {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}

    return {
        "query": {"type": "string", "minLength": 1, "maxLength": contract.max_query_chars},
        "page": bounded(1, PAGE_MAX),
        "per_page": bounded(10, PER_PAGE_MAX),
        "suggestion_limit": bounded(8, SUGGESTIONS_MAX),
        "popular_limit": bounded(10, POPULAR_MAX),
        "ops_queue": {"enum": list(contract.ops_queues)},  # this deployment's queues
    }


# Answered on every path: 405 for another method (404 via the catch-all route), and 400 when
# the host refuses the request's framing or target before any function runs (a control
# character or an undecodable escape in the path, bad chunking; see docs/localhost.md).
_EVERYWHERE: dict[int, tuple[str, tuple[str, ...]]] = {
    400: ("Malformed request: its framing or target was refused before routing", ()),
    405: ("Method not allowed on this path (Allow lists those that are)", ("Allow",)),
}


def _security(access: Access, contract: ApiContract) -> list[dict[str, list[str]]]:
    if access == "anonymous":
        return []
    if access == "ops":
        return [{"opsBearer": []}]
    if access == "function" or contract.auth_mode == "function_key":
        return [{"functionKey": []}]
    if contract.auth_mode == "bearer":
        return [{"bearerToken": []}]
    return [{"functionKey": []}, {"bearerToken": []}]


def _operation(
    route: Route, op: Operation, refs: dict[tuple[str, str], Any], contract: ApiContract
) -> dict[str, Any]:
    problem_ref = refs[("Problem", "serialization")]
    responses: dict[str, Any] = {}
    for status, answer in sorted({**op.answers}.items()):
        entry: dict[str, Any] = {"description": answer.description}
        if answer.schema == FILE_SCHEMA:
            binary = {"type": "string", "format": "binary"}
            entry["content"] = {kind: {"schema": binary} for kind in _FILE_TYPES}
        elif answer.schema is not None:
            entry["content"] = media_content(refs[(schema_key(answer.schema), "serialization")])
            if answer.xml:  # the same answer as the .xml resource: GeoReport's XML, as text
                entry["content"]["text/xml"] = {"schema": {"type": "string"}}
        elif answer.media_type is not None:
            entry["content"] = media_content({"type": "string"}, answer.media_type)
        elif status >= 400:
            entry["content"] = media_content(problem_ref, PROBLEM_CONTENT_TYPE)
        names = answer.headers + tuple(
            name for name in _STATUS_HEADERS.get(status, ()) if name not in answer.sometimes
        )
        documented: dict[str, Any] = {name: {"schema": {"type": "string"}} for name in names}
        for name in answer.sometimes:
            documented[name] = {"required": False, "schema": {"type": "string"}}
        if documented:
            entry["headers"] = documented
        responses[str(status)] = entry
    for status, (description, headers) in _EVERYWHERE.items():
        everywhere: dict[str, Any] = {
            "description": description,
            "content": media_content(problem_ref, PROBLEM_CONTENT_TYPE),
        }
        if headers:
            everywhere["headers"] = {name: {"schema": {"type": "string"}} for name in headers}
        responses.setdefault(str(status), everywhere)
    doc: dict[str, Any] = {
        "operationId": op.operation_id,
        "summary": op.summary,
        "security": _security(route.access, contract),
        "responses": responses,
    }
    parameters = (
        [
            {"name": name, "in": "path", "required": True, "schema": _PATH_PARAMETERS[name]}
            for name in _path_params(route.template)
        ]
        + _query_parameters(op.query)
        + [
            {
                "name": header,
                "in": "header",
                "required": (header in _CITIZEN_HEADERS and contract.auth_mode == "function_key")
                or header in op.required_headers,
                "description": _HEADERS[header],
                "schema": _HEADER_SCHEMAS.get(header, {"type": "string"}),
            }
            for header in op.headers
            if not (header in _CITIZEN_HEADERS and contract.auth_mode == "bearer")
        ]
    )
    schemas = query_schemas(contract)
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": param.required,
            "description": param.description,
            "schema": (
                schemas[param.schema] if isinstance(param.schema, str) else dict(param.schema)
            ),
        }
        for param in op.params
    ]
    if parameters:
        doc["parameters"] = parameters
    if op.request_body is not None:
        doc["requestBody"] = request_body(op, refs, contract)
    return doc


def _query_parameters(schema: Schema) -> list[dict[str, Any]]:
    """One ``in: query`` parameter per field of the model ``schema`` names, with the field's
    JSON Schema (an optional field's ``null`` alternative left out: a query parameter is
    absent, never null)."""
    if schema is None:
        return []
    model = adapter(schema).json_schema()
    required = set(model.get("required", ()))
    parameters = []
    for name, declared in model["properties"].items():
        field = {k: v for k, v in declared.items() if k != "title"}
        alternatives = [a for a in field.pop("anyOf", []) if a.get("type") != "null"]
        if len(alternatives) == 1:
            field = {**alternatives[0], **field}
        description = field.pop("description", None)
        if field.get("default", "") is None:
            del field["default"]
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if description:
            parameter["description"] = description
        parameters.append({**parameter, "schema": field})
    return parameters


def _path_params(template: str) -> list[str]:
    """Every ``{name}`` of the template, whole segments and parts of one (``services.{format}``)."""
    return re.findall(r"\{([a-z_]+)\}", template)


@functools.lru_cache(maxsize=8)
def openapi_document(contract: ApiContract = ApiContract()) -> dict[str, Any]:  # noqa: B008
    """The document for a deployment (``ApiContract``; the default: the models alone, as the
    published reference shows it). Built once per contract: do not mutate it."""
    refs, definitions = collect_schemas()
    request, part = request_definitions(definitions, contract)
    definitions["SubmissionRequest"], definitions["SubmissionPart"] = request, part
    definitions["Location"] = location_definition(definitions["Location"], contract)
    ops_definitions(definitions, contract)
    paths = {
        PREFIX + route.template: {
            op.method.lower(): _operation(route, op, refs, contract) for op in route.operations
        }
        for route in ROUTES
    }
    assert all(op.method in METHODS for r in ROUTES for op in r.operations)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "opsBearer": _OPS_SCHEME,
            },
        },
    }


@functools.lru_cache(maxsize=8)
def openapi_bytes(contract: ApiContract = ApiContract()) -> bytes:  # noqa: B008
    document = openapi_document(contract)
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()

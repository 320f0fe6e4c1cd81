"""api: the HTTP API -- the portal's routes and the ops routes (``/v1/ops``, Entra ID ops tokens
only, ``OpsDependencies``, ``AgentsReconciler``) -- independent of ``azure.functions``.

``build_api(deps).handle(ApiRequest) -> ApiResponse`` routes, identifies the caller, runs the
use case and answers; every error is ``application/problem+json``. ``ROUTES`` drives dispatch,
the OpenAPI document (``openapi_document()``) and the Blueprint's bindings.

Only the routing table is imported eagerly: the Blueprint module needs nothing else to declare
its functions, and the use cases (pydantic models, mappings, identity, backends) are loaded on
the first request, which keeps the Functions cold start short.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports
from cityzen_connector._types import Headers

from ._routes import (
    FALLBACK,
    HOST_ROUTES,
    METHODS,
    OPS_ROUTES,
    PREFIX,
    ROUTES,
    Access,
    Answer,
    Operation,
    Param,
    Route,
    match,
)

if TYPE_CHECKING:
    from ._app import ApiDependencies, HttpApi, caller_of
    from ._body import parse_json, read_submission
    from ._contract import ApiContract
    from ._errors import BodyError, MultipartError
    from ._handlers import HANDLERS, build_api, contract_of
    from ._http import ApiRequest, ApiResponse, json_response, problem_response
    from ._multipart import Part, parse_multipart
    from ._openapi import openapi_bytes, openapi_document
    from ._ops import AgentsReconciler, OpsDependencies

_LAZY = {
    "ApiDependencies": "_app",
    "HttpApi": "_app",
    "caller_of": "_app",
    "BodyError": "_errors",
    "parse_json": "_body",
    "ApiContract": "_contract",
    "contract_of": "_handlers",
    "read_submission": "_body",
    "HANDLERS": "_handlers",
    "build_api": "_handlers",
    "ApiRequest": "_http",
    "ApiResponse": "_http",
    "json_response": "_http",
    "problem_response": "_http",
    "MultipartError": "_errors",
    "Part": "_multipart",
    "parse_multipart": "_multipart",
    "openapi_bytes": "_openapi",
    "openapi_document": "_openapi",
    "AgentsReconciler": "_ops",
    "OpsDependencies": "_ops",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "FALLBACK",
    "HANDLERS",
    "HOST_ROUTES",
    "METHODS",
    "OPS_ROUTES",
    "PREFIX",
    "ROUTES",
    "Access",
    "AgentsReconciler",
    "Answer",
    "ApiContract",
    "ApiDependencies",
    "ApiRequest",
    "ApiResponse",
    "BodyError",
    "Headers",
    "HttpApi",
    "MultipartError",
    "Operation",
    "OpsDependencies",
    "Param",
    "Part",
    "Route",
    "build_api",
    "caller_of",
    "contract_of",
    "json_response",
    "match",
    "openapi_bytes",
    "openapi_document",
    "parse_json",
    "parse_multipart",
    "problem_response",
    "read_submission",
]

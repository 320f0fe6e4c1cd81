"""api: the portal HTTP API, independent of ``azure.functions``.

``build_api(deps).handle(ApiRequest) -> ApiResponse`` routes, identifies the caller, runs the
use case and answers; every error is ``application/problem+json``. ``ROUTES`` drives dispatch,
the OpenAPI document (``openapi_document()``) and the Blueprint's bindings.
"""

from ._app import ApiDependencies, HttpApi, caller_of
from ._body import BodyError, parse_json, read_submission
from ._handlers import HANDLERS, build_api
from ._http import ApiRequest, ApiResponse, Headers, json_response, problem_response
from ._multipart import MultipartError, Part, parse_multipart
from ._openapi import openapi_bytes, openapi_document
from ._routes import FALLBACK, PREFIX, ROUTES, Access, Answer, Operation, Route, match
from ._wiring import dependencies_from_settings

__all__ = [
    "FALLBACK",
    "HANDLERS",
    "PREFIX",
    "ROUTES",
    "Access",
    "Answer",
    "ApiDependencies",
    "ApiRequest",
    "ApiResponse",
    "BodyError",
    "Headers",
    "HttpApi",
    "MultipartError",
    "Operation",
    "Part",
    "Route",
    "build_api",
    "caller_of",
    "dependencies_from_settings",
    "json_response",
    "match",
    "openapi_bytes",
    "openapi_document",
    "parse_json",
    "parse_multipart",
    "problem_response",
    "read_submission",
]

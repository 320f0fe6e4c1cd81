"""The portal HTTP API as an ``azure.functions`` Blueprint: thin triggers over ``api.HttpApi``.

Each trigger converts ``func.HttpRequest`` → ``ApiRequest``, lets the API answer, and converts
the ``ApiResponse`` back. One function per route of ``api.ROUTES`` (the Open311 routes share one
catch-all under ``open311/``) plus a catch-all under ``v1/`` for problem+json 404s. No function
lists its methods: the host then hands it every method
(https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#configuration,
``methods``), so ``OPTIONS``, ``HEAD`` and a wrong method get the API's own answers, whose
``Allow`` names exactly what the path has, rather than the host's bare 404 or 405.

Auth levels: ``function`` routes always need a function key; ``caller`` routes need one in
``function_key`` mode, and are anonymous in ``bearer``/``both`` modes, where browsers and apps
present tokens (they cannot keep a key secret) and the API checks them. ``ops`` routes are
always anonymous to the host: the Entra ID ops token is their one credential and the API checks
it; a host-level key there would only add a shared secret that names nobody (docs/ops-api.md).

``function_app.py`` registers it::

    app.register_functions(http_api.blueprint(lambda: cityzen.current().http_api, auth_mode=mode))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import azure.functions as func

# Only the routing table: the API itself (models, mappings, identity, backends) is imported on
# the first request, so that loading this module costs little more than azure.functions.
from cityzen_connector.api import HOST_ROUTES, PREFIX, Access, Route

if TYPE_CHECKING:
    from cityzen_connector.api import ApiRequest, ApiResponse, HttpApi
    from cityzen_connector.identity import AuthMode

logger = logging.getLogger(__name__)


def auth_level(access: Access, mode: AuthMode) -> func.AuthLevel:
    if access == "ops":
        return func.AuthLevel.ANONYMOUS  # the API checks the ops token, whatever the mode
    if access == "function" or (access == "caller" and mode == "function_key"):
        return func.AuthLevel.FUNCTION
    return func.AuthLevel.ANONYMOUS


def to_api_request(req: func.HttpRequest, *, key_checked: bool) -> ApiRequest:
    from cityzen_connector.api import ApiRequest, Headers  # noqa: PLC0415 - see the imports

    path = urlsplit(req.url).path
    if path.lower().startswith(PREFIX + "/"):
        path = path[len(PREFIX) :]
    return ApiRequest(
        method=req.method.upper(),
        path=path,
        headers=Headers(dict(req.headers.items())),
        body=req.get_body() or b"",
        query=dict(req.params),
        function_key_valid=key_checked,
    )


def to_http_response(response: ApiResponse) -> func.HttpResponse:
    content_type = response.content_type or ""
    mimetype, _, _ = content_type.partition(";")
    return func.HttpResponse(
        body=response.body,
        status_code=response.status,
        headers=dict(response.headers),
        mimetype=mimetype.strip() or None,
    )


def _trigger(
    api: Callable[[], HttpApi], level: func.AuthLevel
) -> Callable[[func.HttpRequest], func.HttpResponse]:
    key_checked = level == func.AuthLevel.FUNCTION  # the host refused the request otherwise

    def trigger(req: func.HttpRequest) -> func.HttpResponse:
        return to_http_response(api().handle(to_api_request(req, key_checked=key_checked)))

    return trigger


def _register(bp: func.Blueprint, route: Route, api: Callable[[], HttpApi], mode: AuthMode) -> None:
    level = auth_level(route.access, mode)
    trigger = _trigger(api, level)
    trigger.__name__ = route.function_name
    decorated = bp.route(route=route.template.lstrip("/"), methods=None, auth_level=level)(trigger)
    bp.function_name(name=route.function_name)(decorated)


def blueprint(api: Callable[[], HttpApi], *, auth_mode: AuthMode) -> func.Blueprint:
    """The Blueprint; ``api`` returns the API for each request (the container builds it once,
    on the first request, and its dependencies when a route first needs them)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions has no annotation here
    # Every route of the table; the Open311 ones through their one catch-all function.
    for route in HOST_ROUTES:
        _register(bp, route, api, auth_mode)
    return bp

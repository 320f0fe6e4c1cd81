"""The portal HTTP API as an ``azure.functions`` Blueprint: thin triggers over ``api.HttpApi``.

Each trigger converts ``func.HttpRequest`` → ``ApiRequest``, lets the API answer, and converts
the ``ApiResponse`` back. One function per route of ``api.ROUTES`` (all methods, so that a wrong
method gets our 405 problem rather than the host's bare 404) plus a catch-all under ``v1/`` for
problem+json 404s. Auth levels: ``function`` routes always need a function key; ``caller``
routes need one in ``function_key`` mode, and are anonymous in ``bearer``/``both`` modes, where
browsers and apps present tokens (they cannot keep a key secret) and the API checks them.

``function_app.py`` registers it::

    app.register_functions(http_api.blueprint_from_settings(settings))
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import azure.functions as func

# Only the routing table: the API itself (models, mappings, identity, backends) is imported on
# the first request, so that loading this module costs little more than azure.functions.
from cityzen_connector.api import FALLBACK, METHODS, PREFIX, ROUTES, Access, Route

if TYPE_CHECKING:
    from cityzen_connector.api import ApiRequest, ApiResponse, HttpApi
    from cityzen_connector.identity import AuthMode
    from cityzen_connector.settings import Settings

logger = logging.getLogger(__name__)


def auth_level(access: Access, mode: AuthMode) -> func.AuthLevel:
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


class _Lazy:
    """The API, built on first use (once, even when the first requests arrive together)."""

    def __init__(self, source: HttpApi | Callable[[], HttpApi]) -> None:
        self._source = source
        self._api: HttpApi | None = None
        self._lock = threading.Lock()

    def get(self) -> HttpApi:
        if self._api is None:
            with self._lock:
                if self._api is None:
                    source = self._source
                    # An HttpApi has ``handle``; anything else is its factory.
                    self._api = source if hasattr(source, "handle") else source()  # type: ignore[assignment]
        assert self._api is not None
        return self._api


def _trigger(api: _Lazy, level: func.AuthLevel) -> Callable[[func.HttpRequest], func.HttpResponse]:
    key_checked = level == func.AuthLevel.FUNCTION  # the host refused the request otherwise

    def trigger(req: func.HttpRequest) -> func.HttpResponse:
        return to_http_response(api.get().handle(to_api_request(req, key_checked=key_checked)))

    return trigger


def _register(bp: func.Blueprint, route: Route, api: _Lazy, mode: AuthMode) -> None:
    level = auth_level(route.access, mode)
    trigger = _trigger(api, level)
    trigger.__name__ = route.function_name
    decorated = bp.route(route=route.template.lstrip("/"), methods=list(METHODS), auth_level=level)(
        trigger
    )
    bp.function_name(name=route.function_name)(decorated)


def blueprint(api: HttpApi | Callable[[], HttpApi], *, auth_mode: AuthMode) -> func.Blueprint:
    """The Blueprint for this API (or a factory of it, called on the first request)."""
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions has no annotation here
    lazy = _Lazy(api)
    for route in (*ROUTES, FALLBACK):
        _register(bp, route, lazy, auth_mode)
    return bp


def blueprint_from_settings(settings: Settings) -> func.Blueprint:
    """The API and its dependencies are built on the first request (short cold start)."""

    def build() -> HttpApi:
        from cityzen_connector.api import build_api, dependencies_from_settings  # noqa: PLC0415

        return build_api(lambda: dependencies_from_settings(settings))

    return blueprint(build, auth_mode=settings.auth_mode)

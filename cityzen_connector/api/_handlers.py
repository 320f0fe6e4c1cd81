"""One handler per operation: read the request, call the use case, shape the response."""

from __future__ import annotations

from collections.abc import Callable

from cityzen_connector.models import CreatedStatus, ProblemCode
from cityzen_connector.sync import Liveness
from cityzen_connector.sync import not_modified as _not_modified
from cityzen_connector.sync.intake import AcceptedResponse, read_status, submit

from ._address_handlers import address_reverse, address_search
from ._app import ApiDependencies, Deps, Handler, HttpApi, caller_of
from ._body import read_submission
from ._cases import my_requests, with_progress
from ._contract import ApiContract
from ._errors import BodyError
from ._feeds import agenda, news
from ._http import JSON, ApiRequest, ApiResponse, json_response, problem_response
from ._messages import message_attachment, post_request_message, request_messages
from ._openapi import openapi_bytes
from ._ops_handlers import OPS_HANDLERS
from ._profile import PROFILE_HANDLERS
from ._rights import RIGHTS_HANDLERS
from ._routes import PREFIX
from ._search_handlers import SEARCH_HANDLERS
from ._stats import STATS_HANDLERS
from .open311._handlers import OPEN311_HANDLERS
from .open311._handlers import not_found as open311_not_found

# Clients may keep the tree a minute, then revalidate with If-None-Match (RFC 9111 5.2.2.1).
THEMES_CACHE_CONTROL = "public, max-age=60"


def submit_request(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    # The cap is checked before anything else: a huge body is refused without being read.
    if len(request.body) > deps.max_body_bytes:
        return problem_response(
            ProblemCode.PAYLOAD_TOO_LARGE,
            detail=f"the body exceeds {deps.max_body_bytes} bytes",
            instance=PREFIX + request.path,
        )
    caller = caller_of(request, deps)
    try:
        parsed = read_submission(request, max_body_bytes=deps.max_body_bytes)
    except BodyError as exc:
        return problem_response(exc.code, detail=exc.detail, instance=PREFIX + request.path)
    accepted = submit(parsed, caller, deps.ingest)
    body = AcceptedResponse(id=accepted.submission_id)
    return json_response(202, body, location=f"{PREFIX}/v1/requests/{accepted.submission_id}")


def request_status(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    ingest = deps.ingest
    view = read_status(
        params["id"],
        caller,
        store=ingest.store,
        clock=ingest.clock,
        identity_key=ingest.identity_key,
        retention=ingest.retention,
    )
    if isinstance(view, CreatedStatus):
        view = with_progress(view, deps)
    # Statuses change; caches must not keep another citizen's answer (RFC 9111 5.2.2.3).
    return json_response(200, view, cache_control="private, no-store")


def themes(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    snapshot = lazy().themes()
    headers = {"ETag": snapshot.etag, "Cache-Control": THEMES_CACHE_CONTROL}
    if _not_modified(request.headers.get("if-none-match"), snapshot.etag):
        return ApiResponse(304, b"", headers)
    return ApiResponse(200, snapshot.body, {"Content-Type": JSON, **headers})


def health(_request: ApiRequest, _: dict[str, str], _lazy: Deps) -> ApiResponse:
    """Liveness: builds and calls nothing, so it answers even when every backend is down."""
    return json_response(200, Liveness(), cache_control="no-store")


def health_ready(_request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    result = lazy().readiness()
    retry = {"retry_after": "30"} if result.http_status == 503 else {}
    return json_response(result.http_status, result, cache_control="no-store", **retry)


def contract_of(deps: ApiDependencies) -> ApiContract:
    """This deployment's side of the contract, read from the API's dependencies."""
    queues = deps.ops.queues.names if deps.ops is not None else None
    return ApiContract.of(
        deps.auth_mode,
        deps.ingest.catalog,
        deps.ingest.limits,
        max_query_chars=deps.max_query_chars,
        ops_queues=queues,
    )


def openapi(_request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    """The document this deployment keeps to (``contract_of``), not the generic reference."""
    return ApiResponse(200, openapi_bytes(contract_of(lazy())), {"Content-Type": JSON})


def _openapi_from(contract: Callable[[], ApiContract]) -> Handler:
    def openapi(_request: ApiRequest, _: dict[str, str], _lazy: Deps) -> ApiResponse:
        return ApiResponse(200, openapi_bytes(contract()), {"Content-Type": JSON})

    return openapi


HANDLERS: dict[str, Handler] = {
    "submitRequest": submit_request,
    "getRequestStatus": request_status,
    "listMyRequests": my_requests,
    "listRequestMessages": request_messages,
    "postRequestMessage": post_request_message,
    "getRequestMessageAttachment": message_attachment,
    "listThemes": themes,
    "searchAddress": address_search,
    "reverseAddress": address_reverse,
    "listNews": news,
    "listAgenda": agenda,
    "liveness": health,
    "readiness": health_ready,
    "openapi": openapi,
    **SEARCH_HANDLERS,
    **OPS_HANDLERS,
    **STATS_HANDLERS,
    **RIGHTS_HANDLERS,
    **OPEN311_HANDLERS,
    "open311NotFound": open311_not_found,
    **PROFILE_HANDLERS,
}


def build_api(
    deps: ApiDependencies | Callable[[], ApiDependencies],
    *,
    contract: Callable[[], ApiContract] | None = None,
) -> HttpApi:
    """The API over ``deps``. ``contract``, if given, says what the OpenAPI document describes
    without building the dependencies (settings and mappings only), so the document is served
    even while a backend cannot be built; otherwise it is read from the dependencies."""
    handlers = dict(HANDLERS)
    if contract is not None:
        handlers["openapi"] = _openapi_from(contract)
    return HttpApi(deps, handlers)

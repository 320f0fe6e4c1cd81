"""``HttpApi.handle(ApiRequest) -> ApiResponse``: routing, who is calling, the use cases, and
errors as problem details. Whatever happens, the answer is a response: an unexpected exception
becomes ``internal_error`` without any detail (the traceback goes to the log only).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cityzen_connector.identity import (
    AuthMode,
    BearerAuthenticator,
    CallerIdentity,
    InvalidToken,
    KeysUnavailable,
    authenticate_request,
)
from cityzen_connector.models import ProblemCode
from cityzen_connector.portal import AddressHelp, SearchService
from cityzen_connector.sync import ReadinessProbe, ThemesReader
from cityzen_connector.sync.intake import IngestError, IngestPorts, InvalidSubmissionError

from ._http import ApiRequest, ApiResponse, problem_response
from ._ops import OpsDependencies

if TYPE_CHECKING:  # the feeds' modules load with the first news or agenda request
    from cityzen_connector.portal import FeedsReader
from ._routes import FALLBACK, PREFIX, Route, match

if TYPE_CHECKING:
    from cityzen_connector.cases import CaseHistory, CaseThreads, KpiService, MyRequests
    from cityzen_connector.citizens import Profiles
    from cityzen_connector.rgpd import RightsServices

    from .open311._deps import Open311Dependencies

logger = logging.getLogger(__name__)

KEY_HEADER = "x-functions-key"
OPEN311_PATH = "/open311/"  # below it, a path that is no method gets the GeoReport 404


@dataclass(frozen=True)
class ApiDependencies:
    """The use cases the handlers call, with their ports bound by the composition root
    (``cityzen_connector.app``); the API itself knows no backend."""

    ingest: IngestPorts
    themes: ThemesReader
    readiness: ReadinessProbe
    search: SearchService | None = None  # None: the search routes answer 503
    auth_mode: AuthMode = "function_key"
    authenticator: BearerAuthenticator | None = None
    portal_key: str = field(default="", repr=False)
    max_body_bytes: int = 32 * 1024 * 1024
    # Case progress (cases/): the history the status route adds, and "my requests".
    case_history: CaseHistory | None = None
    my_requests: MyRequests | None = None
    case_threads: CaseThreads | None = None  # the conversation on each request
    addresses: AddressHelp | None = None  # address help (None: its routes answer 503)
    max_query_chars: int = 200  # a search query's longest (CITYZEN_SEARCH_MAX_QUERY_CHARS)
    feeds: FeedsReader | None = None  # news and agenda (None: no feeds, empty pages)
    ops: OpsDependencies | None = None  # None: every ops call is refused (401)
    kpis: KpiService | None = None  # stats and open data (None: they answer 503)
    rights: RightsServices | None = None  # data export, erasure (None: their routes are 404s)
    open311: Open311Dependencies | None = None  # the Open311 facade (None: its routes answer 503)
    profiles: Profiles | None = None  # the citizen's own record (None: its routes answer 404)


Deps = Callable[[], ApiDependencies]
# Handlers get the dependencies lazily: liveness and the OpenAPI document never build them.
Handler = Callable[[ApiRequest, dict[str, str], Deps], ApiResponse]


def caller_of(request: ApiRequest, deps: ApiDependencies) -> CallerIdentity:
    """Who is calling. On the host's function-level routes the host checked the key; on the
    anonymous ones (bearer/both modes) the portal proves itself with ``api_portal_key``."""
    key_ok = request.function_key_valid
    if not key_ok and deps.auth_mode == "both" and deps.portal_key:
        presented = request.headers.get(KEY_HEADER, "")
        key_ok = bool(presented) and hmac.compare_digest(
            presented.encode("utf-8", "surrogateescape"), deps.portal_key.encode()
        )
    return authenticate_request(
        deps.auth_mode,
        authorization=request.headers.get("authorization"),
        function_key_valid=key_ok,
        authenticator=deps.authenticator,
    )


class HttpApi:
    """The portal API. ``deps`` is the dependencies or a getter of them, called each time a
    handler needs them (the composition root builds them once, on first use; liveness and the
    OpenAPI document never do)."""

    def __init__(
        self,
        deps: ApiDependencies | Callable[[], ApiDependencies],
        handlers: dict[str, Handler],
    ) -> None:
        self._deps: Callable[[], ApiDependencies] = (
            (lambda: deps) if isinstance(deps, ApiDependencies) else deps
        )
        self._handlers = handlers

    def dependencies(self) -> ApiDependencies:
        return self._deps()

    def handle(self, request: ApiRequest) -> ApiResponse:
        instance = PREFIX + request.path
        try:
            return self._dispatch(request)
        except InvalidToken as exc:
            logger.info("caller refused: %s", exc.reason)
            return problem_response(
                exc.problem_code,
                detail=str(exc),
                instance=instance,
                www_authenticate=exc.www_authenticate,
            )
        except IngestError as exc:
            return _ingest_problem(exc, instance)
        except KeysUnavailable as exc:
            logger.warning("dependency unavailable: %s", type(exc).__name__)
            return problem_response(
                ProblemCode.SERVICE_UNAVAILABLE, instance=instance, retry_after="30"
            )
        except Exception:
            # The traceback is for the log; the caller learns only that it failed.
            logger.exception("unexpected error on %s %s", request.method, _route_name(request))
            return problem_response(ProblemCode.INTERNAL_ERROR, instance=instance)

    def _dispatch(self, request: ApiRequest) -> ApiResponse:
        found = match(request.path)
        if found is None and request.path.lower().startswith(OPEN311_PATH):
            return self._handlers["open311NotFound"](request, {}, self.dependencies)
        if found is None:
            return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
        route, params = found
        method = request.method.upper()
        if method == "OPTIONS":
            return ApiResponse(204, b"", {"Allow": ", ".join(route.allowed())})
        # A HEAD runs its GET: the host sends the headers and drops the content (RFC 9110
        # section 9.3.2), so Content-Length is the one a GET would have.
        operation = route.operation_for(method)
        if operation is None:
            return problem_response(
                ProblemCode.METHOD_NOT_ALLOWED,
                instance=PREFIX + request.path,
                allow=", ".join(route.allowed()),
            )
        handler = self._handlers[operation.operation_id]
        return handler(request, params, self.dependencies)


def _route_name(request: ApiRequest) -> str:
    # Route templates only: paths carry ids.
    found = match(request.path)
    route: Route = found[0] if found else FALLBACK
    return route.template


def _ingest_problem(exc: IngestError, instance: str) -> ApiResponse:
    if exc.status == 503:
        cause = type(exc.__cause__).__name__ if exc.__cause__ is not None else "unknown"
        logger.warning("dependency unavailable: %s", cause)
    errors = exc.errors if isinstance(exc, InvalidSubmissionError) else ()
    # RFC 9110 section 10.2.3: a 503 says when to come back.
    retry = {"retry_after": "30"} if exc.status == 503 else {}
    return problem_response(exc.code, detail=exc.message, instance=instance, errors=errors, **retry)

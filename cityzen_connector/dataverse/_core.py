"""``ClientCore``: the thin layer that sends ``DataverseRequest`` values (URLs, headers, auth,
retries, limits); ``DataverseClient`` in ``_client.py`` adds one method per operation.

Headers on every call ("Compose HTTP requests and handle errors", Microsoft Learn):
``Accept: application/json``, ``OData-MaxVersion``/``OData-Version: 4.0``, the bearer token, a
JSON content type with charset, ``Prefer`` preferences joined in one header, a client request
id (``x-ms-client-request-id``, one per logical call, kept across retries) and a correlation
id (``x-ms-correlation-request-id``), plus ``CallerObjectId`` when impersonating an agent.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock
from cityzen_connector._metrics import DATAVERSE_LATENCY_MS, DATAVERSE_THROTTLED, METRICS
from cityzen_connector._types import Headers

from ._config import DataverseConfig
from ._errors import (
    AuthenticationError,
    DataverseError,
    InvalidRequestError,
    UnexpectedResponseError,
    error_from_response,
)
from ._http import HttpRequest, HttpResponse, Transport
from ._limiter import ConcurrencyLimiter
from ._odata import encode_query, guid
from ._request import DataverseRequest, Page, interpret, refine_error
from ._retry import RetryPolicy

if TYPE_CHECKING:
    from ._auth import TokenProvider
    from ._metadata import EntityDefinition

R = TypeVar("R")

_LOG = logging.getLogger("cityzen_connector.dataverse")
# The Web API refuses longer URLs ("Query data using the Web API": 32,768 characters); a longer
# query must go through $batch, whose bodies allow 64 KB per URL.
MAX_URL_LENGTH = 32768
_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")
_UNSAFE_URL = re.compile(r"[\s\x00]")  # the request line of a $batch part is "METHOD URL HTTP/1.1"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidRequestError("datetimes sent to Dataverse must be timezone-aware")
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    raise InvalidRequestError(f"cannot send a {type(value).__name__} as JSON")


def encode_body(body: Any) -> bytes:
    try:
        return json.dumps(body, default=_json_default, allow_nan=False, ensure_ascii=False).encode()
    except ValueError as exc:
        if isinstance(exc, InvalidRequestError):
            raise
        raise InvalidRequestError("body is not valid JSON (NaN or infinity?)") from exc


@dataclass(frozen=True)
class _Context:
    correlation_id: str | None = None
    caller_object_id: str | None = None


class ClientCore:
    """Sending, auth, retries and limits. ``DataverseClient`` adds the operations."""

    def __init__(
        self,
        config: DataverseConfig,
        transport: Transport,
        tokens: TokenProvider,
        *,
        clock: MonotonicClock | None = None,
        retry: RetryPolicy = RetryPolicy.HTTP_REQUEST,
        logger: logging.Logger | None = None,
        limiter: ConcurrencyLimiter | None = None,
        rng: Callable[[], float] = random.random,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self.config = config
        self.transport = transport
        self.tokens = tokens
        self.clock = clock or SYSTEM_MONOTONIC
        self.retry = retry
        self.logger = logger or _LOG
        self.limiter = limiter or ConcurrencyLimiter(config.max_concurrency)
        self._rng = rng
        self._new_id = new_id
        self._context = _Context(caller_object_id=config.caller_object_id)
        # (entity set, bulk message) -> supported; shared by derived clients.
        self.bulk_support: dict[tuple[str, str], bool] = {}
        # Entity definitions by logical name; shared by derived clients.
        self.metadata_cache: dict[str, EntityDefinition] = {}
        self.metadata_lock = threading.Lock()

    def _derive(self, context: _Context) -> Self:
        """A shallow copy: transport, tokens, limiter and caches stay shared."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone._context = context
        return clone

    def with_correlation_id(self, correlation_id: str) -> Self:
        """A client sharing this one's transport, tokens and limiter, tagging every call with
        ``correlation_id`` (e.g. the queue message id)."""
        return self._derive(replace(self._context, correlation_id=correlation_id))

    def with_retry(self, retry: RetryPolicy) -> Self:
        """A client sharing this one's transport, tokens and limiter with another retry policy
        (an HTTP request may not wait as long as queue work; a health probe never retries)."""
        clone = self._derive(self._context)
        clone.retry = retry
        return clone

    def with_caller(self, caller_object_id: str | None) -> Self:
        """A client impersonating an agent by Entra object id (``CallerObjectId`` header)."""
        if caller_object_id is not None:
            caller_object_id = str(guid(caller_object_id, "caller object id"))
        return self._derive(replace(self._context, caller_object_id=caller_object_id))

    # -- URLs and headers ------------------------------------------------------------------------
    def url_for(self, request: DataverseRequest[object]) -> str:
        root = self.config.service_root
        if request.path.startswith(("http://", "https://")):
            # Only @odata.nextLink comes absolute; never send our token to another host.
            if not request.path.startswith(root):
                raise UnexpectedResponseError("a next link points outside the service root")
            return request.path
        url = root + request.path
        if request.query:
            url += "?" + encode_query(list(request.query))
        if _UNSAFE_URL.search(url):
            raise InvalidRequestError(f"{request.operation}: whitespace or NUL in the URL path")
        if len(url) > MAX_URL_LENGTH:
            raise InvalidRequestError(
                f"{request.operation}: URL of {len(url)} characters exceeds {MAX_URL_LENGTH}"
            )
        return url

    def common_headers(
        self, request: DataverseRequest[object], client_request_id: str
    ) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "OData-MaxVersion": "4.0",
            "OData-Version": "4.0",
            "User-Agent": self.config.user_agent,
            "x-ms-client-request-id": client_request_id,
        }
        if self._context.correlation_id:
            headers["x-ms-correlation-request-id"] = self._context.correlation_id
        if self._context.caller_object_id:
            headers["CallerObjectId"] = self._context.caller_object_id
        prefer = list(request.prefer)
        if request.method == "GET" and self.config.include_annotations:
            prefer = _with_annotations(prefer, self.config.include_annotations)
        if prefer:
            headers["Prefer"] = ",".join(prefer)
        return headers

    def build_http(self, request: DataverseRequest[object], client_request_id: str) -> HttpRequest:
        headers = self.common_headers(request, client_request_id)
        body = None
        if request.body is not None:
            body = encode_body(request.body)
            headers["Content-Type"] = "application/json; charset=utf-8"
        all_headers = Headers(headers).merged(request.headers)
        for name, value in all_headers.items():
            # A CR or LF would split the header (or a $batch part) in two: header injection.
            if not isinstance(value, str) or _UNSAFE_HEADER.search(name + value):
                raise InvalidRequestError(f"{request.operation}: invalid value for header {name}")
        return HttpRequest(request.method, self.url_for(request), all_headers, body)

    # -- sending ---------------------------------------------------------------------------------
    def send_http(
        self,
        http: HttpRequest,
        *,
        operation: str,
        safe_to_repeat: bool,
        retry: RetryPolicy | None = None,
        multipart_errors: bool = False,
    ) -> HttpResponse:
        """Send with a token, one token refresh on 401, the limiter and the retry policy.
        Returns any 2xx response; raises the typed error of anything else. With
        ``multipart_errors`` (``$batch``) a non-2xx ``multipart/mixed`` answer is returned too:
        its parts say which operation failed and why."""
        client_request_id = http.headers.get("x-ms-client-request-id")

        def attempt() -> HttpResponse:
            response = self._send_authorized(http)
            if response.status == 401:
                # The token may have been revoked or rotated: evict it and try once more.
                self.tokens.invalidate()
                response = self._send_authorized(http)
                if response.status == 401:
                    raise AuthenticationError(
                        f"{operation}: Dataverse refused a freshly acquired token",
                        status=401,
                        request_id=response.headers.get("x-ms-service-request-id"),
                        client_request_id=client_request_id,
                    )
            if multipart_errors and _is_multipart(response):
                # "Execute batch operations", handling errors: a batch that stopped at a failed
                # change set answers with that failure's status and a multipart body.
                return response
            if not 200 <= response.status < 300:
                raise error_from_response(
                    response.status,
                    response.headers,
                    response.body,
                    operation=operation,
                    client_request_id=client_request_id,
                )
            return response

        policy = retry or self.retry
        return policy.run(
            attempt,
            safe_to_repeat=safe_to_repeat,
            sleep=self.clock.sleep,
            rng=self._rng,
            logger=self.logger,
            operation=operation,
        )

    def _send_authorized(self, http: HttpRequest) -> HttpResponse:
        token = self.tokens.get_token()
        headers = http.headers.merged({"Authorization": f"Bearer {token}"})
        signed = HttpRequest(http.method, http.url, headers, http.body)
        with self.limiter.slot():
            started = self.clock.now()
            response = self.transport.send(signed, timeout=self.config.timeout)
            elapsed = self.clock.now() - started
        self.limiter.observe_hint(response.headers.get("x-ms-dop-hint"))
        # The workbook's Dataverse panels and the throttling alert (infra/, _metrics.py).
        METRICS.record(
            DATAVERSE_LATENCY_MS, elapsed * 1000, status_class=f"{response.status // 100}xx"
        )
        if response.status == 429:
            METRICS.count(DATAVERSE_THROTTLED)
        if self.logger.isEnabledFor(logging.DEBUG):  # hot path: skip the formatting work
            self.logger.debug(
                "dataverse %s -> %d in %.3f s (request id %s)",
                http.method,
                response.status,
                elapsed,
                response.headers.get("x-ms-service-request-id"),
            )
        return response

    def execute(self, request: DataverseRequest[R], *, retry: RetryPolicy | None = None) -> R:
        """Send one request and return what its response means: a ``WriteResult``, a
        ``JsonObject``, a ``Page`` or None, as its type (and its ``expect``) says."""
        http = self.build_http(request, str(self._new_id()))
        try:
            response = self.send_http(
                http,
                operation=request.operation,
                safe_to_repeat=request.safe_to_repeat,
                retry=retry,
            )
        except DataverseError as exc:
            refined = refine_error(request, exc)
            if refined is exc:
                raise
            raise refined from exc
        return interpret(request, response)

    def pages(self, request: DataverseRequest[Page]) -> Iterator[Page]:
        """Lazily follow ``@odata.nextLink``: a page is fetched only when asked for."""
        current: DataverseRequest[Page] | None = request
        while current is not None:
            page = self.execute(current)
            yield page
            current = (
                None if page.next_link is None else replace(request, path=page.next_link, query=())
            )


def _with_annotations(prefer: list[str], configured: str) -> list[str]:
    """One ``odata.include-annotations`` preference: the configured names joined to those the
    request asks for (a FetchXML query asks for its paging cookie)."""
    name = "odata.include-annotations="
    own = [p for p in prefer if p.startswith(name)]
    if not own:
        return [*prefer, f'{name}"{configured}"']
    asked = own[0][len(name) :].strip('"')
    merged = f'{name}"{asked},{configured}"'
    return [merged if p == own[0] else p for p in prefer]


def _is_multipart(response: HttpResponse) -> bool:
    content_type = response.headers.get("Content-Type", "")
    return content_type.lower().startswith("multipart/mixed")


__all__ = ["ClientCore", "encode_body"]

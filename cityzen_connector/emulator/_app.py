"""The WSGI application: auth, service protection, routing to record, query, metadata and
batch handlers. The same object serves waitress and in-process WSGI transports.

Headers follow "Compose HTTP requests and handle errors" (Microsoft Learn): every reply carries
``OData-Version: 4.0``; creates answer 204 with ``OData-EntityId`` or 201 with the row (and
no ``OData-EntityId``) under ``Prefer: return=representation`` (see ``_written``); errors are
``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import hmac
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector.emulator import _cost as cost
from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._activities import ActivityPointers
from cityzen_connector.emulator._config import EmulatorConfig
from cityzen_connector.emulator._context import (
    HandlerContext,
    load_custom_metadata,
    save_custom_metadata,
)
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import (
    BASE_PATH,
    Request,
    Response,
    error_response,
    json_response,
    parse_query,
)
from cityzen_connector.emulator._pipeline import EventPipeline, EventSink
from cityzen_connector.emulator._protection import FaultInjector, Protection
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._router import Router
from cityzen_connector.emulator._schema import Schema, load_schema
from cityzen_connector.emulator._store import Store

StartResponse = Callable[..., Any]
_LOG = logging.getLogger(__name__)


class EmulatorApp:
    """A Dataverse Web API emulator as a WSGI callable."""

    def __init__(
        self,
        config: EmulatorConfig,
        *,
        clock: WallClock = utc_now,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        sink: EventSink | None = None,
    ) -> None:
        if sleep is None and (config.latency.enabled or config.faults.latency_seconds):
            # A latency nothing waits out would silently be no latency at all.
            raise ValueError("a latency is configured but no sleep was given to wait it out")
        self.config = config
        self.clock = clock
        self._sleep = sleep
        self.store = Store(config.database)
        self.schema: Schema = load_schema()
        load_custom_metadata(self.store, self.schema)
        self.records = Records(
            schema=self.schema,
            store=self.store,
            clock=clock,
            caller_id=config.caller_id,
            key_activation_seconds=config.key_activation_seconds,
            persist_metadata=partial(save_custom_metadata, self.store, self.schema),
        )
        # Registered steps post to ``sink`` after each commit (_pipeline); None: nowhere.
        self.pipeline = EventPipeline(self.schema, self.store, clock, sink)
        # Each activity's activitypointer row is kept as it is written, then the pipeline runs.
        self.records.observer = ActivityPointers(self.schema, self.store, then=self.pipeline)
        # Handlers get this small context, never the app itself.
        self.context = HandlerContext(
            records=self.records,
            schema=self.schema,
            store=self.store,
            clock=clock,
            caller_id=config.caller_id,
        )
        self.router = Router(self.context)
        self.protection = Protection(config.protection, clock) if config.protection else None
        self.faults = FaultInjector(
            config.faults.error_rate,
            config.faults.drop_rate,
            rng or random.Random(),  # noqa: S311
        )

    def persist_metadata(self) -> None:
        self.context.persist_metadata()

    def close(self) -> None:
        self.store.close()

    # -- WSGI ------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        response, drop = self._respond(environ)
        request_id = str(uuid.uuid4())
        # Dataverse tags every reply with its request id (REQ_ID, x-ms-service-request-id).
        headers = [
            ("OData-Version", "4.0"),
            ("x-ms-dop-hint", str(self.config.dop_hint)),
            ("REQ_ID", request_id),
            ("x-ms-service-request-id", request_id),
            *response.headers,
        ]
        if drop:
            # A dropped connection: announce a body, send none; the server closes the socket.
            start_response("200 OK", [*headers, ("Content-Length", "1024")])
            return [b""]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(response.status_line(), headers)
        return [response.body]

    def _respond(self, environ: dict[str, Any]) -> tuple[Response, bool]:
        path = _wsgi_text(environ.get("PATH_INFO", ""))
        if not path.startswith(BASE_PATH.rstrip("/")):
            return error_response(err.segment_not_found(path.lstrip("/")[:200])), False
        auth = self._authenticate(environ)
        if auth is not None:
            return auth, False
        caller = self.config.caller_id
        budget: list[tuple[str, str]] = []
        if self.protection is not None:
            try:
                budget = self.protection.enter(caller)
            except ODataError as exc:
                return error_response(exc), False
        operations = 1
        try:
            fault = self.faults.roll()
            if self.config.faults.latency_seconds and self._sleep is not None:
                self._sleep(self.config.faults.latency_seconds)
            if fault == "error":
                return error_response(
                    ODataError(503, "", "Service Unavailable (injected by the emulator).")
                ), False
            try:
                req = self._request(environ, path)
                response = self.router.handle_top(req)
            except ODataError as exc:
                response = error_response(exc)
            except Exception as exc:  # noqa: BLE001 - a bug must still answer like Dataverse
                # Only the exception type is logged: messages may quote personal data (RGPD).
                _LOG.error(
                    "emulator bug: %s on %s", type(exc).__name__, environ.get("REQUEST_METHOD")
                )
                response = error_response(
                    ODataError(500, "0x80040216", "An unexpected error occurred.")
                )
            operations = response.operations
            self._serve_time(operations)
            response.headers.extend(budget)
            return response, fault == "drop"
        finally:
            if self.protection is not None:
                self.protection.leave(caller, operations)

    def _serve_time(self, operations: int) -> None:
        """Wait out the latency model's service time (``_cost.py``) once the operations are
        known, outside every lock: parallel requests wait side by side, as on a server."""
        if self.config.latency.enabled and self._sleep is not None:
            self._sleep(cost.service_seconds(self.config.latency, operations))

    def _authenticate(self, environ: dict[str, Any]) -> Response | None:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        scheme, _, token = header.partition(" ")
        ok = scheme.lower() == "bearer" and bool(token.strip())
        if ok and self.config.token is not None:
            ok = hmac.compare_digest(token.strip().encode(), self.config.token.encode())
        if ok:
            return None
        # Dataverse answers 401 with an empty body and a WWW-Authenticate challenge naming
        # the authority (Microsoft Learn, "Use OAuth authentication with Dataverse").
        return Response(
            401,
            [
                (
                    "WWW-Authenticate",
                    "Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/"
                    f"authorize, resource_id={_base_url(environ)}/",
                )
            ],
        )

    def _request(self, environ: dict[str, Any], path: str) -> Request:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise err.bad_request("The Content-Length header is not a number.") from None
        if length < 0:
            raise err.bad_request("The Content-Length header is negative.")
        if length > self.config.max_body_bytes:
            raise ODataError(
                413, "0x80060888", f"The request body exceeds {self.config.max_body_bytes} bytes."
            )
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        return Request(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path[len(BASE_PATH) :] if path.startswith(BASE_PATH) else "",
            query=parse_query(_wsgi_text(environ.get("QUERY_STRING", ""))),
            headers=headers,
            body=body,
            base_url=_base_url(environ),
        )


def _base_url(environ: dict[str, Any]) -> str:
    """``scheme://host[:port]`` the client called, rebuilt as PEP 3333 ("URL Reconstruction")
    says: every absolute URL the emulator sends (``OData-EntityId``, ``Location``,
    ``@odata.context``, ``@odata.nextLink``) starts with it, as Dataverse's start with the
    organisation URI the client used ("Page results using OData", Microsoft Learn)."""
    scheme = str(environ.get("wsgi.url_scheme") or "http")
    host = str(environ.get("HTTP_HOST") or "")
    if not host:
        host = str(environ.get("SERVER_NAME") or "127.0.0.1")
        port = str(environ.get("SERVER_PORT") or "")
        if port and port != {"https": "443", "http": "80"}.get(scheme):
            host += ":" + port
    return f"{scheme}://{host}"


def _wsgi_text(value: object) -> str:
    """PEP 3333 hands URL parts over as latin-1 strings of the raw bytes; Dataverse URLs are
    UTF-8, so re-decode (an already-decoded non-latin-1 string is kept as is)."""
    text = str(value)
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def create_app(
    config: EmulatorConfig,
    *,
    clock: WallClock = utc_now,
    sleep: Callable[[float], None] | None = None,
    rng: random.Random | None = None,
    sink: EventSink | None = None,
) -> EmulatorApp:
    """Build an emulator. ``clock`` drives timestamps, key activation and throttling windows;
    ``sleep`` waits out the fault latency and the latency model (required when either is on);
    ``sink`` receives what registered service endpoints post (``ServiceBusMessage``)."""
    return EmulatorApp(config, clock=clock, sleep=sleep, rng=rng, sink=sink)


__all__ = ["EmulatorApp", "create_app", "json_response"]

"""The WSGI side of HTTP triggers: environ → ``azure.functions.HttpRequest`` → response.

Status codes the host itself produces, as Azure's host does: 401 for a missing or wrong key, 404
for no route, 405 (with ``Allow``, RFC 9110 §15.5.6) for a route without that method, 413 past
the body cap (Azure's default cap is 100 MB, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), 400 for a path
or query that does not decode (``_target``) and 500 when a handler raises — logged here with its
traceback, never sent to the client. Each is a problem+json document (``_problems``), as the
API's own errors; the path is routed before the key is checked, so a path that names no route is
a 404 whatever key comes with it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl
from wsgiref.util import request_uri

import azure.functions as func

from cityzen_connector.localhost._bindings import FunctionSpec, HttpTriggerBinding
from cityzen_connector.localhost._invoke import Invoker, new_invocation_id
from cityzen_connector.localhost._keys import KEY_HEADER, KEY_QUERY_PARAMETER, HostKeys
from cityzen_connector.localhost._problems import host_problem, status_line
from cityzen_connector.localhost._routes import RouteTemplate
from cityzen_connector.localhost._target import raw_path, route_path

from ._errors import _RefusedError

logger = logging.getLogger("cityzen_connector.localhost.http")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpRoute:
    template: RouteTemplate
    binding: HttpTriggerBinding
    spec: FunctionSpec


def build_routes(functions: Iterable[FunctionSpec], route_prefix: str) -> tuple[HttpRoute, ...]:
    """The HTTP functions' routes, most specific first (ASP.NET route precedence)."""
    routes = [
        HttpRoute(RouteTemplate(route_prefix, spec.trigger.route), spec.trigger, spec)
        for spec in functions
        if isinstance(spec.trigger, HttpTriggerBinding)
    ]
    return tuple(sorted(routes, key=lambda r: r.template.precedence))


class HttpGateway:
    """A WSGI application serving a Functions app's HTTP triggers."""

    def __init__(
        self,
        routes: Sequence[HttpRoute],
        keys: HostKeys,
        invoker: Invoker,
        max_body_bytes: int,
    ) -> None:
        self._routes = tuple(routes)
        self._keys = keys
        self._invoker = invoker
        self._max_body_bytes = max_body_bytes

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        route_name = "-"
        try:
            path = route_path(environ)
            route, route_params = self._route(method, path)
            route_name = route.template.template
            query = _query(environ)
            headers = _headers(environ)
            presented = headers.get(KEY_HEADER) or query.get(KEY_QUERY_PARAMETER)
            if not self._keys.allows(route.binding.auth_level, presented):
                raise _RefusedError(401)
            body = self._body(environ)
            request = func.HttpRequest(
                method=method,
                url=_url(environ),
                headers=headers,
                params=query,
                route_params=route_params,
                body=body,
            )
            status, out_headers, payload = self._call(route.spec, request)
        except _RefusedError as refusal:
            line, problem_headers, payload = host_problem(
                refusal.status, instance=raw_path(environ)
            )
            status, out_headers = int(line.split()[0]), [*refusal.headers, *problem_headers]
        else:
            line = status_line(status)
        out_headers = [
            *[(k, v) for k, v in out_headers if k.lower() != "content-length"],
            ("Content-Length", str(len(payload))),
        ]
        start_response(line, out_headers)
        # Method, route template and status only: paths and queries can carry ids and keys.
        logger.info(
            "%s %s -> %d in %.1f ms",
            method,
            route_name,
            status,
            (time.perf_counter() - started) * 1000,
        )
        return [b"" if method == "HEAD" else payload]

    def _route(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]]:
        allowed: list[str] = []
        for route in self._routes:
            params = route.template.match(path)
            if params is None:
                continue
            methods = route.binding.methods
            if methods is None or method in methods:
                return route, params
            allowed.extend(m for m in methods if m not in allowed)
        if allowed:
            raise _RefusedError(405, [("Allow", ", ".join(allowed))])
        raise _RefusedError(404)

    def _body(self, environ: dict[str, Any]) -> bytes:
        length_text = str(environ.get("CONTENT_LENGTH") or "").strip()
        if length_text and not length_text.isdigit():
            raise _RefusedError(400)
        declared = int(length_text) if length_text else None
        if declared is not None and declared > self._max_body_bytes:
            raise _RefusedError(413)
        stream = environ["wsgi.input"]
        budget = self._max_body_bytes + 1 if declared is None else declared
        chunks: list[bytes] = []
        received = 0
        while received < budget:
            chunk = stream.read(min(_CHUNK, budget - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
        if received > self._max_body_bytes:
            raise _RefusedError(413)
        return b"".join(chunks)

    def _call(
        self, spec: FunctionSpec, request: func.HttpRequest
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        invocation_id = new_invocation_id()
        try:
            result = self._invoker.invoke(spec, {spec.trigger.arg_name: request}, invocation_id)
        except Exception:
            logger.exception("function %s failed (invocation %s)", spec.name, invocation_id)
            raise _RefusedError(500) from None
        if isinstance(result, func.HttpResponse):
            return _response(result)
        if isinstance(result, str | bytes):
            # The worker turns a str/bytes return into a 200 response with that body.
            return _response(func.HttpResponse(result))
        logger.error(
            "function %s returned %s, not an HttpResponse (invocation %s)",
            spec.name,
            type(result).__name__,
            invocation_id,
        )
        raise _RefusedError(500)


def _response(response: func.HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(str(k), str(v)) for k, v in response.headers.items()]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", f"{response.mimetype}; charset={response.charset}"))
    return int(response.status_code), headers, response.get_body()


def _url(environ: dict[str, Any]) -> str:
    """The URL as the client sent it (waitress keeps the raw target in REQUEST_URI)."""
    raw = environ.get("REQUEST_URI")
    host = environ.get("HTTP_HOST")
    if isinstance(raw, str) and raw.startswith("/") and raw.isascii() and host:
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{raw}"
    return request_uri(environ, include_query=True)


def _query(environ: dict[str, Any]) -> dict[str, str]:
    query = str(environ.get("QUERY_STRING", ""))
    values: dict[str, list[str]] = {}
    try:
        for key, value in parse_qsl(query, keep_blank_values=True, errors="strict"):
            values.setdefault(key, []).append(value)
    except (UnicodeError, ValueError):
        raise _RefusedError(400) from None
    # Repeated keys: joined with commas, as ASP.NET Core renders StringValues.
    return {key: ",".join(items) for key, items in values.items()}


def _headers(environ: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            # An empty field value is still a field (RFC 9110 section 5.5): the app sees it, as
            # behind Azure's host (an empty Idempotency-Key is refused, not taken for none).
            headers[key[5:].replace("_", "-").lower()] = str(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            # WSGI servers may set these empty when the request had none (PEP 3333).
            headers[key.replace("_", "-").lower()] = str(value)
    return headers

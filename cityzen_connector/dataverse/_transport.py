"""Transports: ``requests`` for production, any WSGI application in-process for tests."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cityzen_connector._types import Headers

from ._errors import DataverseConnectionError, InvalidRequestError
from ._http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # requests costs ~40 ms to import; cold starts only pay it when used.
    import requests

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _no_cookies_policy() -> Any:
    """A cookie policy that stores nothing. Dataverse's ARRAffinity cookie pins every call to
    one web server; Microsoft's throughput guidance is to not send it back ("Remove the
    affinity cookie", https://learn.microsoft.com/power-apps/developer/data-platform/api-limits).
    The Web API uses no other cookie: auth is the bearer token."""
    from http.cookiejar import DefaultCookiePolicy  # noqa: PLC0415 - 35 ms, only with requests

    class NoCookies(DefaultCookiePolicy):
        def set_ok(self, cookie: Any, request: Any) -> bool:
            return False

        def return_ok(self, cookie: Any, request: Any) -> bool:
            return False

    return NoCookies()


class _RedactQueryStrings(logging.Filter):
    """Cut the query string out of urllib3's DEBUG request lines.

    urllib3 logs every request target (``"GET /api/data/v9.2/contacts?$filter=… HTTP/1.1"``);
    a ``$filter`` holds the values it compares — names, e-mails, birthdates — which must never
    reach a log (RGPD). The record keeps method, path and status.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] + "?…" if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


_REDACT = _RedactQueryStrings()


def _redact_urllib3_logs() -> None:
    pool_logger = logging.getLogger("urllib3.connectionpool")
    if _REDACT not in pool_logger.filters:
        pool_logger.addFilter(_REDACT)


class RequestsTransport:
    """Production transport over a ``requests.Session`` (connection pooling, TLS)."""

    def __init__(self, session: requests.Session | None = None, *, pool_size: int = 52) -> None:
        import requests  # noqa: PLC0415 - lazy: see TYPE_CHECKING note above

        _redact_urllib3_logs()
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        session.cookies.set_policy(_no_cookies_policy())
        session.cookies.clear()
        self._session = session
        self._requests = requests

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        exceptions = self._requests.exceptions
        try:
            response = self._session.request(
                request.method,
                request.url,
                headers=dict(request.headers),
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            )
        except (exceptions.InvalidURL, exceptions.MissingSchema, exceptions.InvalidSchema) as exc:
            raise InvalidRequestError(f"invalid URL for {request.method}") from exc
        except exceptions.Timeout as exc:
            raise DataverseConnectionError(
                f"{request.method} timed out after {timeout:g} s"
            ) from exc
        except exceptions.RequestException as exc:
            raise DataverseConnectionError(
                f"{request.method} failed before a response: {type(exc).__name__}"
            ) from exc
        return HttpResponse(
            response.status_code, Headers(response.headers.items()), response.content
        )

    def close(self) -> None:
        self._session.close()


class WsgiTransport:
    """Calls a WSGI application in-process (PEP 3333), no sockets: the embedded emulator in
    tests. ``timeout`` does not apply in-process. An exception raised by the app becomes a
    ``DataverseConnectionError`` (as a dropped connection would), chained to the original."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        parts = urlsplit(request.url)
        scheme = parts.scheme or "http"
        body = request.body or b""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": request.method,
            "SCRIPT_NAME": "",
            # PEP 3333: PATH_INFO is the decoded path as latin-1 "bytes in a str".
            "PATH_INFO": unquote(parts.path, encoding="latin-1") or "/",
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": scheme,
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
        }
        for name, value in request.headers.items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            elif key != "CONTENT_LENGTH":
                environ["HTTP_" + key] = value
        captured: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda chunk: captured.setdefault("written", []).append(chunk)

        try:
            result = self._app(environ, start_response)
            try:
                chunks = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except Exception as exc:
            raise DataverseConnectionError(
                f"{request.method} failed in the WSGI app: {type(exc).__name__}"
            ) from exc
        if "status" not in captured:
            raise DataverseConnectionError("the WSGI app returned without starting a response")
        payload = b"".join(captured.get("written", [])) + b"".join(chunks)
        status = int(str(captured["status"]).split(" ", 1)[0])
        headers = Headers(captured["headers"])
        declared = headers.get("Content-Length", "")
        if declared.isdigit() and len(payload) < int(declared):
            # The connection closed mid-reply (the emulator's dropped connection). Over HTTP
            # urllib3 enforces Content-Length and requests raises: so do we, or a lost reply
            # would read as a short success.
            raise DataverseConnectionError(f"{request.method}: the reply was cut short")
        return HttpResponse(status, headers, payload)

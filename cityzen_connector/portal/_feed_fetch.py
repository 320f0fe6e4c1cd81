"""The feed fetcher seam: one conditional GET of one feed, and what came back.

``FeedFetcher`` is the port (tests inject a ``requests`` session scripted by ``responses``, or
a real server on 127.0.0.1); ``RequestsFeedFetcher`` is the real one. Its duty:

- ask conditionally: ``If-None-Match`` with the ETag and ``If-Modified-Since`` with the
  ``Last-Modified`` value of the last good copy, each exactly as the server sent it (RFC 9110
  sections 13.1.2 and 13.1.3), so that an unchanged feed costs a ``304 Not Modified`` and no body;
- follow at most ``max_redirects`` redirections, by hand, each to an ``http(s)`` URL only (a
  ``file:`` or ``ftp:`` redirection is refused);
- never read more than ``max_bytes`` of (decoded) body: a declared ``Content-Length`` above it is
  refused unread, an undeclared one is cut while streaming; and never take longer than
  ``timeout_seconds`` in all (a server dripping one byte at a time is cut too);
- refuse a body whose declared type cannot be a feed (an image, a PDF...) without reading it;
- translate ``requests`` and ``urllib3`` errors once, into a short log-safe reason.

What came back is a value, not an exception: ``Fetched`` (bytes and the final URL),
``NotModified``, or ``FetchFailed`` with a reason code (``timeout``, ``connection``, ``tls``,
``http_404``, ``too_large``, ``too_many_redirects``...), never the library's message (it may
quote the URL, which may carry a token).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock

__all__ = [
    "FeedFetcher",
    "FetchFailed",
    "FetchLimits",
    "FetchOutcome",
    "Fetched",
    "NotModified",
    "RequestsFeedFetcher",
    "Validators",
]

USER_AGENT = "CityZen-Feeds/1 (+https://cityzen.fr)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9,"
    " application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
_CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Declared types no feed comes as: refused before the body is read. Anything else is read and
# left to the parser (servers often label feeds text/html, text/plain or octet-stream).
_NOT_A_FEED = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip")


@dataclass(frozen=True)
class Validators:
    """What makes the next GET conditional: the last good copy's ``ETag`` and
    ``Last-Modified``, as the server sent them."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        found = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in found.items() if value}


@dataclass(frozen=True)
class FetchLimits:
    timeout_seconds: float = 10.0
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    """A 200: the body, its declared ``Content-Type`` and the URL it finally came from."""

    body: bytes = field(repr=False)
    url: str = field(repr=False)
    content_type: str | None
    validators: Validators


@dataclass(frozen=True)
class NotModified:
    """A 304: the last good copy stands. ``validators``: the 304's own, else the ones sent."""

    validators: Validators


@dataclass(frozen=True)
class FetchFailed:
    """No usable answer. ``reason`` is a short log-safe code; ``status`` the HTTP status if any."""

    reason: str
    status: int | None = None


FetchOutcome = Fetched | NotModified | FetchFailed


class FeedFetcher(Protocol):
    def fetch(self, url: str, validators: Validators, limits: FetchLimits) -> FetchOutcome: ...


class RequestsFeedFetcher:
    """``FeedFetcher`` over a ``requests.Session`` (its connection pool is reused between
    refreshes); ``monotonic`` measures the whole-fetch deadline."""

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
        user_agent: str = USER_AGENT,
    ) -> None:
        self._session = session or requests.Session()
        self._monotonic = monotonic
        self._user_agent = user_agent

    def fetch(self, url: str, validators: Validators, limits: FetchLimits) -> FetchOutcome:
        deadline = self._monotonic.now() + limits.timeout_seconds
        headers = {"User-Agent": self._user_agent, "Accept": ACCEPT, **validators.headers()}
        for _ in range(limits.max_redirects + 1):
            remaining = deadline - self._monotonic.now()
            if remaining <= 0:
                return FetchFailed("timeout")
            try:
                response = self._session.get(
                    url, headers=headers, timeout=remaining, allow_redirects=False, stream=True
                )
            except requests.exceptions.RequestException as exc:
                return FetchFailed(_reason(exc))
            with response:
                if response.status_code not in _REDIRECTS:
                    return self._answer(response, url, validators, limits, deadline)
                location = response.headers.get("Location")
            if not location:
                return FetchFailed("redirect_without_location", response.status_code)
            url = urljoin(url, location)
            if urlsplit(url).scheme not in ("http", "https"):
                return FetchFailed("redirect_scheme", response.status_code)
        return FetchFailed("too_many_redirects")

    def _answer(  # noqa: PLR0911 - one return per answer, in the order they are checked
        self,
        response: requests.Response,
        url: str,
        sent: Validators,
        limits: FetchLimits,
        deadline: float,
    ) -> FetchOutcome:
        got = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        if response.status_code == 304:
            return NotModified(got if got.etag or got.last_modified else sent)
        if response.status_code != 200:
            return FetchFailed(f"http_{response.status_code}", response.status_code)
        content_type = response.headers.get("Content-Type")
        if content_type and content_type.strip().lower().startswith(_NOT_A_FEED):
            return FetchFailed("content_type", 200)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            return FetchFailed("too_large", 200)
        body = bytearray()
        try:
            while chunk := response.raw.read(_CHUNK, decode_content=True):
                body += chunk
                if len(body) > limits.max_bytes:
                    return FetchFailed("too_large", 200)
                if self._monotonic.now() > deadline:
                    return FetchFailed("timeout", 200)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            return FetchFailed(_reason(exc), 200)
        return Fetched(bytes(body), url, content_type, got)

    def close(self) -> None:
        self._session.close()


def _reason(exc: BaseException) -> str:
    # Order matters: an SSLError is a ConnectionError, a ConnectTimeout both a Timeout and a
    # ConnectionError.
    rules: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
        (requests.exceptions.SSLError, "tls"),
        ((requests.exceptions.Timeout, urllib3.exceptions.TimeoutError, TimeoutError), "timeout"),
        ((urllib3.exceptions.DecodeError, requests.exceptions.ContentDecodingError), "encoding"),
        ((requests.exceptions.ConnectionError, urllib3.exceptions.ProtocolError), "connection"),
        ((requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema), "invalid_url"),
    )
    for kinds, reason in rules:
        if isinstance(exc, kinds):
            return reason
    return "connection" if isinstance(exc, OSError) else type(exc).__name__

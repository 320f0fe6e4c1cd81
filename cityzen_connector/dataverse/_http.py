"""The transport seam: an HTTP request and response as plain values, and the protocol that
sends one. Production sends through ``requests``; tests run any WSGI app in-process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cityzen_connector._types import Headers


@dataclass(frozen=True)
class HttpRequest:
    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes | None = None

    def __repr__(self) -> str:
        size = 0 if self.body is None else len(self.body)
        return f"HttpRequest({self.method} {self.url}, {self.headers!r}, {size} bytes)"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"HttpResponse({self.status}, {len(self.body)} bytes)"


class Transport(Protocol):
    """Sends one request. Raises ``DataverseConnectionError`` when no response came back."""

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse: ...

"""Dataverse transport wrappers: one that counts round trips and can play three failures (the
connection refused, ``down``; "the application user lost its role", ``denied``; 503 Service
Unavailable on the requests a test picks, ``unavailable``), and one that keeps every reply, for
tests that read the wire shape of what the client was answered."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from cityzen_connector._types import Headers
from cityzen_connector.dataverse import (
    DataverseConnectionError,
    HttpRequest,
    HttpResponse,
    Transport,
    decode_batch,
)


class CountingTransport:
    """Wraps a real transport (the emulator behind ``WsgiTransport``, usually)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[HttpRequest] = []
        self.statuses: Counter[int] = Counter()
        self.down = False
        self.denied = False
        # Answer 503 to the requests this predicate picks, as Dataverse does under load and
        # as the emulator's fault injection does at random (same empty-code error body).
        self.unavailable: Callable[[HttpRequest], bool] | None = None

    @property
    def count(self) -> int:
        return len(self.sent)

    @property
    def lines(self) -> list[str]:
        """What was sent, as ``METHOD URL`` lines."""
        return [f"{r.method} {r.url}" for r in self.sent]

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.sent.append(request)
        if self.down:
            raise DataverseConnectionError("connection refused (test)")
        if self.denied:  # as Dataverse answers a user without the privilege
            body = {
                "error": {
                    "code": "0x80040220",
                    "message": "Principal user is missing prvCreateincident privilege",
                }
            }
            return HttpResponse(
                403, Headers({"Content-Type": "application/json"}), json.dumps(body).encode()
            )
        if self.unavailable is not None and self.unavailable(request):
            self.statuses[503] += 1
            body = {"error": {"code": "", "message": "Service Unavailable (test)."}}
            return HttpResponse(
                503, Headers({"Content-Type": "application/json"}), json.dumps(body).encode()
            )
        response = self.inner.send(request, timeout=timeout)
        self.statuses[response.status] += 1
        return response


class RecordingTransport:
    """Keeps every exchange (request, reply) of the transport it wraps."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.exchanges: list[tuple[HttpRequest, HttpResponse]] = []

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        response = self.inner.send(request, timeout=timeout)
        self.exchanges.append((request, response))
        return response

    @property
    def last(self) -> HttpResponse:
        """The latest reply."""
        return self.exchanges[-1][1]

    def change_set(self) -> list[HttpResponse]:
        """The parts answering the one ``$batch`` that held a change set."""
        (reply,) = [r for q, r in self.exchanges if b"changeset_" in (q.body or b"")]
        return [p.response for p in decode_batch(reply.headers["Content-Type"], reply.body)]

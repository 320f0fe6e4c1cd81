"""Test doubles that are real objects injected through seams: a clock moved by hand, and a
transport wrapper that counts round trips and can play "the application user lost its role"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from cityzen_connector.dataverse import Headers, HttpRequest, HttpResponse, Transport


class FakeClock:
    """``clock()`` is the fake time (messaging, store, emulator); ``sleep`` advances it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


class ClientClock:
    """The Dataverse client's clock protocol over the same fake time."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock().timestamp()

    def sleep(self, seconds: float) -> None:
        self._clock.sleep(seconds)


class CountingTransport:
    """Counts requests (round trips) and, while ``denied``, answers every call the way
    Dataverse answers a user without the privilege (403, 0x80040220)."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self.sent: list[HttpRequest] = []
        self.denied = False

    @property
    def count(self) -> int:
        return len(self.sent)

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.sent.append(request)
        if self.denied:
            body = {
                "error": {
                    "code": "0x80040220",
                    "message": "Principal user is missing prvCreateincident privilege",
                }
            }
            return HttpResponse(
                403, Headers({"Content-Type": "application/json"}), json.dumps(body).encode()
            )
        return self.inner.send(request, timeout=timeout)

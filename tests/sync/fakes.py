"""Test doubles that are real objects injected through seams: a clock moved by hand, and a
transport wrapper that counts round trips and can play "the application user lost its role"."""

from __future__ import annotations

import json
from collections import Counter

from messaging.fakes import FakeClock as _MessagingFakeClock

from cityzen_connector.dataverse import Headers, HttpRequest, HttpResponse, Transport

# The messaging tests' clock: ``clock()`` is the fake time (messaging, store, emulator);
# ``advance`` and ``sleep`` move it. One definition for every suite.
FakeClock = _MessagingFakeClock


class ClientClock:
    """The Dataverse client's clock protocol over the same fake time."""

    def __init__(self, clock: _MessagingFakeClock) -> None:
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
        self.statuses: Counter[int] = Counter()
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
        response = self.inner.send(request, timeout=timeout)
        self.statuses[response.status] += 1
        return response

"""Shared seams for the client's tests: the package's fake clock and a scripted transport (real
objects injected through constructors; nothing is patched)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import responses

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Headers,
    HttpRequest,
    HttpResponse,
    RequestsTransport,
    RetryPolicy,
    StaticTokenProvider,
)
from cityzen_connector.testing import FakeClock

ORG = "https://contoso.crm4.dynamics.com"
ROOT = ORG + "/api/data/v9.2/"
TOKEN = "tok-secret-value"


Step = HttpResponse | BaseException | Callable[[HttpRequest], HttpResponse]


class ScriptedTransport:
    """Answers each request with the next scripted step and records what was sent."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.sent: list[HttpRequest] = []

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        self.sent.append(request)
        if not self.steps:
            raise AssertionError(f"unexpected extra request {request.method} {request.url}")
        step = self.steps.pop(0)
        if isinstance(step, BaseException):
            raise step
        if callable(step):
            return step(request)
        return step


def reply(status: int, body: Any = None, **headers: str) -> HttpResponse:
    raw = b"" if body is None else json.dumps(body).encode()
    all_headers = {k.replace("_", "-"): v for k, v in headers.items()}
    if body is not None:
        all_headers.setdefault("Content-Type", "application/json; odata.metadata=minimal")
    return HttpResponse(status, Headers(all_headers), raw)


def error_reply(status: int, code: str, message: str, **headers: str) -> HttpResponse:
    return reply(status, {"error": {"code": code, "message": message}}, **headers)


def make_client(
    transport: Any,
    *,
    clock: FakeClock | None = None,
    retry: RetryPolicy = RetryPolicy.HTTP_REQUEST,
    tokens: Any = None,
    **config: Any,
) -> DataverseClient:
    ids = iter(range(1, 10**6))
    return DataverseClient(
        DataverseConfig(ORG, **config),
        transport,
        tokens or StaticTokenProvider(TOKEN),
        clock=clock or FakeClock(),
        retry=retry,
        rng=lambda: 0.5,
        new_id=lambda: uuid.UUID(int=next(ids)),
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def wire() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client(clock: FakeClock) -> DataverseClient:
    return make_client(RequestsTransport(), clock=clock)

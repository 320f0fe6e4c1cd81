"""Service protection limits (three codes, Retry-After, sliding window on the injected clock),
x-ms-dop-hint and fault injection."""

from __future__ import annotations

import random

import pytest
import requests

from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorApp,
    EmulatorConfig,
    Faults,
    ProtectionLimits,
    create_app,
    serve,
)
from cityzen_connector.emulator._protection import Protection
from cityzen_connector.testing import FakeClock

from .conftest import call


def _throttled_app(clock: FakeClock, **limits: int) -> EmulatorApp:
    return create_app(
        EmulatorConfig(protection=ProtectionLimits(window_seconds=60, **limits)), clock=clock
    )


def test_every_reply_carries_the_dop_hint() -> None:
    app = create_app(EmulatorConfig(dop_hint=7))
    _, headers, _ = call(app, "GET", "contacts")
    assert headers["x-ms-dop-hint"] == "7"


def test_request_count_limit_then_window_slides(clock: FakeClock) -> None:
    app = _throttled_app(clock, max_requests=3)
    for _ in range(3):
        assert call(app, "GET", "contacts")[0] == 200
    clock.advance(20)
    status, headers, body = call(app, "GET", "contacts")
    assert status == 429
    assert headers["retry-after"] == "40"
    assert b"0x80072322" in body
    assert b"Number of requests exceeded the limit of 3 over time window of 60 seconds." in body
    clock.advance(41)
    assert call(app, "GET", "contacts")[0] == 200


def test_execution_time_limit_counts_batch_operations(clock: FakeClock) -> None:
    app = _throttled_app(clock, max_execution_ms=100, cost_per_operation_ms=10)
    targets = [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "x"}] * 12
    status, _, _ = call(
        app, "POST", "contacts/Microsoft.Dynamics.CRM.CreateMultiple", {"Targets": targets}
    )
    assert status == 200
    status, headers, body = call(app, "GET", "contacts")
    assert status == 429
    assert b"0x80072321" in body
    assert int(headers["retry-after"]) >= 1


def test_concurrency_limit_code(clock: FakeClock) -> None:
    protection = Protection(ProtectionLimits(max_concurrent=2), clock)
    protection.enter("u")
    protection.enter("u")
    with pytest.raises(Exception, match="0x80072326") as caught:
        protection.enter("u")
    assert getattr(caught.value, "status", None) == 429
    protection.leave("u", 1)
    protection.enter("u")
    protection.enter("other-caller")


def test_injected_errors_and_latency() -> None:
    slept: list[float] = []
    app = create_app(
        EmulatorConfig(faults=Faults(error_rate=1.0, latency_seconds=0.25)),
        sleep=slept.append,
        rng=random.Random(1),
    )
    status, _, _ = call(app, "GET", "contacts")
    assert status == 503
    assert slept == [0.25]


def test_dropped_connection_over_http_after_the_write() -> None:
    app = create_app(EmulatorConfig(faults=Faults(drop_rate=1.0)), rng=random.Random(1))
    handle = serve(app, "127.0.0.1", 0)
    try:
        cut = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
        with pytest.raises(cut):
            requests.post(
                handle.url + BASE_PATH + "contacts",
                json={"lastname": "Lost reply"},
                headers={"Authorization": "Bearer t"},
                timeout=10,
            )
    finally:
        handle.stop()
    # The write happened; only the reply was lost (what at-least-once clients must survive).
    assert len(app.store.find("contact", {"lastname": "Lost reply"})) == 1


def test_budget_headers_and_request_ids(clock: FakeClock) -> None:
    app = _throttled_app(clock, max_requests=10)
    _, first, _ = call(app, "GET", "contacts")
    _, second, _ = call(app, "GET", "contacts")
    assert first["x-ms-ratelimit-burst-remaining-xrm-requests"] == "9"
    assert second["x-ms-ratelimit-burst-remaining-xrm-requests"] == "8"
    assert first["x-ms-service-request-id"] != second["x-ms-service-request-id"]
    assert first["req_id"] == first["x-ms-service-request-id"]


def test_concurrent_requests_over_http_hit_the_concurrency_limit() -> None:
    import threading  # noqa: PLC0415

    gate = threading.Event()
    entered = threading.Event()

    def hold(_seconds: float) -> None:
        entered.set()
        gate.wait(10)

    app = create_app(
        EmulatorConfig(
            protection=ProtectionLimits(max_concurrent=1),
            faults=Faults(latency_seconds=0.001),
        ),
        sleep=hold,
    )
    handle = serve(app, "127.0.0.1", 0)
    url = handle.url + BASE_PATH + "contacts"
    auth = {"Authorization": "Bearer t"}
    results: list[int] = []
    first = threading.Thread(
        target=lambda: results.append(requests.get(url, headers=auth, timeout=10).status_code)
    )
    try:
        first.start()
        assert entered.wait(10)
        second = requests.get(url, headers=auth, timeout=10)
        assert second.status_code == 429
        assert second.json()["error"]["code"] == "0x80072326"
        assert second.headers["Retry-After"] == "1"
    finally:
        gate.set()
        first.join(10)
        handle.stop()
    assert results == [200]

"""The composition root: settings reach every port and use case, each built once, lazily, and
shared by the HTTP API, the worker, the timers and the CLI."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector import app
from cityzen_connector._types import Headers
from cityzen_connector.api import ApiRequest
from cityzen_connector.cases import WebhookEvent, WebhookReply, endpoint_key
from cityzen_connector.dataverse import Query, RetryPolicy, WsgiTransport
from cityzen_connector.mapping import MappingFileError
from cityzen_connector.messaging import OutgoingMessage, open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.sync.pipeline import DeliveryPolicy
from cityzen_connector.testing import FakeClock, emulator_client
from tests.support.webhooks import OLD_SECRET, SECRET
from tests.support.world import JPEG, ROOT, submission, upload

MAPPINGS = ROOT / "mappings"


def memory_settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {"queue_url": "memory://", "store_url": "memory://"}
    base |= {"blob_url": "memory://", "mappings_dir": MAPPINGS, "data_dir": tmp_path}
    return Settings(**(base | values))


def file_settings(tmp_path: Path, **values: Any) -> Settings:
    return Settings(
        data_dir=tmp_path,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        store_url=f"sqlite:///{tmp_path / 'state.db'}",
        blob_url=f"file://{tmp_path / 'blobs'}",
        mappings_dir=MAPPINGS,
        **values,
    )


@pytest.fixture
def restore() -> Iterator[None]:
    previous = app.install(None)
    yield
    app.install(previous)


# -- laziness and sharing ---------------------------------------------------------------------
def test_nothing_is_opened_until_first_use_then_reused(tmp_path: Path) -> None:
    deps = app.Container(file_settings(tmp_path))
    assert list(tmp_path.iterdir()) == []  # cold start: no file, no connection
    bus = deps.bus
    assert deps.bus is bus
    assert (tmp_path / "queue.db").exists()
    assert not (tmp_path / "state.db").exists()
    assert deps.statuses.get("nope") is None  # opens the store on demand
    assert (tmp_path / "state.db").exists()
    deps.close()


def test_given_ports_are_used_and_not_closed(tmp_path: Path) -> None:
    bus = open_bus("memory://")
    deps = app.Container(file_settings(tmp_path), bus=bus)
    assert deps.bus is bus
    deps.store  # noqa: B018 - opened by the container
    deps.close()
    assert bus.stats("submissions").active == 0  # still usable: not ours to close
    assert not (tmp_path / "queue.db").exists()


def test_concurrent_first_uses_build_one_object(tmp_path: Path) -> None:
    deps = app.Container(file_settings(tmp_path))
    seen: list[object] = []
    start = threading.Barrier(8)

    def first_use() -> None:
        start.wait()
        seen.append(deps.worker)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(worker) for worker in seen}) == 1
    deps.close()


def test_http_api_worker_and_probe_share_one_queue_one_pool_one_token(tmp_path: Path) -> None:
    deps = app.Container(memory_settings(tmp_path))
    assert deps.api.ingest.bus is deps.worker.bus is deps.bus
    assert deps.api.ingest.store is deps.worker.breaker._store is deps.store
    worker, api_client, probe = deps.client, deps.api_client, deps.probe_client
    assert (worker.retry, api_client.retry, probe.retry) == (
        RetryPolicy.QUEUE_WORK,
        RetryPolicy.HTTP_REQUEST,
        RetryPolicy.NO_RETRY,
    )
    assert api_client.transport is worker.transport is probe.transport
    assert api_client.tokens is worker.tokens
    assert probe.limiter is worker.limiter
    assert deps.api.themes.mappings is deps.worker.processor.mappings  # read once
    deps.close()


def test_a_failed_build_is_not_kept_and_the_next_use_tries_again(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    mappings.mkdir()
    (mappings / "broken.toml").write_text("[targets.x]\ntable = 1\n")
    deps = app.Container(memory_settings(tmp_path, mappings_dir=mappings))
    with pytest.raises(MappingFileError):  # at start-up, not per message
        deps.worker  # noqa: B018
    (mappings / "broken.toml").unlink()
    for source in MAPPINGS.glob("*.toml"):
        (mappings / source.name).write_text(source.read_text(encoding="utf-8"))
    assert deps.worker.queue == "submissions"


def test_current_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch, restore: None) -> None:
    monkeypatch.setenv("CITYZEN_SUBMISSIONS_QUEUE", "demandes")
    first = app.current()
    assert first.settings.submissions_queue == "demandes"
    monkeypatch.setenv("CITYZEN_SUBMISSIONS_QUEUE", "other")
    assert app.current() is first


def test_install_replaces_and_returns_the_previous(tmp_path: Path, restore: None) -> None:
    mine = app.Container(file_settings(tmp_path))
    assert app.install(mine) is None
    assert app.current() is mine
    assert app.install(None) is mine


# -- every setting reaches what it tunes -------------------------------------------------------
def test_every_api_setting_is_wired(tmp_path: Path) -> None:
    deps = app.Container(
        memory_settings(
            tmp_path,
            api_max_body_bytes=4096,
            api_max_attachments=2,
            api_max_attachment_bytes=1000,
            api_max_attachments_total_bytes=1500,
            api_attachment_types="image/png, application/pdf",
            api_portal_key="k",
            api_themes_cache_seconds=42,
            api_ready_cache_seconds=3,
            submissions_queue="inbox",
            retention_days=7,
            identity_pepper="pepper",
        ),
        clock=FakeClock(),
    ).api
    limits = deps.ingest.limits
    assert (limits.max_count, limits.max_bytes, limits.max_total_bytes) == (2, 1000, 1500)
    assert limits.types == frozenset({"image/png", "application/pdf"})
    assert deps.max_body_bytes == 4096
    assert deps.portal_key == "k"
    assert deps.themes.max_age == timedelta(seconds=42)
    assert deps.readiness.ttl == timedelta(seconds=3)
    assert deps.ingest.queue == "inbox"
    assert deps.ingest.retention == timedelta(days=7)
    assert deps.ingest.identity_key == b"pepper"
    assert deps.authenticator is None  # function_key mode: no token verification at all


def test_the_built_api_accepts_a_submission_and_refuses_the_unlisted_type(
    tmp_path: Path,
) -> None:
    api = app.Container(memory_settings(tmp_path, api_attachment_types="image/png")).http_api
    body = submission(attachments=[upload(JPEG)])
    request = ApiRequest(
        "POST",
        "/v1/requests",
        Headers({"Content-Type": "application/json"}),
        json.dumps(body).encode(),
        function_key_valid=True,
    )
    assert api.handle(request).status == 415


def test_bearer_mode_builds_the_verifier_without_fetching_keys(tmp_path: Path) -> None:
    fetched: list[str] = []
    settings = memory_settings(
        tmp_path,
        auth_mode="bearer",
        auth_oidc_issuer="https://idp.example.fr/v2.0",
        auth_oidc_audience="api://cityzen",
        auth_oidc_jwks_uri="https://idp.example.fr/keys",
    )
    deps = app.Container(settings, fetch=lambda url: fetched.append(url) or {"keys": []})
    assert deps.api.authenticator is not None
    assert fetched == []


def test_worker_follows_the_settings(tmp_path: Path) -> None:
    clock = FakeClock()
    emulated = emulator_client(clock)
    settings = memory_settings(
        tmp_path,
        breaker_open_seconds=42,
        lookup_cache_ttl_seconds=7,
        retry_initial_delay_seconds=11,
        submissions_queue="demandes",
    )
    deps = app.Container(settings, clock=clock, client=emulated.client).worker
    assert deps.queue == "demandes"
    assert deps.retry.initial_delay == timedelta(seconds=11)
    assert deps.breaker.trip("x", "y").until == clock() + timedelta(seconds=42)
    assert deps.processor.lookups._ttl == timedelta(seconds=7)
    assert deps.probe() == emulated.client.who_am_i()
    # Follow-ups left undone wait on the same queue, with the same back-off.
    followups = deps.processor.followups.queue
    assert followups is not None
    assert (followups.bus, followups.queue, followups.policy) == (deps.bus, "demandes", deps.retry)


def test_defaults_talk_to_the_local_emulator_with_the_static_token(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def emulator(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen["auth"] = environ.get("HTTP_AUTHORIZATION")
        seen["where"] = (environ["SERVER_NAME"], environ["SERVER_PORT"], environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"value": []}).encode()]

    client = app.Container(Settings(), transport=WsgiTransport(emulator)).client
    assert list(client.query_pages(Query("contacts")))
    assert seen == {
        "auth": "Bearer local-dev-token",
        "where": ("127.0.0.1", "7072", "/api/data/v9.2/contacts"),
    }


def test_queue_knobs_tune_the_embedded_queue(tmp_path: Path) -> None:
    clock = FakeClock()
    settings = file_settings(
        tmp_path,
        queue_lock_duration_seconds=5,
        queue_max_delivery_count=2,
        queue_duplicate_window_seconds=20,
        queue_time_to_live_days=1,
    )
    deps = app.Container(settings, clock=clock)
    bus = deps.bus
    bus.send("q", [OutgoingMessage(body=b"{}", message_id="a")])
    [first] = bus.receive("q")
    clock.advance(6)  # lock of 5 s has expired
    [second] = bus.receive("q")
    assert second.delivery_count == 2
    bus.abandon(second)  # second delivery of at most two: dead-lettered
    assert bus.peek("q", sub_queue="deadletter")[0].dead_letter_reason == "MaxDeliveryCountExceeded"
    clock.advance(21)  # past the 20 s duplicate window: the same id is accepted again
    bus.send("q", [OutgoingMessage(body=b"{}", message_id="a")])
    assert bus.stats("q").active == 1
    clock.advance(86401)  # past the one-day time-to-live
    assert bus.receive("q") == []
    assert bus.stats("q").dead_letter == 2
    assert first.message_id == "a"
    deps.close()


def test_store_blobs_and_status_retention_come_from_settings(tmp_path: Path) -> None:
    clock = FakeClock()
    deps = app.Container(file_settings(tmp_path, retention_days=2), clock=clock)
    deps.statuses.mark_failed("sub-1", reason="x")
    clock.advance(2 * 86400 + 1)
    assert deps.statuses.get("sub-1") is None
    ref = deps.blobs.put(b"x", media_type="text/plain")
    assert (tmp_path / "blobs" / ref.name).read_bytes() == b"x"
    assert (tmp_path / "state.db").exists()
    deps.close()


def test_delivery_policy_comes_from_settings(tmp_path: Path) -> None:
    policy = app.delivery_policy(
        file_settings(
            tmp_path,
            retry_initial_delay_seconds=10,
            retry_max_delay_seconds=40,
            retry_horizon_hours=2,
        )
    )
    assert policy == DeliveryPolicy(
        timedelta(seconds=10), timedelta(seconds=40), timedelta(hours=2)
    )
    assert app.delivery_policy(Settings()) == DeliveryPolicy()


class _RecordingSender:
    """A webhook sender that answers 503 and notes what it was asked (the injected seam)."""

    def __init__(self) -> None:
        self.posted: list[tuple[str, dict[str, str], float]] = []

    def post(self, url: str, body: bytes, headers: Any, *, timeout: float) -> Any:
        self.posted.append((url, dict(headers), timeout))
        return WebhookReply(503)


def test_webhook_delivery_follows_every_webhook_setting(tmp_path: Path) -> None:
    clock = FakeClock()
    sender = _RecordingSender()
    settings = memory_settings(
        tmp_path,
        webhook_urls="http://127.0.0.1:7073/a, http://localhost:7073/b",
        webhook_secrets=f"{SECRET} {OLD_SECRET}",
        webhook_timeout_seconds=7,
        webhook_give_up_hours=2,
        webhook_max_attempts=9,
        retry_initial_delay_seconds=11,
        retry_max_delay_seconds=99,
        webhooks_queue="webhooks-portail",
    )
    deps = app.Container(settings, clock=clock, webhook_sender=sender)
    config = deps.webhook_delivery.config
    assert [e.url for e in config.endpoints] == [
        "http://127.0.0.1:7073/a",
        "http://localhost:7073/b",
    ]
    assert len(config.secrets) == 2
    retry = config.retry
    assert (retry.initial_delay, retry.max_delay) == (timedelta(seconds=11), timedelta(seconds=99))
    assert (retry.give_up_after, retry.max_attempts) == (timedelta(hours=2), 9)
    # The outbox and the worker share one queue; the injected sender is the one used.
    deps.webhook_outbox.publish(WebhookEvent("evt_c", "request.status_changed", clock(), {}))
    [message] = deps.bus.receive("webhooks-portail")
    result = app.deliver_webhook(deps, message)
    assert [o.endpoint for o in result.outcomes] == [
        endpoint_key("http://127.0.0.1:7073/a"),
        endpoint_key("http://localhost:7073/b"),
    ]
    assert [(url, timeout) for url, _, timeout in sender.posted] == [
        ("http://127.0.0.1:7073/a", 7),
        ("http://localhost:7073/b", 7),
    ]
    assert len(sender.posted[0][1]["webhook-signature"].split(" ")) == 2
    assert len(deps.bus.peek("webhooks-portail")) == 3  # the original and one retry each


# -- address help -------------------------------------------------------------------------------
def test_one_address_help_serves_the_api_the_intake_and_the_pipeline(tmp_path: Path) -> None:
    from tests.support.geocoder import served_geocoder  # noqa: PLC0415

    with served_geocoder() as url:
        deps = app.Container(memory_settings(tmp_path, geocoder_url=url))
        help = deps.address_help
        assert deps.api.addresses is help
        assert deps.ingest.addresses is help
        assert deps.processor.addresses is help
        response = deps.http_api.handle(
            ApiRequest(
                "GET", "/v1/address", Headers({}), b"", {"q": "valbrume"}, function_key_valid=True
            )
        )
        assert response.status == 200
        assert response.json()["results"][0]["city"] == "Valbrume"
        assert help.calls == 1
        deps.close()  # closes the geocoder's HTTP session too

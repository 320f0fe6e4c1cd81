"""``cityzen webhooks receive`` (the local receiver), its place in ``cityzen run``, and the queue
commands on the webhook outbox."""

from __future__ import annotations

import argparse
import json
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from cityzen_connector.cases import (
    QueueWebhookOutbox,
    RequestsWebhookSender,
    WebhookConfig,
    WebhookDeliveryDeps,
    WebhookEvent,
    WebhookReply,
    deliver_webhook_message,
    parse_secrets,
    signed_headers,
)
from cityzen_connector.cli import build_parser, main
from cityzen_connector.cli._errors import _StartError
from cityzen_connector.cli._webhook_receiver import (
    MAX_BODY_BYTES,
    ReceiverServer,
    WebhookReceiver,
    serve_receiver,
)
from cityzen_connector.cli._webhooks import receiver_plan, receiver_secrets, start_receiver
from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import LOCAL_WEBHOOK_SECRET
from cityzen_connector.store import SubmissionStatuses, open_store
from tests.support.webhooks import OLD_SECRET, OTHER_SECRET, SECRET

BODY = (
    b'{"type":"request.status_changed","timestamp":"2026-12-03T09:29:55Z",'
    b'"data":{"status":"resolved"}}'
)


def _signed(
    body: bytes = BODY, *, secret: str = SECRET, at: float | None = None, wid: str = "evt_1"
) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return signed_headers(parse_secrets(secret), wid, stamp, body) | {
        "content-type": "application/json"
    }


@pytest.fixture
def lines() -> list[str]:
    return []


@pytest.fixture
def receiver(lines: list[str]) -> WebhookReceiver:
    return WebhookReceiver([SECRET], echo=lines.append)


def test_a_verified_event_is_printed_once_and_a_replay_of_its_id_is_not_processed(
    receiver: WebhookReceiver, lines: list[str]
) -> None:
    first = receiver.handle("POST", _signed(), BODY)
    assert (first.status, first.body) == (200, {"received": "evt_1"})
    assert lines == [
        'webhook evt_1 request.status_changed 2026-12-03T09:29:55Z {"status":"resolved"}'
    ]
    # The same request captured and sent again (or a retry after a lost answer): acknowledged,
    # not processed again.
    again = receiver.handle("POST", _signed(), BODY)
    assert (again.status, again.body) == (200, {"duplicate": "evt_1"})
    assert lines[1] == "duplicate evt_1: already processed, ignored"
    assert len([line for line in lines if line.startswith("webhook ")]) == 1


@pytest.mark.parametrize(
    ("headers", "body", "status", "error"),
    [
        (_signed(secret=OTHER_SECRET), BODY, 401, "No matching signature found"),
        (_signed(), BODY.replace(b"resolved", b"cancelled"), 401, "No matching signature found"),
        (_signed(at=time.time() - 600), BODY, 401, "Message timestamp too old"),
        (_signed(at=time.time() + 600), BODY, 401, "Message timestamp too new"),
        (_signed() | {"webhook-signature": "v1"}, BODY, 401, "malformed"),
        (_signed() | {"webhook-timestamp": "soon"}, BODY, 401, "Invalid Signature Headers"),
        (_signed(b"\xff\xfe"), b"\xff\xfe", 401, "malformed"),
        ({"content-type": "application/json"}, BODY, 400, "missing"),
    ],
)
def test_a_request_that_is_not_signed_by_us_now_is_refused(
    receiver: WebhookReceiver,
    lines: list[str],
    headers: dict[str, str],
    body: bytes,
    status: int,
    error: str,
) -> None:
    answer = receiver.handle("POST", headers, body)
    assert answer.status == status
    assert error in answer.body["error"]
    assert not any(line.startswith("webhook ") for line in lines)


def test_a_refused_request_does_not_burn_its_id(receiver: WebhookReceiver) -> None:
    assert receiver.handle("POST", _signed(secret=OTHER_SECRET), BODY).status == 401
    assert receiver.handle("POST", _signed(), BODY).body == {"received": "evt_1"}


def test_during_a_rotation_a_receiver_holding_either_secret_accepts(lines: list[str]) -> None:
    both = signed_headers(parse_secrets(f"{SECRET},{OLD_SECRET}"), "evt_2", int(time.time()), BODY)
    for held in (SECRET, OLD_SECRET):
        assert WebhookReceiver([held], echo=lines.append).handle("POST", both, BODY).status == 200


@pytest.fixture
def served(receiver: WebhookReceiver) -> Iterator[ReceiverServer]:
    server = serve_receiver(receiver, "127.0.0.1", 0)
    yield server
    server.stop()


def test_over_http_the_receiver_answers_json_and_bounds_what_it_reads(
    served: ReceiverServer,
) -> None:
    ok = requests.post(served.url, data=BODY, headers=_signed(), timeout=5)
    assert (ok.status_code, ok.headers["content-type"], ok.json()) == (
        200,
        "application/json",
        {"received": "evt_1"},
    )
    assert requests.get(served.url, timeout=5).status_code == 405
    big = b"x" * (MAX_BODY_BYTES + 1)
    assert requests.post(served.url, data=big, headers=_signed(big), timeout=5).status_code == 413
    host, port = served.server.server_address[:2]
    with socket.create_connection((str(host), port), timeout=5) as raw:
        raw.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 411")


def test_our_sender_and_the_receiver_agree_end_to_end_and_a_wrong_secret_is_refused(
    served: ReceiverServer,
) -> None:
    sender = RequestsWebhookSender()
    for secrets, status in ((SECRET, 200), (OTHER_SECRET, 401)):
        config = WebhookConfig.of([served.url], secrets)
        headers = signed_headers(config.secrets, "evt_3" + secrets[-4:-1], int(time.time()), BODY)
        reply = sender.post(served.url, BODY, headers, timeout=5)
        assert reply == WebhookReply(status)


def test_the_receive_command_refuses_a_bad_secret_naming_its_position_not_its_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        ["webhooks", "receive", "--port", "0", "--secret", SECRET, "--secret", "whsec_Zm9v!"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "secret 2 of 2" in err
    assert "Zm9v" not in err


def test_receiver_secrets_come_from_the_flag_then_the_settings_then_the_local_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CITYZEN_WEBHOOK_SECRETS", raising=False)
    assert receiver_secrets(None)[0] == [LOCAL_WEBHOOK_SECRET]
    monkeypatch.setenv("CITYZEN_WEBHOOK_SECRETS", f"{SECRET},{OLD_SECRET}")
    secrets, origin = receiver_secrets(None)
    assert (secrets, origin) == ([SECRET, OLD_SECRET], "CITYZEN_WEBHOOK_SECRETS")
    assert receiver_secrets([OTHER_SECRET])[0] == [OTHER_SECRET]


def _run_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["run", *argv])


def test_cityzen_run_starts_the_receiver_with_the_emulator_unless_told_otherwise() -> None:
    default = receiver_plan(_run_args(), {}, external=False)
    assert default is not None
    assert (default.port, default.explicit) == (7073, False)
    assert receiver_plan(_run_args(), {}, external=True) is None  # a real Dataverse
    assert (
        receiver_plan(_run_args(), {"CITYZEN_WEBHOOK_URLS": "https://p.fr/"}, external=False)
        is None
    )
    assert receiver_plan(_run_args("--no-webhook-receiver"), {}, external=False) is None
    forced = receiver_plan(_run_args("--webhook-receiver"), {}, external=True)
    assert forced is not None
    assert forced.explicit
    moved = receiver_plan(_run_args("--webhook-port", "0"), {}, external=False)
    assert moved is not None
    assert (moved.port, moved.explicit) == (0, True)


def test_the_receiver_cityzen_run_starts_becomes_the_webhook_url_with_the_local_secret() -> None:
    env: dict[str, str] = {}
    plan = receiver_plan(_run_args("--webhook-port", "0"), env, external=False)
    server = start_receiver(plan, env)
    assert server is not None
    try:
        assert env == {
            "CITYZEN_WEBHOOK_URLS": server.url,
            "CITYZEN_WEBHOOK_SECRETS": LOCAL_WEBHOOK_SECRET,
        }
    finally:
        server.stop()


def test_a_port_in_use_turns_webhooks_off_by_default_and_stops_run_when_asked_for(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env: dict[str, str] = {}
        default = receiver_plan(_run_args(), env, external=False)
        assert default is not None
        assert start_receiver(type(default)(port, explicit=False), env) is None
        assert env == {}  # webhooks stay off
        assert "webhook receiver not started" in capsys.readouterr().out
        with pytest.raises(_StartError, match=f"127.0.0.1:{port}"):
            start_receiver(type(default)(port, explicit=True), env)


def test_queue_commands_list_and_replay_a_dead_webhook_without_touching_statuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_BLOB_URL", f"file://{tmp_path}/blobs")
    bus = open_bus(f"sqlite:///{tmp_path}/queue.db")
    event = WebhookEvent(
        "evt_dead", "request.status_changed", datetime.now(UTC), {"status": "resolved"}
    )
    QueueWebhookOutbox(bus, "webhooks").publish(event)

    class Gone:
        def post(self, url: str, body: bytes, headers: object, *, timeout: float) -> WebhookReply:
            return WebhookReply(410)

    deps = WebhookDeliveryDeps(
        bus,
        "webhooks",
        WebhookConfig.of(["https://portal.example.fr/h"], SECRET),
        Gone(),
        lambda: datetime.now(UTC),
    )
    [message] = bus.receive("webhooks")
    deliver_webhook_message(message, deps)
    bus.complete(message)
    dead_ids = [m.message_id for m in bus.peek("webhooks-rejected")]
    # Another one Service Bus dead-lettered by itself (max deliveries: the bus was down).
    QueueWebhookOutbox(bus, "webhooks").publish(
        WebhookEvent("evt_sb", event.type, event.timestamp, {})
    )
    [stuck] = bus.receive("webhooks")
    bus.dead_letter(stuck, reason="MaxDeliveryCountExceeded", description="10 deliveries")
    bus.close()

    assert main(["queue", "--queue", "webhooks", "dead", "list"]) == 0
    listed = capsys.readouterr().out
    assert "HTTP 410: the receiver asks to stop" in listed
    assert (
        main(["queue", "--queue", "webhooks", "dead", "replay", "--source", "rejected", "--all"])
        == 0
    )
    assert "replayed 1 message(s)" in capsys.readouterr().out
    bus = open_bus(f"sqlite:///{tmp_path}/queue.db")
    [back] = bus.peek("webhooks")
    assert back.application_properties["cityzen-webhook-id"] == "evt_dead"  # same id again
    assert json.loads(back.body)["data"] == {"status": "resolved"}
    bus.close()
    statuses = SubmissionStatuses(
        open_store(f"sqlite:///{tmp_path}/state.db"),
        clock=lambda: datetime.now(UTC),
        retention=timedelta(days=1),
    )
    for key in ("evt_dead", *dead_ids):
        assert statuses.get(key) is None  # no "queued" submission invented
    assert main(["queue", "--queue", "webhooks", "sweep"]) == 0  # submissions only
    assert "1 dead-lettered message(s), 0 marked failed" in capsys.readouterr().out
    assert statuses.get("evt_sb") is None

"""Webhook delivery on this machine: what signing and the outbox cost beside a bare POST.

One command: ``.venv/bin/python bench/webhooks.py``. Three figures, each beside its baseline:

- signatures/s: ours (``cases.sign``) and the standardwebhooks package's ``Webhook.sign``;
- deliveries/s to a local receiver (``cityzen webhooks receive``'s server, verifying each one
  with the standardwebhooks package): the whole outbox path — publish on the embedded SQLite
  queue, receive, sign, POST, complete — and, as the baseline, a bare ``requests`` POST of the
  same bytes, unsigned and unqueued, to the same server (which then refuses it: 400);
- the same deliveries with two endpoints (each event signed and posted twice).

Runs in a few seconds.
"""

from __future__ import annotations

import base64
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests
from standardwebhooks import Webhook

from cityzen_connector.cases import (
    QueueWebhookOutbox,
    RequestsWebhookSender,
    WebhookConfig,
    WebhookDeliveryDeps,
    WebhookEvent,
    deliver_webhook_message,
    event_body,
    parse_secrets,
    sign,
)
from cityzen_connector.cli._webhook_receiver import WebhookReceiver, serve_receiver
from cityzen_connector.messaging import open_bus

SECRET = "whsec_" + base64.b64encode(b"bench-webhook-secret-32-bytes-ok").decode()
SIGNS = 20_000
DELIVERIES = 400


def _event(n: int) -> WebhookEvent:
    return WebhookEvent(
        id=f"evt_{n:06d}",
        type="request.status_changed",
        timestamp=datetime.now(UTC),
        data={
            "request_id": "4f1c9a52-7a1e-4d0b-9c57-0c1f7f1f2b10",
            "ticket_number": f"CAS-{n:05d}-X7Y8Z9",
            "status": "resolved",
            "label": {"fr": "Résolue", "en": "Resolved"},
            "closed": True,
        },
    )


def rate(count: int, action: Callable[[], None]) -> float:
    start = time.perf_counter()
    action()
    return count / (time.perf_counter() - start)


def signatures() -> tuple[float, float]:
    (secret,) = parse_secrets(SECRET)
    body = event_body(_event(1))
    text = body.decode()
    theirs = Webhook(SECRET)
    moment = datetime.now(UTC)
    stamp = int(moment.timestamp())

    def ours_loop() -> None:
        for n in range(SIGNS):
            sign(secret, f"evt_{n}", stamp, body)

    def theirs_loop() -> None:
        for n in range(SIGNS):
            theirs.sign(f"evt_{n}", moment, text)

    return rate(SIGNS, ours_loop), rate(SIGNS, theirs_loop)


def deliveries(folder: Path, endpoints: int) -> tuple[float, float]:
    printed: list[str] = []
    server = serve_receiver(WebhookReceiver([SECRET], echo=printed.append), "127.0.0.1", 0)
    try:
        urls = [f"{server.url}e{k}" for k in range(endpoints)]
        bus = open_bus(f"sqlite:///{folder / f'queue{endpoints}.db'}")
        outbox = QueueWebhookOutbox(bus, "webhooks")
        deps = WebhookDeliveryDeps(
            bus=bus,
            queue="webhooks",
            config=WebhookConfig.of(urls, SECRET),
            sender=RequestsWebhookSender(),
            clock=lambda: datetime.now(UTC),
        )

        def outbox_path() -> None:
            for n in range(DELIVERIES):
                outbox.publish(_event(n))
                [message] = bus.receive("webhooks")
                result = deliver_webhook_message(message, deps)
                assert result.action == "delivered", result
                bus.complete(message)

        ours = rate(DELIVERIES, outbox_path)
        assert sum(line.startswith("webhook ") for line in printed) == DELIVERIES
        session = requests.Session()
        body = event_body(_event(0))

        def bare() -> None:
            for _ in range(DELIVERIES):
                for url in urls:
                    session.post(url, data=body, timeout=5).close()

        baseline = rate(DELIVERIES, bare)
        bus.close()
        return ours, baseline
    finally:
        server.stop()


def main() -> None:
    ours, theirs = signatures()
    print(f"{'figure':<44} {'ours':>10} {'baseline':>10} {'ratio':>7}")
    print(
        f"{'signatures/s (vs standardwebhooks.sign)':<44} {ours:>10,.0f} {theirs:>10,.0f}"
        f" {ours / theirs:>7.2f}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for endpoints in (1, 2):
            ours, bare = deliveries(Path(folder), endpoints)
            label = f"events/s delivered, {endpoints} endpoint(s) (vs bare POST)"
            print(f"{label:<44} {ours:>10,.0f} {bare:>10,.0f} {ours / bare:>7.2f}")


if __name__ == "__main__":
    main()

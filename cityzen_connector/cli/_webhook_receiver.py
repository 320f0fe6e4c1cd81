"""A local webhook receiver: what a portal's endpoint does, in a few lines, to try the loop.

It verifies each request exactly as docs/webhooks.md shows portal developers, with the Standard
Webhooks project's own package (``standardwebhooks.Webhook(secret).verify(body, headers)``:
the signature over ``id.timestamp.body``, and a timestamp within 5 minutes of now), never with
the connector's signing code; then it refuses a ``webhook-id`` it has already processed, and
prints the event. Answers:

- 200 ``{"received": id}``: verified, new, printed;
- 200 ``{"duplicate": id}``: verified, already processed: not processed again (a replayed
  capture, or the sender's retry after a lost answer). Acknowledged with a 2xx on purpose: an
  error would make an honest sender retry, then dead-letter, an event that did arrive;
- 401: no valid signature with any of its secrets, or a timestamp out of tolerance;
- 400 missing ``webhook-*`` headers; 405 not a POST; 411/413 no length or too large.

A development tool (``cityzen webhooks receive``, and ``cityzen run`` starts one): plain HTTP
on 127.0.0.1, seen ids in memory.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["MAX_BODY_BYTES", "ReceiverServer", "WebhookReceiver", "serve_receiver"]

MAX_BODY_BYTES = 1024 * 1024
_SEEN_IDS = 10_000  # the newest ids kept; a dev receiver runs for hours, not months
_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, str]


class WebhookReceiver:
    """Verify, deduplicate, print. Thread-safe (the server answers on several threads)."""

    def __init__(self, secrets: Sequence[str], *, echo: Callable[[str], None]) -> None:
        from standardwebhooks import Webhook  # noqa: PLC0415 - a dev dependency, see the CLI

        if not secrets:
            raise ValueError("the receiver needs at least one secret")
        self._verifiers = [Webhook(secret) for secret in secrets]
        self._echo = echo
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def handle(self, method: str, headers: Mapping[str, str], body: bytes) -> Answer:
        from standardwebhooks import WebhookVerificationError  # noqa: PLC0415

        if method != "POST":
            return Answer(405, {"error": "POST only"})
        lowered = {k.lower(): v for k, v in headers.items()}
        if not all(lowered.get(name) for name in _HEADERS):
            return Answer(400, {"error": "missing webhook-id, webhook-timestamp or signature"})
        payload: Any = None
        refusal = "no matching signature"
        for verifier in self._verifiers:
            try:
                payload = verifier.verify(body, lowered)
                break
            except WebhookVerificationError as exc:
                refusal = str(exc)  # the package's fixed words: "Message timestamp too old"…
            except ValueError:  # a signature entry without a comma, bad base64, non-UTF-8 body
                refusal = "malformed signature header or body"
        else:
            self._echo(f"refused: {refusal}")
            return Answer(401, {"error": refusal})
        webhook_id = lowered["webhook-id"]
        with self._lock:
            if webhook_id in self._seen:
                self._seen.move_to_end(webhook_id)
                duplicate = True
            else:
                self._seen[webhook_id] = None
                if len(self._seen) > _SEEN_IDS:
                    self._seen.popitem(last=False)
                duplicate = False
        if duplicate:
            self._echo(f"duplicate {webhook_id}: already processed, ignored")
            return Answer(200, {"duplicate": webhook_id})
        self._echo(_describe(webhook_id, payload))
        return Answer(200, {"received": webhook_id})


def _describe(webhook_id: str, payload: Any) -> str:
    if not isinstance(payload, dict):
        return f"webhook {webhook_id}: {json.dumps(payload, ensure_ascii=False)[:500]}"
    data = json.dumps(payload.get("data"), ensure_ascii=False, separators=(",", ":"))
    return f"webhook {webhook_id} {payload.get('type')} {payload.get('timestamp')} {data[:500]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle's algorithm and the client's delayed ACK,
    # each keep-alive answer would wait about 40 ms.
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._answer(Answer(411, {"error": "Content-Length required"}), close=True)
            return
        if int(length) > MAX_BODY_BYTES:
            self._answer(Answer(413, {"error": "body too large"}), close=True)
            return
        body = self.rfile.read(int(length))
        self._answer(self.server.receiver.handle("POST", dict(self.headers.items()), body))

    def do_GET(self) -> None:
        self._answer(self.server.receiver.handle("GET", {}, b""))

    def _answer(self, answer: Answer, *, close: bool = False) -> None:
        data = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver prints its own lines."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client closing its connection is not an error worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class ReceiverServer:
    """A receiver listening in a background thread; ``stop()`` ends it."""

    server: _Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def serve_receiver(receiver: WebhookReceiver, host: str, port: int) -> ReceiverServer:
    """Listen on ``host:port`` (0: any free port); ``OSError`` when it cannot."""
    server = _Server((host, port), _Handler)
    server.receiver = receiver
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    return ReceiverServer(server, thread)

"""Cost of the local Functions host's HTTP path, side by side with a bare WSGI app.

Both run on the same waitress server class and thread count, on 127.0.0.1, with the same
concurrent keep-alive clients posting the same small JSON body. The bare app only parses the
JSON; the Functions app does the same inside an HTTP trigger (function-level auth, a route with
a guid parameter), so the ratio is the host's own overhead: routing, key check, HttpRequest /
HttpResponse conversion. Also prints the time to load and index function_app.py.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from cityzen_connector.localhost import LocalHost, LocalHostConfig, load_app
from cityzen_connector.localhost._server import WsgiServerThread
from cityzen_connector.messaging import MessageBus, OutgoingMessage, QueueStats, ReceivedMessage

CLIENTS = 8
REQUESTS_PER_CLIENT = 250
ROUNDS = 3
THREADS = 8
BODY = json.dumps({"theme": "voirie", "description": "Nid de poule", "n": 1}).encode()
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"

APP_SOURCE = """
import json
import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)


@app.route(route="v1/echo/{id:guid}", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:
    document = req.get_json()
    return func.HttpResponse(
        json.dumps({"id": req.route_params["id"], "keys": len(document)}),
        mimetype="application/json",
    )
"""


class _NoQueues(MessageBus):
    """The bench app has no queue trigger; the host never calls the bus."""

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        raise NotImplementedError

    def receive(self, queue: str, **_: Any) -> list[ReceivedMessage]:
        raise NotImplementedError

    def complete(self, message: ReceivedMessage) -> None:
        raise NotImplementedError

    def abandon(self, message: ReceivedMessage) -> None:
        raise NotImplementedError

    def dead_letter(self, message: ReceivedMessage, *, reason: str, description: str) -> None:
        raise NotImplementedError

    def renew_lock(self, message: ReceivedMessage) -> Any:
        raise NotImplementedError

    def peek(self, queue: str, **_: Any) -> list[ReceivedMessage]:
        raise NotImplementedError

    def stats(self, queue: str) -> QueueStats:
        raise NotImplementedError


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    document = json.loads(environ["wsgi.input"].read(length))
    payload = json.dumps({"id": GUID, "keys": len(document)}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    )
    return [payload]


def _client(port: int, path: str, latencies: list[float], errors: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    for _ in range(REQUESTS_PER_CLIENT):
        started = time.perf_counter()
        connection.request("POST", path, body=BODY, headers=headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors.append(response.status)
    connection.close()


def run(port: int, path: str) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client, args=(port, path, latencies, errors))
        for _ in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, quantiles[49] * 1000, quantiles[98] * 1000, len(errors)


def _in_process_us(app: Callable[..., Iterable[bytes]], path: str, query: str) -> float:
    """Microseconds per request calling the WSGI app directly: no sockets, no client."""

    def environ() -> dict[str, Any]:
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "7071",
            "HTTP_HOST": "127.0.0.1:7071",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(BODY)),
            "wsgi.input": io.BytesIO(BODY),
        }

    count = 3000
    started = time.perf_counter()
    for _ in range(count):
        b"".join(app(environ(), lambda status, headers: None))
    return (time.perf_counter() - started) / count * 1e6


def _median(rounds: list[tuple[float, float, float, int]]) -> tuple[float, float, float, int]:
    return (
        statistics.median(r[0] for r in rounds),
        statistics.median(r[1] for r in rounds),
        statistics.median(r[2] for r in rounds),
        sum(r[3] for r in rounds),
    )


def main() -> None:
    # waitress warns when requests queue for a thread; that is the load being measured.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        app_dir = Path(folder) / "app"
        app_dir.mkdir()
        (app_dir / "function_app.py").write_text(APP_SOURCE, encoding="utf-8")
        started = time.perf_counter()
        load_app(app_dir)
        load_ms = (time.perf_counter() - started) * 1000

        bare = WsgiServerThread(
            bare_app, host="127.0.0.1", port=0, threads=THREADS, max_body_bytes=1 << 20
        )
        config = LocalHostConfig(
            port=0,
            key_file=Path(folder) / "keys.json",
            state_dir=Path(folder) / "state",
            http_threads=THREADS,
            max_body_bytes=1 << 20,
        )
        bare.start()
        bare_rounds, host_rounds = [], []
        try:
            with LocalHost(app_dir, _NoQueues(), config) as host:
                port = int(host.url.rsplit(":", 1)[1])
                path = f"/api/v1/echo/{GUID}?code={host.function_key}"
                run(bare.port, "/")  # warm-up both
                run(port, path)
                gateway = host.wsgi_app()
                bare_us = _in_process_us(bare_app, "/", "")
                host_us = _in_process_us(
                    gateway, f"/api/v1/echo/{GUID}", f"code={host.function_key}"
                )
                # Interleaved rounds, median of each: fairer on a busy machine.
                for _ in range(ROUNDS):
                    bare_rounds.append(run(bare.port, "/"))
                    host_rounds.append(run(port, path))
        finally:
            bare.stop(5)
    bare_figures = _median(bare_rounds)
    host_figures = _median(host_rounds)

    print(
        f"{CLIENTS} keep-alive clients x {REQUESTS_PER_CLIENT} POSTs, waitress {THREADS} threads,"
        f" median of {ROUNDS} interleaved rounds"
    )
    print(f"{'':24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, (rate, p50, p99, errors) in (
        ("bare WSGI (baseline)", bare_figures),
        ("local Functions host", host_figures),
    ):
        print(f"{name:24}{rate:10.0f}{p50:10.2f}{p99:10.2f}{errors:8d}")
    print(f"throughput ratio host/bare: {host_figures[0] / bare_figures[0]:.2f}")
    print(f"p50 latency ratio host/bare: {host_figures[1] / bare_figures[1]:.2f}")
    print(
        f"in-process cost per request: bare {bare_us:.0f} us, host {host_us:.0f} us"
        f" (ratio {host_us / bare_us:.1f}; the host's own overhead {host_us - bare_us:.0f} us)"
    )
    print(f"load + index function_app.py (azure.functions already imported): {load_ms:.1f} ms")


if __name__ == "__main__":
    main()

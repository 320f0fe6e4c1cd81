"""The cost of our ingest path: ``POST /api/v1/requests`` on the local Functions host.

One command: ``.venv/bin/python bench/ingest.py``. Side by side, on the same waitress server
class and thread count on 127.0.0.1, with the same concurrent keep-alive clients:

- ours: a ``function_app.py`` registering ``functions.http_api``'s Blueprint, served by the
  local host (function key checked), with the embedded SQLite queue and store and file blobs in
  a temporary folder -- parsing, validation, catalogue check, magic numbers, blob write, one
  ingest record (reservation and status), enqueue;
- bare: a WSGI endpoint that only parses the JSON body and answers 202.

First, round trips: the ``submit`` use case in-process on real memory backends wrapped to
count each store, queue and blob call and to delay each store and queue call by an Azure-like
10-30 ms (``bench/_latency.py``), before (the previous layout's three store writes, replayed by
``PreviousLayoutStore`` on the same slow store) and after (one write), side by side.
``--round-trips`` prints only that part.

Then the cold start in fresh interpreters: ``import functions.http_api`` (goal < 500 ms) next to
``import azure.functions`` alone, and a whole first request (import, settings, backends, 202).
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The project root is where function_app's imports (functions/) live.
sys.path.insert(0, str(ROOT))

from _latency import (  # noqa: E402
    CountedBlobs,
    PreviousLayoutStore,
    RoundTrips,
    SlowBus,
    SlowStore,
)

from cityzen_connector import app as cityzen  # noqa: E402
from cityzen_connector._clock import utc_now  # noqa: E402
from cityzen_connector.identity import CallerIdentity  # noqa: E402
from cityzen_connector.localhost import LocalHost, LocalHostConfig  # noqa: E402
from cityzen_connector.localhost._server import WsgiServerThread  # noqa: E402 - the host's server
from cityzen_connector.mapping import load_mappings  # noqa: E402
from cityzen_connector.messaging import open_bus  # noqa: E402
from cityzen_connector.models import EXAMPLE_SUBMISSION  # noqa: E402
from cityzen_connector.store import open_blobs, open_store  # noqa: E402
from cityzen_connector.sync.intake import IngestPorts, SubmissionInput, submit  # noqa: E402

CLIENTS = 8
THREADS = 8
REQUESTS_PER_CLIENT = 150
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8  # ~2 KB
FUNCTION_APP = """
import azure.functions as func

from cityzen_connector import app as cityzen
from functions import http_api

app = func.FunctionApp()
app.register_functions(
    http_api.blueprint(lambda: cityzen.current().http_api, auth_mode="function_key")
)
"""


def bare_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    document = json.loads(environ["wsgi.input"].read(length))
    payload = json.dumps({"id": document.get("id"), "status": "queued"}).encode()
    start_response(
        "202 Accepted",
        [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


def bodies(count: int, *, attached: bool) -> list[bytes]:
    base = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k != "submitted_at"}
    files = [{"file_name": "photo.jpg", "content_base64": base64.b64encode(JPEG).decode()}]
    return [
        json.dumps(
            {**base, "id": str(uuid.uuid4()), "attachments": files if attached else []}
        ).encode()
        for _ in range(count)
    ]


def _client(
    port: int, headers: dict[str, str], payloads: list[bytes], out: list[float], bad: list[int]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for payload in payloads:
        started = time.perf_counter()
        connection.request("POST", "/api/v1/requests", body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        out.append(time.perf_counter() - started)
        if response.status != 202:
            bad.append(response.status)
    connection.close()


def run(port: int, key: str, *, attached: bool) -> tuple[float, float, float]:
    headers = {"Content-Type": "application/json", "x-functions-key": key}
    latencies: list[float] = []
    bad: list[int] = []
    threads = [
        threading.Thread(
            target=_client,
            args=(port, headers, bodies(REQUESTS_PER_CLIENT, attached=attached), latencies, bad),
        )
        for _ in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if bad:  # a figure for failed requests would be meaningless
        raise SystemExit(f"{len(bad)} requests failed: statuses {sorted(set(bad))}")
    quantiles = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, quantiles[49] * 1000, quantiles[98] * 1000


def throughput(folder: Path) -> dict[bool, tuple[tuple[float, ...], tuple[float, ...]]]:
    bare = WsgiServerThread(
        bare_app, host="127.0.0.1", port=0, threads=THREADS, max_body_bytes=1 << 24
    )
    bare.start()
    try:
        bare_rows = {attached: run(bare.port, "", attached=attached) for attached in (False, True)}
    finally:
        bare.stop(5)
    app_dir = folder / "app"
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(FUNCTION_APP, encoding="utf-8")
    (app_dir / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")
    # The edge: the app reads its settings from the environment, as in Azure.
    os.environ.update(
        CITYZEN_QUEUE_URL=f"sqlite:///{folder / 'queue.db'}",
        CITYZEN_STORE_URL=f"sqlite:///{folder / 'state.db'}",
        CITYZEN_BLOB_URL=f"file://{folder / 'blobs'}",
        CITYZEN_MAPPINGS_DIR=str(ROOT / "mappings"),
    )
    config = LocalHostConfig(
        port=0, key_file=folder / "keys.json", state_dir=folder / "host", http_threads=THREADS
    )
    with LocalHost(app_dir, open_bus(os.environ["CITYZEN_QUEUE_URL"]), config) as host:
        port = int(host.url.rsplit(":", 1)[1])
        run(port, host.function_key, attached=False)  # warm-up: builds the API once
        ours = {a: run(port, host.function_key, attached=a) for a in (False, True)}
    return {attached: (ours[attached], bare_rows[attached]) for attached in (False, True)}


LATENCY_SUBMISSIONS = 160
LATENCY_WORKERS = 8
PATHS = {"before (3 writes)": PreviousLayoutStore, "after (1 write)": SlowStore}


def with_latencies(
    store_class: type[SlowStore], *, attached: bool
) -> tuple[dict[str, float], float, float]:
    """Round trips per submission, then p50 and p99 in ms, of ``submit`` on slow backends."""
    trips = RoundTrips(seed=18, delay=True)
    ports = IngestPorts(
        bus=SlowBus(open_bus("memory://"), trips),
        queue="submissions",
        store=store_class(open_store("memory://"), trips),
        blobs=CountedBlobs(open_blobs("memory://"), trips),
        catalog=load_mappings(ROOT / "mappings").catalog,
        clock=utc_now,
    )
    portal = CallerIdentity.trusted_portal()

    def one(payload: bytes) -> float:
        started = time.perf_counter()
        submit(SubmissionInput(body=json.loads(payload)), portal, ports)
        return time.perf_counter() - started

    with ThreadPoolExecutor(LATENCY_WORKERS) as pool:
        latencies = list(pool.map(one, bodies(LATENCY_SUBMISSIONS, attached=attached)))
    quantiles = statistics.quantiles(latencies, n=100)
    per = {kind: n / LATENCY_SUBMISSIONS for kind, n in sorted(trips.counts.items())}
    return per, quantiles[49] * 1000, quantiles[98] * 1000


def print_round_trips() -> None:
    print(
        f"submit() with Azure-like latencies (store and queue 10-30 ms per call),"
        f" {LATENCY_WORKERS} concurrent callers x {LATENCY_SUBMISSIONS // LATENCY_WORKERS}"
    )
    print(f"{'':34}{'store w':>8}{'store r':>8}{'send':>6}{'blob w':>7}{'p50 ms':>8}{'p99 ms':>8}")
    for attached in (False, True):
        label = "with a 2 KB JPEG" if attached else "no attachment"
        rows = {name: with_latencies(store, attached=attached) for name, store in PATHS.items()}
        for name, (per, p50, p99) in rows.items():
            print(
                f"{name + ', ' + label:34}{per.get('store write', 0):8.1f}"
                f"{per.get('store read', 0):8.1f}{per.get('queue send', 0):6.1f}"
                f"{per.get('blob write', 0):7.1f}{p50:8.1f}{p99:8.1f}"
            )
        (_, b50, b99), (_, a50, a99) = rows.values()
        print(f"{'  ratio after / before':34}{'':29}{a50 / b50:8.2f}{a99 / b99:8.2f}")


def _fresh(code: str) -> float:
    """Milliseconds printed by ``code`` run in a fresh interpreter at the repository root."""
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return float(done.stdout.strip().splitlines()[-1]) * 1000


_TIMED = "import time; t = time.perf_counter(); {}; print(time.perf_counter() - t)"
_FIRST_REQUEST = """
import json, tempfile, time, uuid
from pathlib import Path
t = time.perf_counter()
import functions.http_api as h
import azure.functions as func
from cityzen_connector import app as cityzen
from cityzen_connector.models import EXAMPLE_SUBMISSION
tmp = Path(tempfile.mkdtemp())
s = cityzen.load_settings(queue_url=f"sqlite:///{tmp / 'q.db'}",
                          store_url=f"sqlite:///{tmp / 's.db'}", blob_url=f"file://{tmp / 'b'}")
container = cityzen.Container(s)
app = func.FunctionApp()
app.register_functions(h.blueprint(lambda: container.http_api, auth_mode=s.auth_mode))
submit = {f.get_function_name(): f for f in app.get_functions()}["submit_request"]
body = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k != "submitted_at"}
body.update(id=str(uuid.uuid4()), attachments=[])
req = func.HttpRequest("POST", "http://h/api/v1/requests", body=json.dumps(body).encode(),
                       headers={"content-type": "application/json"})
assert submit.get_user_function()(req).status_code == 202
print(time.perf_counter() - t)
"""


def cold_start(runs: int = 5) -> dict[str, list[float]]:
    return {
        "import functions.http_api": [
            _fresh(_TIMED.format("import functions.http_api")) for _ in range(runs)
        ],
        "import azure.functions": [
            _fresh(_TIMED.format("import azure.functions")) for _ in range(runs)
        ],
        "first POST (import, build, 202)": [_fresh(_FIRST_REQUEST) for _ in range(runs)],
    }


def main() -> None:
    # The app below runs on this environment: a bad one is refused as the CLI refuses it
    # (names and rules, never values; exit code 2).
    try:
        cityzen.check(cityzen.load_settings())
    except cityzen.ConfigurationError as error:
        print(f"bench/ingest.py: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print_round_trips()
    if "--round-trips" in sys.argv[1:]:
        return
    # waitress warns when requests queue for a thread; that is the load being measured.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        rows = throughput(Path(folder))
    total = CLIENTS * REQUESTS_PER_CLIENT
    print(f"POST /api/v1/requests, {CLIENTS} keep-alive clients x {REQUESTS_PER_CLIENT} requests")
    print(f"{'':40}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for attached, (ours, bare) in rows.items():
        label = "with a 2 KB JPEG" if attached else "no attachment"
        print(f"{'ours (local host), ' + label:40}{ours[0]:9.0f}{ours[1]:9.1f}{ours[2]:9.1f}")
        print(f"{'bare JSON endpoint, ' + label:40}{bare[0]:9.0f}{bare[1]:9.1f}{bare[2]:9.1f}")
        ratio = (ours[0] / bare[0], ours[1] / bare[1], ours[2] / bare[2])
        print(f"{'  ratio ours / bare':40}{ratio[0]:9.2f}{ratio[1]:9.1f}{ratio[2]:9.1f}")
    print(f"({total} requests per row)")
    print("cold start, median of 5 fresh interpreters (goal for the import: < 500 ms):")
    starts = cold_start()
    baseline = statistics.median(starts["import azure.functions"])
    for name, times in starts.items():
        median = statistics.median(times)
        print(
            f"  {name:34}{median:7.0f} ms  (min {min(times):.0f}, max {max(times):.0f};"
            f" x{median / baseline:.2f} azure.functions alone)"
        )


if __name__ == "__main__":
    main()

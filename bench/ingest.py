"""The cost of our ingest path: ``POST /api/v1/requests`` over HTTP, next to a bare endpoint.

One command: ``.venv/bin/python bench/ingest.py``. Both apps run on the same waitress server
setup on 127.0.0.1 (a free port), driven by the same concurrent clients:

- ours: the portal API (``api.build_api``) behind a minimal WSGI adapter, with the embedded
  SQLite queue and store and file blobs in a temporary folder -- validation, catalogue check,
  magic-number check, blob write, idempotency record, status record, enqueue;
- bare: a WSGI endpoint that only parses the JSON body and answers 202.

Also prints the cold-start import time of ``functions.http_api`` (goal < 500 ms), measured in
fresh interpreters. The local Functions host will replace the adapter once it is on main.
"""

from __future__ import annotations

import base64
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

# bench/queue.py would shadow the standard library's queue (which urllib3 needs) because the
# script's folder comes first on sys.path; this benchmark does not import its neighbours.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import requests  # noqa: E402

from cityzen_connector.api import (  # noqa: E402
    ApiRequest,
    Headers,
    build_api,
    dependencies_from_settings,
)
from cityzen_connector.emulator import serve  # noqa: E402
from cityzen_connector.models import EXAMPLE_SUBMISSION  # noqa: E402
from cityzen_connector.settings import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 8
SECONDS = 3.0
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8  # ~2 KB
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def api_wsgi(settings: Settings) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    api = build_api(dependencies_from_settings(settings))

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        path = environ["PATH_INFO"].removeprefix("/api")
        request = ApiRequest(
            environ["REQUEST_METHOD"],
            path,
            Headers(headers),
            environ["wsgi.input"].read(length),
            function_key_valid=True,  # a host in front checked the key
        )
        response = api.handle(request)
        start_response(f"{response.status} X", list(response.headers.items()))
        return [response.body]

    return app


def bare_wsgi(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    document = json.loads(environ["wsgi.input"].read(length))
    body = json.dumps({"id": document.get("id"), "status": "queued"}).encode()
    start_response("202 Accepted", [("Content-Type", "application/json")])
    return [body]


def body(*, attached: bool) -> bytes:
    document = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k != "submitted_at"}
    document["id"] = str(uuid.uuid4())
    document["attachments"] = (
        [{"file_name": "photo.jpg", "content_base64": base64.b64encode(JPEG).decode()}]
        if attached
        else []
    )
    return json.dumps(document).encode()


def drive(url: str, attached: bool) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + SECONDS
    failures: list[int] = []

    def client() -> None:
        session = requests.Session()
        mine: list[float] = []
        headers = {"Content-Type": "application/json"}
        while time.perf_counter() < deadline:
            payload = body(attached=attached)
            start = time.perf_counter()
            response = session.post(url + "/api/v1/requests", data=payload, headers=headers)
            mine.append(time.perf_counter() - start)
            if response.status_code != 202:
                failures.append(response.status_code)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
    return len(latencies) / (time.perf_counter() - started), latencies


def measure(app: Any, *, attached: bool) -> tuple[float, float, float]:
    handle = serve(app, "127.0.0.1", 0, threads=CLIENTS)
    try:
        rate, latencies = drive(handle.url, attached)
    finally:
        handle.stop()
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return rate, statistics.median(ordered) * 1000, p99 * 1000


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
from cityzen_connector.settings import Settings
from cityzen_connector.models import EXAMPLE_SUBMISSION
tmp = Path(tempfile.mkdtemp())
s = Settings(_env_file=None, queue_url=f"sqlite:///{tmp / 'q.db'}",
             store_url=f"sqlite:///{tmp / 's.db'}", blob_url=f"file://{tmp / 'b'}")
app = func.FunctionApp()
app.register_functions(h.blueprint_from_settings(s))
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
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            queue_url=f"sqlite:///{folder / 'queue.db'}",
            store_url=f"sqlite:///{folder / 'state.db'}",
            blob_url=f"file://{folder / 'blobs'}",
            mappings_dir=ROOT / "mappings",
        )
        app = api_wsgi(settings)
        rows = {
            attached: (measure(app, attached=attached), measure(bare_wsgi, attached=attached))
            for attached in (False, True)
        }
    print(f"POST /api/v1/requests, {CLIENTS} concurrent clients, {SECONDS:.0f} s per row")
    print(f"{'':36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}")
    for attached, (ours, bare) in rows.items():
        label = "with a 2 KB JPEG" if attached else "no attachment"
        ratios = (ours[0] / bare[0], ours[1] / bare[1], ours[2] / bare[2])
        print(f"{'ours, ' + label:36}{ours[0]:9.0f}{ours[1]:9.1f}{ours[2]:9.1f}")
        print(f"{'bare JSON endpoint, ' + label:36}{bare[0]:9.0f}{bare[1]:9.1f}{bare[2]:9.1f}")
        print(f"{'  ratio ours / bare':36}{ratios[0]:9.2f}{ratios[1]:9.1f}{ratios[2]:9.1f}")
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

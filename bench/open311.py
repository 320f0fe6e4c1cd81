"""Requests per second of the Open311 facade beside the portal API's own routes, same host.

One command: ``.venv/bin/python bench/open311.py``. The repository's ``function_app.py`` on the
local Functions host (127.0.0.1), the emulator seeded behind it, SQLite queue and store, file
blobs, as ``cityzen run`` has them, provisioned (the worker files the cases meanwhile).
Keep-alive clients send, in interleaved rounds (median of each):

- ``GET /api/open311/v2/services.json`` beside ``GET /api/v1/themes`` (the same catalogue:
  Open311 reads the mappings, the portal route its cached Dataverse snapshot);
- ``POST /api/open311/v2/requests.json`` (form-encoded, api key checked, through the same
  intake) beside ``POST /api/v1/requests`` (JSON, function key);
- ``GET /api/open311/v2/tokens/{token}.json`` without a key, as FixMyStreet asks it (the token
  looked up among the apps' records, ``OTHER_APPS`` + 1 of them) beside the same with the app's
  key (one record read).

The ratio is Open311's cost over the portal route's: what the facade adds (form parsing, key
lookup, XML/JSON shaping, its own record of the request) on top of the shared intake.
"""

from __future__ import annotations

import copy
import http.client
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from cityzen_connector import app
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.models import EXAMPLE_SUBMISSION
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 4
REQUESTS_PER_CLIENT = 60
ROUNDS = 3
OTHER_APPS = 9  # keys issued besides the bench's: the keyless token lookup reads each app
FORM = {
    "service_code": "voirie.nid_de_poule",
    "lat": "48.8566",
    "long": "2.3522",
    "email": "camille.martin@example.org",
    "description": "Un trou profond devant l'école.",
    "attribute[taille]": "grand",
}

Call = Callable[[], tuple[str, str, bytes, dict[str, str]]]


def _client(port: int, call: Call, count: int, errors: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        method, path, body, headers = call()
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status >= 300:
            errors.append(response.status)
    connection.close()


def rate(port: int, call: Call) -> tuple[float, int]:
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client, args=(port, call, REQUESTS_PER_CLIENT, errors))
        for _ in range(CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return CLIENTS * REQUESTS_PER_CLIENT / (time.perf_counter() - started), len(errors)


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("cityzen_connector").setLevel(logging.ERROR)  # the worker's notes
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        emulator_app = create_app(
            EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0)
        )
        seed(emulator_app)
        emulator = serve(emulator_app, "127.0.0.1", 0)
        settings = Settings(
            _env_file=None,
            data_dir=data,
            dataverse_url=emulator.url,
            queue_url=f"sqlite:///{data / 'queue.db'}",
            store_url=f"sqlite:///{data / 'state.db'}",
            blob_url=f"file://{data / 'blobs'}",
            mappings_dir=ROOT / "mappings",
            identity_pepper="bench-pepper",
        )
        deps = app.Container(settings)
        mappings = deps.mappings
        plan = plan_provisioning(deps.api_client, mappings.schema(), mappings.catalog)
        report = apply_provisioning(
            deps.api_client, plan, now=time.monotonic, sleep=time.sleep, key_deadline_seconds=30
        )
        assert report.ok, [step.line() for step in report.steps]
        key, _ = deps.open311_keys.issue("bench")
        for n in range(OTHER_APPS):
            deps.open311_keys.issue(f"other app {n}")
        previous = app.install(deps)
        config = LocalHostConfig(
            port=0,
            key_file=data / "keys.json",
            state_dir=data / "localhost",
            poll_interval_seconds=0.05,
            stop_timeout_seconds=10,
        )
        try:
            with LocalHost(ROOT, deps.bus, config) as host:
                figures = _measure(int(host.url.rsplit(":", 1)[1]), host.function_key, key)
        finally:
            deps.close()
            app.install(previous)
            sys.modules.pop("function_app", None)
            emulator.stop()
            emulator_app.close()
    _print(figures)


def _measure(port: int, function_key: str, api_key: str) -> dict[str, tuple[float, int]]:
    keyed = {"x-functions-key": function_key}

    def portal_post() -> tuple[str, str, bytes, dict[str, str]]:
        body = copy.deepcopy(EXAMPLE_SUBMISSION)
        body.pop("submitted_at")
        body["id"] = str(uuid.uuid4())
        body["attachments"] = []  # the same body as Open311's: no files
        headers = {**keyed, "Content-Type": "application/json"}
        return "POST", "/api/v1/requests", json.dumps(body).encode(), headers

    form = urlencode({**FORM, "api_key": api_key}).encode()
    posted = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    posted.request(
        "POST",
        "/api/open311/v2/requests.json",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token = json.loads(posted.getresponse().read())[0]["token"]
    posted.close()
    token_path = f"/api/open311/v2/tokens/{token}.json"
    calls: dict[str, Call] = {
        "GET services.json (Open311)": lambda: ("GET", "/api/open311/v2/services.json", b"", {}),
        "GET /api/v1/themes (portal)": lambda: ("GET", "/api/v1/themes", b"", keyed),
        "POST requests.json (Open311)": lambda: (
            "POST",
            "/api/open311/v2/requests.json",
            form,
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "POST /api/v1/requests (portal)": portal_post,
        f"GET tokens, keyless ({OTHER_APPS + 1} apps)": lambda: ("GET", token_path, b"", {}),
        "GET tokens, with its key": lambda: ("GET", f"{token_path}?api_key={api_key}", b"", {}),
    }
    for call in calls.values():
        rate(port, call)  # warm-up: first loads, caches
    rounds: dict[str, list[tuple[float, int]]] = {name: [] for name in calls}
    for _ in range(ROUNDS):  # interleaved: fairer on a shared machine
        for name, call in calls.items():
            rounds[name].append(rate(port, call))
    return {
        name: (statistics.median(r[0] for r in found), sum(r[1] for r in found))
        for name, found in rounds.items()
    }


def _print(figures: dict[str, tuple[float, int]]) -> None:
    print(
        f"{CLIENTS} keep-alive clients x {REQUESTS_PER_CLIENT} requests, local Functions host on"
        f" 127.0.0.1, median of {ROUNDS} interleaved rounds"
    )
    print(f"{'':34} {'requests/s':>11} {'errors':>7} {'vs base':>10}")
    pairs = (
        ("GET services.json (Open311)", "GET /api/v1/themes (portal)"),
        ("POST requests.json (Open311)", "POST /api/v1/requests (portal)"),
        (f"GET tokens, keyless ({OTHER_APPS + 1} apps)", "GET tokens, with its key"),
    )
    for ours, portal in pairs:
        for name in (ours, portal):
            per_second, errors = figures[name]
            ratio = per_second / figures[portal][0]
            print(f"{name:34} {per_second:>11.0f} {errors:>7} {ratio:>9.2f}x")


if __name__ == "__main__":
    main()

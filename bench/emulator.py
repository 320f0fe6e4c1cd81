"""Emulator throughput: GET-by-id/s and creates/s, in-process (WSGI) and over HTTP (waitress).

One command: ``.venv/bin/python bench/emulator.py``. Goals (issue 3): >= 1,000 GET/s and
>= 300 creates/s in-process, so the emulator is never the bottleneck of other benchmarks.
Prints each figure with its ratio to the goal.
"""

from __future__ import annotations

import io
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from cityzen_connector.emulator import BASE_PATH, EmulatorConfig, create_app, seed, serve

GOALS = {"get": 1000.0, "create": 300.0}
SECONDS = 2.0


def _wsgi(app: Any, method: str, path: str, body: bytes = b"") -> tuple[str, dict[str, str]]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": BASE_PATH + path,
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/json" if body else "",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": "Bearer bench",
    }
    out: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        out["status"], out["headers"] = status, dict(headers)

    b"".join(app(environ, start_response))
    return out["status"], out["headers"]


def _rate(operation: Callable[[int], None]) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        operation(count)
        count += 1
    return count / (time.perf_counter() - start)


def _contact(i: int) -> bytes:
    return json.dumps({"firstname": "Bench", "lastname": f"N{i}"}).encode()


def in_process(database: str) -> dict[str, float]:
    app = create_app(EmulatorConfig(database=database))
    seed(app)
    status, headers = _wsgi(app, "POST", "contacts", _contact(0))
    assert status.startswith("204"), status
    url = headers["OData-EntityId"]
    key = url[url.rindex("contacts(") :]

    def get(_: int) -> None:
        status, _h = _wsgi(app, "GET", key)
        assert status.startswith("200")

    def create(i: int) -> None:
        status, _h = _wsgi(app, "POST", "contacts", _contact(i))
        assert status.startswith("204")

    result = {"get": _rate(get), "create": _rate(create)}
    app.close()
    return result


def over_http(database: str) -> dict[str, float]:
    app = create_app(EmulatorConfig(database=database))
    handle = serve(app, "127.0.0.1", 0)
    session = requests.Session()
    session.headers["Authorization"] = "Bearer bench"
    root = handle.url + BASE_PATH
    try:
        entity = session.post(
            root + "contacts",
            data=_contact(0),
            timeout=10,
            headers={"Content-Type": "application/json"},
        )
        target = entity.headers["OData-EntityId"]

        def get(_: int) -> None:
            assert session.get(target, timeout=10).status_code == 200

        def create(i: int) -> None:
            response = session.post(
                root + "contacts",
                data=_contact(i),
                timeout=10,
                headers={"Content-Type": "application/json"},
            )
            assert response.status_code == 204

        return {"get": _rate(get), "create": _rate(create)}
    finally:
        session.close()
        handle.stop()
        app.close()


def _trivial_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    return [b"{}"]


def http_baseline() -> float:
    """GET/s of a do-nothing WSGI app on the same server: the transport's own ceiling."""
    handle = serve(_trivial_app, "127.0.0.1", 0)
    session = requests.Session()
    try:
        return _rate(lambda _i: session.get(handle.url + "/x", timeout=10).raise_for_status())
    finally:
        session.close()
        handle.stop()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = {
            "in-process, :memory:": in_process(":memory:"),
            "in-process, SQLite file": in_process(str(Path(folder) / "a.db")),
            "HTTP (waitress), SQLite file": over_http(str(Path(folder) / "b.db")),
        }
    print(f"{'mode':32} {'GET by id/s':>12} {'vs goal':>8} {'creates/s':>10} {'vs goal':>8}")
    for name, rates in rows.items():
        print(
            f"{name:32} {rates['get']:12.0f} {rates['get'] / GOALS['get']:7.1f}x"
            f" {rates['create']:10.0f} {rates['create'] / GOALS['create']:7.1f}x"
        )
    baseline = http_baseline()
    http_get = rows["HTTP (waitress), SQLite file"]["get"]
    print(
        f"HTTP baseline (do-nothing WSGI app, same server + requests): {baseline:.0f} GET/s;"
        f" emulator GET over HTTP = {http_get / baseline:.2f}x of it"
    )
    print(f"goals: {GOALS['get']:.0f} GET/s and {GOALS['create']:.0f} creates/s in-process")


if __name__ == "__main__":
    main()

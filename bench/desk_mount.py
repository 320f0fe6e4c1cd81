"""What the desk page pays for its API being mounted on the local host's port: the desk's case
list through the host's prefix dispatch (``/desk/api`` before the functions' ``/api`` and the
portal's files, as ``cityzen run`` serves it), beside the desk application served alone.

One command: ``.venv/bin/python bench/desk_mount.py``. Both servers are the local host's
waitress server (``WsgiServerThread``) on 127.0.0.1 with the same desk application, over the
same emulator (``CASES`` cases, one message each), with one agent token; each way is timed over
``CALLS`` calls of ``GET /desk/api/cases?top=20`` on a kept-alive connection, alternating
rounds so that a busy machine slows both alike.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.cli._portal import DESK_PREFIX
from cityzen_connector.emulator import EmulatorConfig, agent_object_id, create_app, seed, serve
from cityzen_connector.localhost import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._host import by_prefix
from cityzen_connector.localhost._server import WsgiServerThread
from cityzen_connector.mapping import load_mappings
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning

ROOT = Path(__file__).resolve().parents[1]
CASES = 20
CALLS = 200
ROUNDS = 5


def not_here(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("404 Not Found", [("Content-Length", "0")])
    return [b""]


def timed(session: requests.Session, url: str, token: str) -> list[float]:
    took = []
    for _ in range(CALLS):
        started = time.perf_counter()
        answer = session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        took.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return took


def main() -> None:
    mappings = load_mappings(ROOT / "mappings")
    with tempfile.TemporaryDirectory() as tmp:
        emulator_app = create_app(
            EmulatorConfig(database=str(Path(tmp) / "dataverse.db"), key_activation_seconds=0)
        )
        seed(emulator_app)
        emulator = serve(emulator_app, "127.0.0.1", 0)
        settings = Settings(_env_file=None, data_dir=Path(tmp), dataverse_url=emulator.url)
        deps = app.Container(settings)
        servers: list[WsgiServerThread] = []
        try:
            client = deps.api_client
            plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
            assert apply_provisioning(
                client, plan, now=time.monotonic, sleep=time.sleep, create_catalog=True
            ).ok
            desk = app.desk_app(deps)
            contact = client.create("contacts", {"lastname": "Banc"})
            for n in range(CASES):
                client.create(
                    "incidents",
                    {
                        "title": f"Demande {n}",
                        "customerid_contact@odata.bind": f"/contacts({contact.id})",
                    },
                )
            site = StaticSite(StaticSiteConfig(ROOT / "web"))
            ways: dict[str, Callable[..., Iterable[bytes]]] = {
                "mounted on the host": by_prefix([(DESK_PREFIX, desk), ("/api", not_here)], site),
                "the desk app alone": desk,
            }
            urls = {}
            for name, wsgi in ways.items():
                server = WsgiServerThread(
                    wsgi, host="127.0.0.1", port=0, threads=4, max_body_bytes=1 << 20
                )
                server.start()
                servers.append(server)
                urls[name] = f"http://127.0.0.1:{server.port}{DESK_PREFIX}/cases?top=20"
            token = configured.mint_local_ops_token(
                settings, now=time.time(), object_id=str(agent_object_id("agnes.martin"))
            )
            figures: dict[str, list[float]] = {name: [] for name in ways}
            sessions = {name: requests.Session() for name in ways}
            for name in ways:  # warm-up: connections, token keys, SQLite pages
                timed(sessions[name], urls[name], token)
            for _ in range(ROUNDS):
                for name in ways:
                    figures[name] += timed(sessions[name], urls[name], token)
        finally:
            for server in servers:
                server.stop(5)
            deps.close()
            emulator.stop()
            emulator_app.close()
    print(f"GET /desk/api/cases?top=20 ({CASES} cases), {ROUNDS} x {CALLS} calls each way")
    print(f"{'':<24} {'median ms':>10} {'p90 ms':>8}")
    summary = {}
    for name, took in figures.items():
        p90 = statistics.quantiles(took, n=10)[-1]
        summary[name] = (statistics.median(took), p90)
        print(f"{name:<24} {summary[name][0]:>10.2f} {p90:>8.2f}")
    mounted, alone = summary["mounted on the host"], summary["the desk app alone"]
    print(
        f"ratio mounted/alone: median {mounted[0] / alone[0]:.2f}, p90 {mounted[1] / alone[1]:.2f}"
    )


if __name__ == "__main__":
    main()

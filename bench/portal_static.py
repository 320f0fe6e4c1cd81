"""What loading the reference portal costs on the local host, side by side with Python's own
static server (``python -m http.server``, the usual way to serve a folder on a laptop).

A page load is what a browser asks for ``/``: the HTML, the stylesheet, every ES module, the
strings of the language and ``config.json`` (the list is read from ``web/``). A first load gets
every file (200); a reload revalidates each one — ours with ``If-None-Match`` (ETag, 304), the
baseline with ``If-Modified-Since`` (304) — which is what ``Cache-Control: no-cache`` makes a
browser do. Both servers run on 127.0.0.1 with 4 threads; one keep-alive client per load, files
fetched one after another (the worst case: a browser fetches six at a time). Ours also checks
every path and adds the security headers of ``staticwebapp.config.json`` to every answer.

What it showed: waitress closes the connection after each 304 (its rule for an answer without
``Content-Length``; giving one makes it log a short body and close all the same), so a reload
opens a connection per file — the reload's ratio. A browser fetches six files at a time; the
local host is never deployed (Azure Static Web Apps serves ``web/`` there).
"""

from __future__ import annotations

import functools
import http.client
import statistics
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cityzen_connector.localhost import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._server import WsgiServerThread

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
LOADS = 150
FILES = sorted(
    "/" + str(p.relative_to(WEB))
    for p in WEB.rglob("*")
    if (p.is_file() and p.suffix in (".js", ".css")) or p.name in ("fr.json", "config.json")
)
PATHS = ["/", *FILES]


def _load(port: int, validators: dict[str, dict[str, str]] | None) -> tuple[float, int, int]:
    """(seconds, bytes of bodies, answers that were 304) for one page load."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    received = not_modified = 0
    started = time.perf_counter()
    for path in PATHS:
        headers = validators.get(path, {}) if validators is not None else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        received += len(body)
        not_modified += response.status == 304
        if validators is not None and response.status == 200:
            if response.getheader("ETag"):
                validators[path] = {"If-None-Match": response.getheader("ETag", "")}
            elif response.getheader("Last-Modified"):
                validators[path] = {"If-Modified-Since": response.getheader("Last-Modified", "")}
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, received, not_modified


def _measure(port: int) -> dict[str, Any]:
    first = [_load(port, None) for _ in range(LOADS)]
    validators: dict[str, dict[str, str]] = {}
    _load(port, validators)  # the browser's first visit: it keeps the validators
    again = [_load(port, validators) for _ in range(LOADS)]
    return {
        "first_ms": statistics.median(t for t, _, _ in first) * 1000,
        "first_kb": first[0][1] / 1024,
        "reload_ms": statistics.median(t for t, _, _ in again) * 1000,
        "reload_kb": again[0][1] / 1024,
        "reload_304": again[0][2],
    }


class _Quiet(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as waitress
    # Without it, headers and body leave in two writes and Nagle waits for the client's
    # delayed ACK (40 ms a file): a fair baseline sends at once, as waitress does.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    ours = WsgiServerThread(
        StaticSite(StaticSiteConfig(WEB)),
        host="127.0.0.1",
        port=0,
        threads=4,
        max_body_bytes=1024,
    )
    ours.start()
    baseline = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(WEB)))
    thread = threading.Thread(target=baseline.serve_forever, daemon=True)
    thread.start()
    try:
        mine = _measure(ours.port)
        theirs = _measure(baseline.server_address[1])
    finally:
        ours.stop(5)
        baseline.shutdown()
        baseline.server_close()
    print(f"A page load of the portal: {len(PATHS)} files, {LOADS} loads each, median")
    print(f"{'':28}{'ours (local host)':>20}{'http.server':>14}{'ratio':>8}")
    for key, label in (
        ("first_ms", "first load, ms"),
        ("first_kb", "first load, KiB of bodies"),
        ("reload_ms", "reload (revalidate), ms"),
        ("reload_kb", "reload, KiB of bodies"),
        ("reload_304", "reload, answers 304"),
    ):
        a, b = mine[key], theirs[key]
        ratio = f"{a / b:.2f}" if b else "-"
        print(f"{label:28}{a:>20.2f}{b:>14.2f}{ratio:>8}")


if __name__ == "__main__":
    main()

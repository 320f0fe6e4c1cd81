"""Address help on this machine: what our route costs with a warm cache, and what the cache saves.

One command: ``.venv/bin/python bench/address.py``. Two figures, each beside its baseline:

- suggestion latency (p50/p99, one keep-alive client on 127.0.0.1): ``GET /api/v1/address``
  through the local Functions host running a ``function_app.py`` with ``functions.http_api``'s
  Blueprint (function key checked, the query validated and normalised, the answer from the warm
  cache) beside a direct call to the embedded geocoder it sits in front of (``/search`` with the
  same parameters: what the portal would pay calling a geocoder itself, minus the internet);
- the cache on a typing sequence: 20 addresses of the sample typed keystroke by keystroke (a
  request per keystroke from the third character, a typo and its backspace every fourth
  address, a pause after a space), then the same 20 typed by other citizens: how many requests
  reached the geocoder, beside the same sequence without a cache (one per keystroke).

Runs in about ten seconds.
"""

from __future__ import annotations

import http.client
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # function_app's imports (functions/) live there

from cityzen_connector.emulator import serve  # noqa: E402 - a WSGI server, any app
from cityzen_connector.localhost import LocalHost, LocalHostConfig  # noqa: E402
from cityzen_connector.messaging import open_bus  # noqa: E402
from cityzen_connector.portal import (  # noqa: E402
    AddressHelp,
    AddressHelpConfig,
    AddressSearchParams,
    GeoplateformeGeocoder,
    LocalGeocoderApp,
    load_addresses,
)
from cityzen_connector.testing import FakeClock  # noqa: E402

ROUNDS = 50
FUNCTION_APP = """
import azure.functions as func

from cityzen_connector import app as cityzen
from functions import http_api

app = func.FunctionApp()
app.register_functions(
    http_api.blueprint(lambda: cityzen.current().http_api, auth_mode="function_key")
)
"""
# What citizens of the fictional metropolis type (lower case, accents often left out).
ADDRESSES = [
    "12 rue de la republique valbrume",
    "3 bis rue victor hugo",
    "7 chemin des vignes",
    "14 avenue jean jaures",
    "2 place de l'hotel de ville",
    "9 rue emile zola",
    "4 impasse des lilas",
    "11 rue du general de gaulle",
    "6 quai de l'orme",
    "5 allee des chataigniers",
    "8 rue saint-eloi",
    "16 boulevard pasteur",
    "3 grande rue saint-clair",
    "10 rue de l'eglise",
    "6 chemin du moulin",
    "2 place de la mairie",
    "12 route de valbrume",
    "5 rue des tilleuls roche",
    "3 impasse du four",
    "4 rue de la republique roche-aigue",
]


def keystrokes(address: str, *, typo: bool) -> list[str]:
    """Each request the portal sends while ``address`` is typed (from 3 characters)."""
    typed: list[str] = []
    mistake_at = int(len(address) * 0.6) if typo else -1
    for end in range(1, len(address) + 1):
        if end == mistake_at:
            typed.append(address[: end - 1] + "x")  # a wrong key...
        typed.append(address[:end])  # ...then backspace and the right one
    return [text for text in typed if len(text) >= 3]


def typing_sequence() -> list[str]:
    return [q for n, a in enumerate(ADDRESSES) for q in keystrokes(a, typo=n % 4 == 3)]


def _latencies(port: int, paths: list[str], headers: dict[str, str]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    measured = []
    for path in paths:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        measured.append(time.perf_counter() - started)
        # A figure for errors would be meaningless: each answer must carry its addresses.
        if response.status != 200 or b'"label"' not in body:
            raise SystemExit(f"{path}: HTTP {response.status}, no address in the answer")
    connection.close()
    return measured


def _p50_p99(values: list[float]) -> tuple[float, float]:
    quantiles = statistics.quantiles(values, n=100)
    return quantiles[49] * 1000, quantiles[98] * 1000


def latency(geocoder_url: str, folder: Path) -> tuple[tuple[float, float], tuple[float, float]]:
    app_dir = folder / "app"
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(FUNCTION_APP, encoding="utf-8")
    (app_dir / "host.json").write_text('{"version": "2.0"}', encoding="utf-8")
    os.environ.update(
        CITYZEN_QUEUE_URL=f"sqlite:///{folder / 'queue.db'}",
        CITYZEN_STORE_URL=f"sqlite:///{folder / 'state.db'}",
        CITYZEN_BLOB_URL=f"file://{folder / 'blobs'}",
        CITYZEN_MAPPINGS_DIR=str(ROOT / "mappings"),
        CITYZEN_GEOCODER_URL=geocoder_url,
    )
    queries = [{"q": address, "limit": "5"} for address in ADDRESSES]
    ours = [f"/api/v1/address?{urlencode(q)}" for q in queries] * ROUNDS
    base = urlsplit(geocoder_url)
    direct = [
        f"{base.path}/search?{urlencode({**q, 'index': 'address', 'autocomplete': '1'})}"
        for q in queries
    ] * ROUNDS
    config = LocalHostConfig(port=0, key_file=folder / "keys.json", state_dir=folder / "host")
    with LocalHost(app_dir, open_bus(os.environ["CITYZEN_QUEUE_URL"]), config) as host:
        port = int(host.url.rsplit(":", 1)[1])
        key = {"x-functions-key": host.function_key}
        _latencies(port, ours[: len(queries)], key)  # warm-up: builds the API, fills the cache
        ours_ms = _p50_p99(_latencies(port, ours, key))
    _latencies(base.port or 80, direct[: len(queries)], {})
    direct_ms = _p50_p99(_latencies(base.port or 80, direct, {}))
    return ours_ms, direct_ms


def cache(geocoder_url: str) -> list[tuple[str, int, int, int]]:
    """(pass, keystroke requests, geocoder calls with our cache, calls without one)."""
    help = AddressHelp(
        GeoplateformeGeocoder(geocoder_url),
        AddressHelpConfig(requests_per_second=50, burst=50),
        clock=FakeClock(),  # the bucket's waits, if any, cost no real time
    )
    rows = []
    for label in ("20 addresses typed once", "the same 20, by other citizens"):
        before = help.calls
        sequence = typing_sequence()
        for text in sequence:
            help.search(AddressSearchParams(q=text))
        rows.append((label, len(sequence), help.calls - before, len(sequence)))
    return rows


def main() -> None:
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = serve(LocalGeocoderApp(load_addresses(ROOT / "samples" / "addresses")), port=0)
    geocoder_url = f"{server.url}/geocodage"
    try:
        with tempfile.TemporaryDirectory() as folder:
            ours, direct = latency(geocoder_url, Path(folder))
        rows = cache(geocoder_url)
    finally:
        server.stop()
    print(f"suggestions, 1 keep-alive client, {len(ADDRESSES)} queries x {ROUNDS} rounds")
    print(f"{'':54}{'p50 ms':>9}{'p99 ms':>9}")
    print(f"{'ours: GET /api/v1/address (local host, warm cache)':54}{ours[0]:9.2f}{ours[1]:9.2f}")
    print(f"{'direct: the embedded geocoder /search':54}{direct[0]:9.2f}{direct[1]:9.2f}")
    print(f"{'  ratio ours / direct':54}{ours[0] / direct[0]:9.2f}{ours[1] / direct[1]:9.2f}")
    print()
    print("the cache on a typing sequence (a request per keystroke from the 3rd character)")
    print(f"{'':34}{'requests':>9}{'ours':>7}{'no cache':>9}{'hit rate':>9}{'ratio':>7}")
    total = [0, 0, 0]
    for label, sent, calls, uncached in rows:
        total = [total[0] + sent, total[1] + calls, total[2] + uncached]
        print(
            f"{label:34}{sent:9}{calls:7}{uncached:9}{1 - calls / sent:9.0%}{calls / uncached:7.2f}"
        )
    sent, calls, uncached = total
    print(f"{'both':34}{sent:9}{calls:7}{uncached:9}{1 - calls / sent:9.0%}{calls / uncached:7.2f}")


if __name__ == "__main__":
    main()

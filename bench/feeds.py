"""News and agenda on this machine: what conditional GETs save, and what the news route costs.

One command: ``.venv/bin/python bench/feeds.py``. Two figures, each beside its baseline:

- refreshing 20 feeds (50 French items each, about 40 KB) served on 127.0.0.1 by a server that
  honours ``If-None-Match``: ours, where an unchanged feed costs a 304, beside the same refresh
  without validators (every feed downloaded, decoded, parsed and normalised again; its copy is
  not rewritten since it did not change);
- ``GET /api/v1/news`` through the HTTP core, p50 and p99, over the 20 feeds' copies in an
  SQLite state store: ours (the merged copy kept in memory, the store checked every 30 s)
  beside reading the store on every request (a new reader each time).

Runs in about half a minute.
"""

from __future__ import annotations

import hashlib
import http.server
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from cityzen_connector.api import ApiDependencies, ApiRequest, Headers, build_api
from cityzen_connector.portal import (
    FeedsConfig,
    FeedsReader,
    FetchLimits,
    FetchOutcome,
    RequestsFeedFetcher,
    Validators,
    refresh_feeds,
)
from cityzen_connector.store import open_store

FEEDS = 20
ITEMS = 50
ROUNDS = 5
REQUESTS = 2000


def _date(i: int) -> str:
    return f"{datetime(2026, 12, 1, tzinfo=UTC) - timedelta(hours=i):%a, %d %b %Y %H:%M:%S} +0000"


def feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Actualité {n}-{i} : travaux, fêtes et démarches</title>"
        f"<link>https://www.valmont.example.fr/actualites/{n}/{i}</link>"
        f'<guid isPermaLink="false">{n}-{i}</guid>'
        f"<pubDate>{_date(i)}</pubDate>"
        "<category>Vie municipale</category><category>Travaux</category>"
        "<description><![CDATA[<p>La ville de Valmont-sur-Loire informe ses habitants : "
        "<strong>circulation alternée</strong> rue Victor-Hugo, collecte des sapins, "
        "inscriptions scolaires et horaires d’hiver de la déchetterie.</p>"
        f'<p><img src="https://www.valmont.example.fr/medias/{n}-{i}.jpg" alt=""></p>'
        "]]></description>"
        "</item>"
        for i in range(ITEMS)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Flux {n}</title><link>https://www.valmont.example.fr/</link>"
        f"<description>Actualités</description>{items}</channel></rss>"
    ).encode()


BODIES = {f"/feed-{n}.xml": feed(n) for n in range(FEEDS)}
ETAGS = {path: f'"{hashlib.sha256(body).hexdigest()[:16]}"' for path, body in BODIES.items()}


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body, etag = BODIES.get(self.path), ETAGS.get(self.path)
        if body is None or etag is None:
            self.send_error(404)
            return
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Unconditional:
    """The baseline fetcher: the same GETs without validators, so never a 304."""

    def __init__(self, inner: RequestsFeedFetcher) -> None:
        self.inner = inner

    def fetch(self, url: str, validators: Validators, limits: FetchLimits) -> FetchOutcome:
        return self.inner.fetch(url, Validators(), limits)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def main() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = tuple(f"{base}/feed-{n}.xml" for n in range(FEEDS))
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'state.db'}")
        config = FeedsConfig.of(urls)
        fetcher = RequestsFeedFetcher(requests.Session())

        def clock() -> datetime:
            return datetime.now(UTC)

        first = timed(lambda: refresh_feeds(config, fetcher, store, clock))
        report = refresh_feeds(config, fetcher, store, clock)
        assert report.counts["not_modified"] == FEEDS, report.line()
        ours = statistics.median(
            timed(lambda: refresh_feeds(config, fetcher, store, clock)) for _ in range(ROUNDS)
        )
        baseline_fetcher = Unconditional(fetcher)
        assert refresh_feeds(config, baseline_fetcher, store, clock).counts["unchanged"] == FEEDS
        theirs = statistics.median(
            timed(lambda: refresh_feeds(config, baseline_fetcher, store, clock))
            for _ in range(ROUNDS)
        )
        print(f"refresh of {FEEDS} feeds x {ITEMS} items on 127.0.0.1 (median of {ROUNDS}):")
        print(f"  first refresh (all 200, copies written)   {first * 1000:8.1f} ms")
        print(f"  ours: unchanged feeds answer 304          {ours * 1000:8.1f} ms")
        print(f"  baseline: no validators, every body read  {theirs * 1000:8.1f} ms")
        print(f"  ratio baseline / ours                     {theirs / ours:8.1f}x")

        reader = FeedsReader(config, store, clock, ttl=timedelta(seconds=30))
        request = ApiRequest("GET", "/v1/news", Headers(), b"", {"page_size": "20"})

        def latencies(make_reader: Callable[[], FeedsReader]) -> list[float]:
            found = []
            for _ in range(REQUESTS):
                api = build_api(_deps(make_reader()))
                start = time.perf_counter()
                response = api.handle(request)
                found.append(time.perf_counter() - start)
                assert response.status == 200
                assert response.json()["total"] == FEEDS * ITEMS
            return found

        ours_ms = latencies(lambda: reader)
        theirs_ms = latencies(lambda: FeedsReader(config, store, clock, ttl=timedelta(0)))
        print(f"GET /api/v1/news, {FEEDS * ITEMS} items in the store, {REQUESTS} requests:")
        for name, values in (("ours: copy in memory", ours_ms), ("baseline: store", theirs_ms)):
            print(
                f"  {name:<24} p50 {percentile(values, 0.5) * 1000:7.2f} ms"
                f"   p99 {percentile(values, 0.99) * 1000:7.2f} ms"
            )
        p50 = percentile(theirs_ms, 0.5) / percentile(ours_ms, 0.5)
        p99 = percentile(theirs_ms, 0.99) / percentile(ours_ms, 0.99)
        print(f"  ratio baseline / ours     p50 {p50:6.1f}x   p99 {p99:6.1f}x")
        store.close()
    server.shutdown()


def _deps(reader: FeedsReader) -> ApiDependencies:
    # The news route needs only the feeds; the other dependencies are never touched.
    return ApiDependencies(ingest=None, themes=None, readiness=None, feeds=reader)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen feeds refresh`` and ``cityzen feeds status``: the portal's news and agenda feeds;
and the sample feeds ``cityzen run`` serves on 127.0.0.1 so that its demo needs no internet.

``refresh`` runs what the ``refresh_feeds`` timer runs (conditional GETs; a feed that fails keeps
its last good copy) and prints one line per feed, by kind and position (``agenda#2``), never
its URL; exit code 1 when a feed failed. ``status`` prints each feed's freshness as readiness
reports it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import threading
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cityzen_connector import app
from cityzen_connector.settings import ENV_PREFIX

from ._common import EXIT_FAILED, container, fail

SAMPLES_PORT = 7075
SAMPLES_DIR = Path("samples") / "feeds"
SAMPLE_NEWS = ("actualites.xml", "travaux.atom")
SAMPLE_AGENDA = ("agenda.xml", "agenda-mediatheque.rdf")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    group = subparsers.add_parser("feeds", help="the portal's news and agenda feeds")
    actions = group.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)
    refresh = actions.add_parser("refresh", help="fetch every feed now (as the timer does)")
    refresh.set_defaults(func=_refresh)
    status = actions.add_parser("status", help="each feed's freshness, as readiness reports it")
    status.set_defaults(func=_status)


def _refresh(_args: argparse.Namespace) -> int:
    from cityzen_connector.store import StoreError  # noqa: PLC0415

    deps = container()
    try:
        report = app.refresh_feeds(deps)
    except StoreError as exc:
        return fail(exc)
    finally:
        deps.close()
    for outcome in report.outcomes:
        if outcome.result == "failed":
            print(
                f"{outcome.label}: failed ({outcome.reason}), last good copy kept"
                f" ({outcome.items} items)"
            )
        else:
            print(f"{outcome.label}: {outcome.result.replace('_', ' ')} ({outcome.items} items)")
    print(report.line())
    return EXIT_FAILED if report.counts["failed"] else 0


def _status(_args: argparse.Namespace) -> int:
    from cityzen_connector.store import StoreError  # noqa: PLC0415

    deps = container()
    try:
        health = deps.feeds_reader.health()
    except StoreError as exc:
        return fail(exc)
    finally:
        deps.close()
    stale = dict(health.stale)
    for source in deps.feeds_config.sources:
        reason = stale.get(source.label)
        print(f"{source.label}: " + (f"stale ({reason})" if reason else "fresh"))
    print("no feed configured" if not health.configured else health.detail())
    return 0


# -- the sample feeds of `cityzen run` --------------------------------------------------------
class _SampleHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the feeds' own media types; ``Last-Modified`` and ``304`` on
    ``If-Modified-Since`` come with the standard handler."""

    extensions_map = {  # noqa: RUF012 - the base class's own attribute, replaced
        ".xml": "application/rss+xml; charset=utf-8",
        ".atom": "application/atom+xml; charset=utf-8",
        ".rdf": "application/rdf+xml; charset=utf-8",
        "": "application/octet-stream",
    }

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: ``cityzen run`` prints what matters itself."""


@dataclass
class SampleFeeds:
    url: str
    server: http.server.ThreadingHTTPServer
    thread: threading.Thread

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_samples(folder: Path, host: str = "127.0.0.1", port: int = SAMPLES_PORT) -> SampleFeeds:
    """Serve ``folder`` over HTTP in a thread (``OSError`` when the port is taken)."""
    handler = functools.partial(_SampleHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sample-feeds", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return SampleFeeds(f"http://{bound_host!s}:{bound_port}", server, thread)


def start_sample_feeds(
    env: MutableMapping[str, str], app_dir: Path, port: int = SAMPLES_PORT
) -> SampleFeeds | None:
    """The sample feeds served, and the settings that read them, unless the environment names
    feeds of its own; ``None`` (one line printed) when they cannot be served."""
    names = (ENV_PREFIX + "FEEDS_NEWS_URLS", ENV_PREFIX + "FEEDS_AGENDA_URLS")
    folder = app_dir / SAMPLES_DIR
    if any(name in env for name in names) or not folder.is_dir():
        return None
    try:
        served = serve_samples(folder, port=port)
    except OSError as exc:
        print(
            f"sample feeds not served (cannot listen on 127.0.0.1:{port}:"
            f" {exc.strerror or exc}): no news or agenda",
            flush=True,
        )
        return None
    env[names[0]] = ",".join(f"{served.url}/{name}" for name in SAMPLE_NEWS)
    env[names[1]] = ",".join(f"{served.url}/{name}" for name in SAMPLE_AGENDA)
    return served

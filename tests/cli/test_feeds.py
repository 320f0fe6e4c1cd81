"""``cityzen feeds refresh`` and ``status`` over real HTTP on 127.0.0.1, against the sample feeds
server ``cityzen run`` starts: 200s, then 304s (Last-Modified), then a server gone: the copy
stays, the feeds show stale, the exit code says so."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cityzen_connector.cli import main
from cityzen_connector.cli._feeds import (
    SAMPLE_AGENDA,
    SAMPLE_NEWS,
    serve_samples,
    start_sample_feeds,
)
from tests.support.paths import ROOT

SAMPLES = ROOT / "samples" / "feeds"


@pytest.fixture
def served() -> Iterator[str]:
    samples = serve_samples(SAMPLES, port=0)
    try:
        yield samples.url
    finally:
        samples.stop()


def test_the_sample_server_serves_feeds_with_their_type_and_304s(served: str) -> None:
    first = requests.get(f"{served}/actualites.xml", timeout=5)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert first.content == (SAMPLES / "actualites.xml").read_bytes()
    again = requests.get(
        f"{served}/actualites.xml",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
        timeout=5,
    )
    assert (again.status_code, again.content) == (304, b"")
    atom = requests.get(f"{served}/travaux.atom", timeout=5)
    assert atom.headers["Content-Type"] == "application/atom+xml; charset=utf-8"


def test_run_points_the_settings_at_the_samples_unless_feeds_are_configured() -> None:
    env: dict[str, str] = {}
    samples = start_sample_feeds(env, ROOT, port=0)
    assert samples is not None
    try:
        assert env["CITYZEN_FEEDS_NEWS_URLS"] == ",".join(f"{samples.url}/{n}" for n in SAMPLE_NEWS)
        assert env["CITYZEN_FEEDS_AGENDA_URLS"].split(",") == [
            f"{samples.url}/{n}" for n in SAMPLE_AGENDA
        ]
    finally:
        samples.stop()
    mine = {"CITYZEN_FEEDS_AGENDA_URLS": "https://www.valmont.example.fr/agenda.xml"}
    assert start_sample_feeds(mine, ROOT, port=0) is None
    assert "CITYZEN_FEEDS_NEWS_URLS" not in mine


def test_a_taken_port_leaves_the_feeds_unset_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env: dict[str, str] = {}
        assert start_sample_feeds(env, ROOT, port=taken.getsockname()[1]) is None
    assert env == {}
    assert "sample feeds not served" in capsys.readouterr().out


def test_refresh_then_304s_then_a_server_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    samples = serve_samples(SAMPLES, port=0)
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path / 'state.db'}")
    monkeypatch.setenv("CITYZEN_FEEDS_NEWS_URLS", f"{samples.url}/actualites.xml")
    monkeypatch.setenv("CITYZEN_FEEDS_AGENDA_URLS", f"{samples.url}/agenda.xml")
    try:
        assert main(["feeds", "refresh"]) == 0
        assert capsys.readouterr().out.splitlines() == [
            "news#1: updated (6 items)",
            "agenda#1: updated (8 items)",
            "2 feed(s): 2 updated",
        ]
        assert main(["feeds", "refresh"]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "2 feed(s): 2 not modified"
    finally:
        samples.stop()
    assert main(["feeds", "refresh"]) == 1
    out = capsys.readouterr().out
    assert "news#1: failed (connection), last good copy kept (6 items)" in out
    assert samples.url not in out
    assert main(["feeds", "status"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "news#1: stale (connection)",
        "agenda#1: stale (connection)",
        "2 of 2 feed(s) stale: news#1 (connection), agenda#1 (connection)",
    ]

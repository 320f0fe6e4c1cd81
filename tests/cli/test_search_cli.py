"""`cityzen search refresh` and `cityzen search query` against the emulator over real HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from tests.support.emulator import Switch
from tests.support.paths import MAPPINGS


@pytest.fixture
def served(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    url, switch = emulator_server
    app = create_app(EmulatorConfig(key_activation_seconds=0))
    seed(app)
    switch.target = app
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_MAPPINGS_DIR", str(MAPPINGS))
    return url


def test_refresh_caches_the_published_articles_then_query_finds_them(
    served: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "query", "encombrants"]) == 0
    assert "article" not in capsys.readouterr().out  # nothing cached yet: procedures only
    assert main(["search", "refresh"]) == 0
    assert capsys.readouterr().out == (
        "knowledge articles cached for search: 10 (10 written, 0 deleted)\n"
    )
    assert main(["search", "refresh"]) == 0
    assert "(0 written, 0 deleted)" in capsys.readouterr().out
    assert main(["search", "query", "encombrants", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "Encombrants : prendre rendez-vous pour un enlèvement" in out
    assert "brouillon" not in out


def test_refresh_reports_a_refusing_dataverse_in_one_line(
    emulator_server: tuple[str, Switch],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, switch = emulator_server
    strict = create_app(EmulatorConfig(token="the-right-token"))
    seed(strict)
    switch.target = strict
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    assert main(["search", "refresh"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1
    assert main(["search", "query", "poubelle"]) == 0  # the procedures are still searched

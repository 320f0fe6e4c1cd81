"""``cityzen open311 keys issue|list|revoke``: the key printed once, listed without it, revoked."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from tests.support.banner import run_banner


@pytest.fixture(autouse=True)
def _state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")


def test_issue_prints_the_key_once_list_never_and_revoke_refuses_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["open311", "keys", "issue", "FixMyStreet"]) == 0
    issued = capsys.readouterr().out
    key = next(line.split(": ")[1] for line in issued.splitlines() if line.startswith("api_key"))
    key_id = key.split("_")[1]
    assert main(["open311", "keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert key_id in listed
    assert "FixMyStreet" in listed
    assert "active" in listed
    assert key.split("_", 2)[2] not in listed
    assert main(["open311", "keys", "revoke", key_id]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["open311", "keys", "list"]) == 0
    assert "revoked" in capsys.readouterr().out


def test_revoking_an_unknown_key_fails_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open311", "keys", "revoke", "0000000000000000"]) == 1
    assert capsys.readouterr().err == "error: ApiKeyError: no such key id\n"


def test_a_name_that_cannot_be_an_apps_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open311", "keys", "issue", "a/b"]) == 1
    assert "ApiKeyError" in capsys.readouterr().err


def test_the_run_banner_prints_an_open311_apps_calls_with_its_key() -> None:
    text = run_banner(
        sample=Path("/tmp/sample.json"),
        open311_key="o311_0123456789abcdef_secret",
    )
    curls = [shlex.split(line) for line in text.splitlines() if "/open311/" in line]
    services, post, listed, updates = curls
    assert services == ["curl", "-sS", "http://127.0.0.1:7071/api/open311/v2/services.json"]
    assert post[2] == "http://127.0.0.1:7071/api/open311/v2/requests.json"
    assert "api_key=o311_0123456789abcdef_secret" in post
    assert "attribute[taille]=grand" in post
    assert listed[2].endswith("/requests.json?api_key=o311_0123456789abcdef_secret")
    assert updates[2].endswith("/servicerequestupdates.json?api_key=o311_0123456789abcdef_secret")
    without = run_banner(
        sample=Path("/tmp/sample.json"),
    )
    assert "open311" not in without

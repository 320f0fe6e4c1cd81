"""``cityzen cases reconcile`` over real HTTP (the emulator on a free 127.0.0.1 port): a full
read the first time, then the changes since, counts only on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    RequestsTransport,
    StaticTokenProvider,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from tests.support.emulator import Switch
from tests.support.paths import MAPPINGS, PEPPER


@pytest.fixture
def served(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> DataverseClient:
    url, switch = emulator_server
    app = create_app(EmulatorConfig(key_activation_seconds=0))
    seed(app)
    switch.target = app
    for name, value in {
        "DATAVERSE_URL": url,
        "QUEUE_URL": f"sqlite:///{tmp_path}/queue.db",
        "STORE_URL": f"sqlite:///{tmp_path}/state.db",
        "BLOB_URL": f"file://{tmp_path}/blobs",
        "MAPPINGS_DIR": str(MAPPINGS),
        "IDENTITY_PEPPER": PEPPER.decode(),
    }.items():
        monkeypatch.setenv(f"CITYZEN_{name}", value)
    assert main(["dataverse", "provision", "--create-catalog"]) == 0
    return DataverseClient(
        DataverseConfig(url), RequestsTransport(), StaticTokenProvider("local-dev-token")
    )


def test_reconcile_reads_everything_once_then_only_the_changes(
    served: DataverseClient, capsys: pytest.CaptureFixture[str]
) -> None:
    contact = served.create("contacts", {"lastname": "Martin"}).id
    case = served.create(
        "incidents",
        {"title": "Tag sur un mur", "customerid_contact@odata.bind": f"/contacts({contact})"},
    ).id
    capsys.readouterr()
    assert main(["cases", "reconcile"]) == 0
    assert capsys.readouterr().out == (
        "cases: full read: 1 row(s), 1 recorded, 0 already known, 0 deleted, 0 unreadable\n"
    )
    served.update("incidents", case, {"statuscode": 2})
    assert main(["cases", "reconcile"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cases: changes: 1 row(s), 1 recorded")
    assert "Martin" not in out
    assert main(["cases", "reconcile", "--full"]) == 0
    assert capsys.readouterr().out.startswith("cases: full read: 1 row(s), 0 recorded, 1 already")


def test_reconcile_reports_a_refused_token_in_one_line_without_it(
    emulator_server: tuple[str, Switch],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, switch = emulator_server
    switch.target = create_app(EmulatorConfig(token="the-right-token"))
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_DATAVERSE_STATIC_TOKEN", "TOPSECRET-wrong-token")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_MAPPINGS_DIR", str(MAPPINGS))
    assert main(["cases", "reconcile"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: AuthenticationError")
    assert err.count("\n") == 1
    assert "TOPSECRET" not in err

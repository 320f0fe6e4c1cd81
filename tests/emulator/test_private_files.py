"""The emulator's database holds every contact filed: it and the TLS key are the owner's alone,
whatever the umask, and a database left open to others is closed when the emulator opens it."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from cityzen_connector.emulator import EmulatorConfig, create_app, generate_certificate, seed
from tests.support.private import modes, not_private, permissive_umask


def test_the_database_and_the_certificate_are_private_whatever_the_umask(tmp_path: Path) -> None:
    data = tmp_path / "emulator"
    with permissive_umask():
        app = create_app(EmulatorConfig(database=str(data / "dataverse.db")))
        try:
            assert seed(app) > 0
            generate_certificate(data)
            assert not_private(data) == {}
            assert set(modes(data)) == {
                ".",
                "dataverse.db",
                "dataverse.db-wal",
                "dataverse.db-shm",
                "emulator-cert.pem",
                "emulator-key.pem",
            }
        finally:
            app.close()


def test_a_database_left_open_to_others_is_closed_at_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with permissive_umask():
        sqlite3.connect(tmp_path / "dataverse.db").close()
    assert modes(tmp_path)["dataverse.db"] == "0o644"
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        app = create_app(EmulatorConfig(database=str(tmp_path / "dataverse.db")))
    app.close()
    assert modes(tmp_path)["dataverse.db"] == "0o600"
    assert f"{tmp_path / 'dataverse.db'} was open to other users (mode 644)" in caplog.text

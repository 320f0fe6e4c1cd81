"""The kernel's private files: what it creates is the owner's alone whatever the umask, and
what it finds open to others is closed, with a log line naming the path."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from cityzen_connector._private import (
    create_private_file,
    private_folder,
    tighten_files_in,
    write_private,
)
from cityzen_connector._sqlite import connect
from tests.support.private import loosen, modes, not_private, permissive_umask


def test_new_folders_are_private_and_existing_parents_are_left_alone(tmp_path: Path) -> None:
    loosen(tmp_path)
    with permissive_umask():
        private_folder(tmp_path / "a" / "b")
    assert modes(tmp_path) == {".": "0o755", "a/": "0o700", "a/b/": "0o700"}


def test_an_open_folder_is_closed_and_the_log_names_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    loosen(folder)
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        private_folder(folder)
    assert modes(folder) == {".": "0o700"}
    assert f"{folder} was open to other users (mode 755); now private (700)" in caplog.text
    caplog.clear()
    private_folder(folder)  # already private: nothing to say
    assert caplog.text == ""


def test_a_folder_the_caller_does_not_own_is_not_tightened(tmp_path: Path) -> None:
    loosen(tmp_path)
    private_folder(tmp_path, tighten_existing=False)
    assert modes(tmp_path)["."] == "0o755"


def test_a_file_in_the_way_of_a_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileExistsError):
        private_folder(tmp_path / "file")
    with pytest.raises(NotADirectoryError):
        private_folder(tmp_path / "file" / "sub")


def test_written_files_are_private_from_the_first_byte(tmp_path: Path) -> None:
    target = tmp_path / "status.json"
    (tmp_path / "status.json.tmp").write_text("left by a crash")
    loosen(tmp_path / "status.json.tmp")
    with permissive_umask():
        write_private(target, b"{}")
        write_private(target, b'{"Next": 1}')
        created = create_private_file(tmp_path / "empty.db")
    assert created
    assert target.read_bytes() == b'{"Next": 1}'
    assert modes(tmp_path) | {".": "pytest's"} == {
        ".": "pytest's",
        "status.json": "0o600",
        "empty.db": "0o600",
    }


def test_existing_files_are_tightened_one_log_line_each(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("one", "two", "three"):
        (tmp_path / name).write_bytes(b"secret content")
        (tmp_path / name).chmod(0o600)
    loosen(tmp_path / "one", tmp_path / "two")
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        assert tighten_files_in(tmp_path) == 2
        loosen(tmp_path / "three")
        assert not create_private_file(tmp_path / "three")  # there already: closed, kept
    assert {modes(tmp_path)[name] for name in ("one", "two", "three")} == {"0o600"}
    assert (tmp_path / "three").read_bytes() == b"secret content"
    assert len(caplog.records) == 3
    assert "secret content" not in caplog.text


def test_a_database_and_its_side_files_are_private_whatever_the_umask(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # An older version (or plain sqlite3) left an open database with its write-ahead log.
    (tmp_path / "old").mkdir()
    loosen(tmp_path / "old")
    with permissive_umask():
        legacy = sqlite3.connect(tmp_path / "old" / "q.db", isolation_level=None)
        legacy.execute("PRAGMA journal_mode=WAL")
        legacy.execute("CREATE TABLE t (x)")
        with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
            reopened = connect(str(tmp_path / "old" / "q.db"), "CREATE TABLE IF NOT EXISTS u (y);")
            fresh = connect(str(tmp_path / "new" / "deeper" / "f.db"), "CREATE TABLE t (x);")
        fresh.execute("INSERT INTO t VALUES (1)")
    assert modes(tmp_path / "old") == {
        ".": "0o755",  # a folder a database path names is not the connector's to close
        "q.db": "0o600",
        "q.db-wal": "0o600",
        "q.db-shm": "0o600",
    }
    assert {"q.db", "q.db-wal", "q.db-shm"} == {
        Path(str(r.args[0])).name for r in caplog.records if isinstance(r.args, tuple)
    }
    assert not_private(tmp_path / "new") == {}
    assert set(modes(tmp_path / "new" / "deeper")) == {".", "f.db", "f.db-wal", "f.db-shm"}
    for conn in (legacy, reopened, fresh):
        conn.close()

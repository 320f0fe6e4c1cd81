"""Local function keys: generated once, 0600, checked like Azure, never leaked in errors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from cityzen_connector.localhost import HostKeys, KeyFileError, load_or_create_keys


def test_keys_are_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    path = tmp_path / "data" / "host-keys.json"
    first = load_or_create_keys(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.function_key) >= 40
    assert first.function_key != first.master_key
    assert load_or_create_keys(path) == first


def test_keys_do_not_show_in_repr(tmp_path: Path) -> None:
    keys = load_or_create_keys(tmp_path / "k.json")
    assert keys.function_key not in repr(keys)
    assert keys.master_key not in repr(keys)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    load_or_create_keys(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_or_create_keys(path)


@pytest.mark.parametrize(
    "content",
    [
        "{broken",
        "[]",
        json.dumps({"functionKey": "short", "masterKey": "x" * 40}),
        json.dumps({"masterKey": "x" * 40}),
        json.dumps({"functionKey": "x" * 40, "masterKey": 12}),
    ],
)
def test_malformed_key_files_are_refused_without_quoting_them(tmp_path: Path, content: str) -> None:
    path = tmp_path / "k.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    with pytest.raises(KeyFileError) as caught:
        load_or_create_keys(path)
    assert "x" * 40 not in str(caught.value)


def test_auth_levels() -> None:
    keys = HostKeys(function_key="f" * 40, master_key="m" * 40)
    assert keys.allows("anonymous", None)
    assert keys.allows("function", "f" * 40)
    assert keys.allows("function", "m" * 40)
    assert not keys.allows("function", "f" * 39)
    assert not keys.allows("function", None)
    assert not keys.allows("function", "")
    assert keys.allows("admin", "m" * 40)
    assert not keys.allows("admin", "f" * 40)
    assert not keys.allows("function", "\udcff" * 3)

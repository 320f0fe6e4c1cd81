"""Function keys, enforced as Azure does.

Azure accepts a key in the ``code`` query parameter or the ``x-functions-key`` header; a
``function`` level route takes a function key or the master key, an ``admin`` level route only
the master key (https://learn.microsoft.com/azure/azure-functions/function-keys-how-to). Locally
both keys are generated once with ``secrets`` and kept in a 0600 JSON file.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cityzen_connector._private import private_folder
from cityzen_connector.localhost._bindings import AuthLevel
from cityzen_connector.localhost._errors import KeyFileError

KEY_HEADER = "x-functions-key"
KEY_QUERY_PARAMETER = "code"
_KEY_BYTES = 40  # Azure's generated keys carry a similar amount of randomness.


@dataclass(frozen=True)
class HostKeys:
    function_key: str = field(repr=False)
    master_key: str = field(repr=False)

    def allows(self, level: AuthLevel, presented: str | None) -> bool:
        """Whether ``presented`` opens a route of ``level``; compared in constant time."""
        if level == "anonymous":
            return True
        if not presented:
            return False
        candidate = presented.encode("utf-8", "surrogateescape")
        master = hmac.compare_digest(candidate, self.master_key.encode())
        if level == "admin":
            return master
        return master or hmac.compare_digest(candidate, self.function_key.encode())


def load_or_create_keys(path: Path) -> HostKeys:
    """Read the key file, creating it (mode 0600) with fresh keys the first time."""
    try:
        # O_EXCL: two hosts starting together cannot both write; O_CREAT with 0600 leaves no
        # moment where the file is readable by others.
        private_folder(path.parent, tighten_existing=False)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    except OSError as exc:
        raise KeyFileError(f"cannot create the key file {path}: {exc.strerror}") from exc
    keys = HostKeys(
        function_key=secrets.token_urlsafe(_KEY_BYTES),
        master_key=secrets.token_urlsafe(_KEY_BYTES),
    )
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"functionKey": keys.function_key, "masterKey": keys.master_key}, handle)
    return keys


def _read(path: Path) -> HostKeys:
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyFileError(f"{path} is readable by others; run: chmod 600 {path}")
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise KeyFileError(f"cannot read the key file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        # The message never quotes the file: it holds secrets.
        raise KeyFileError(f"{path} is not valid JSON; delete it to get new keys") from exc
    if not isinstance(document, dict):
        raise KeyFileError(f"{path} must hold a JSON object; delete it to get new keys")
    function_key, master_key = document.get("functionKey"), document.get("masterKey")
    for name, value in (("functionKey", function_key), ("masterKey", master_key)):
        if not isinstance(value, str) or len(value) < 16 or not value.isprintable():
            raise KeyFileError(f"{path}: {name} is missing or too short; delete the file")
    assert isinstance(function_key, str)
    assert isinstance(master_key, str)
    return HostKeys(function_key=function_key, master_key=master_key)

"""Checks that personal data at rest is private: a permissive umask, and the modes of a tree."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PERMISSIVE_UMASK = 0o022  # the common default: files 0644 and folders 0755, readable by all


@contextmanager
def permissive_umask(mask: int = PERMISSIVE_UMASK) -> Iterator[None]:
    """The process umask set to ``mask`` for the block (a child process inherits it)."""
    saved = os.umask(mask)
    try:
        yield
    finally:
        os.umask(saved)


def modes(root: Path) -> dict[str, str]:
    """Every folder and file under ``root`` (itself included) and its mode, e.g. ``"0o700"``;
    keys are paths relative to ``root`` (``"."`` for itself), folders ending with ``/``."""
    found = {".": oct(stat.S_IMODE(root.stat().st_mode))}
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        for name in folders:
            path = here / name
            found[f"{path.relative_to(root)}/"] = oct(stat.S_IMODE(path.stat().st_mode))
        for name in files:
            path = here / name
            found[str(path.relative_to(root))] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


def not_private(root: Path) -> dict[str, str]:
    """What under ``root`` is not private: folders other than 0700, files other than 0600."""
    return {
        name: mode
        for name, mode in modes(root).items()
        if mode != ("0o700" if name == "." or name.endswith("/") else "0o600")
    }


def loosen(*paths: Path) -> None:
    """Open ``paths`` to everyone's reading, as an older version or a careless copy left them."""
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)

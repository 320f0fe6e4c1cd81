"""Personal data at rest stays with its owner: folders 0700, files 0600, whatever the umask.

The embedded backends keep citizens' requests, contacts and attachments on disk (queue, state
store, blobs, the emulator's database). A umask only removes bits, so a path is created with
its private mode and then set to it explicitly (a umask may even remove the owner's bits).
An existing path that others may read or enter is tightened when it is opened, with one log
line that names the path, never what it holds. Group and other bits go; the owner's stay.
"""

from __future__ import annotations

import errno
import logging
import os
import stat
from pathlib import Path

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "create_private_file",
    "private_folder",
    "tighten",
    "tighten_files_in",
    "write_private",
]

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO

_LOG = logging.getLogger(__name__)


def tighten(path: Path) -> bool:
    """Take group and other permissions off ``path`` if it exists; True when it had some."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return False
    if not mode & _OTHERS:
        return False
    os.chmod(path, mode & ~_OTHERS)
    _LOG.warning(
        "%s was open to other users (mode %03o); now private (%03o)", path, mode, mode & ~_OTHERS
    )
    return True


def private_folder(path: Path, *, tighten_existing: bool = True) -> Path:
    """Create ``path`` and its missing parents 0700; an existing ``path`` is tightened.

    ``tighten_existing=False`` is for a folder the caller does not own (the folder a database
    path happens to name, maybe the working directory): only the folders created here are
    private then. Existing parents are never changed.
    """
    missing: list[Path] = []
    folder = path
    while not os.path.lexists(folder) and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            os.mkdir(created, FOLDER_MODE)
        except FileExistsError:
            continue  # another process made it first; it is tightened below if it is ours
        os.chmod(created, FOLDER_MODE)
    if not path.is_dir():
        raise FileExistsError(errno.EEXIST, "not a folder", str(path))
    if tighten_existing and not missing:
        tighten(path)
    return path


def tighten_files_in(folder: Path) -> int:
    """Tighten every file directly inside ``folder`` (blobs, timer states); how many changed."""
    changed = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False) and tighten(Path(entry.path)):
                changed += 1
    return changed


def create_private_file(path: Path) -> bool:
    """Create an empty ``path`` 0600, or tighten it if it exists; True when created."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
        return False
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return True


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: 0600 from the first byte, and all or nothing (a
    temporary file beside it, flushed to disk, then renamed over it)."""
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        # O_CREAT leaves the mode of a temporary file left behind by a crash as it was.
        os.fchmod(fd, FILE_MODE)
        handle.write(data)
        handle.flush()
        os.fsync(fd)
    os.replace(temporary, path)

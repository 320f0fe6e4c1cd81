"""Embedded blob stores: a folder of files (``file://``) and a dictionary (``memory://``)."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import datetime
from pathlib import Path

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._private import private_folder, tighten_files_in, write_private
from cityzen_connector.store._errors import BlobNotFoundError, ValueTooLargeError
from cityzen_connector.store._port import BlobRef, BlobStore, check_blob_name, new_blob_name

DEFAULT_MAX_BLOB_BYTES = 50 * 1024 * 1024


def make_ref(data: bytes, media_type: str, max_bytes: int) -> BlobRef:
    if len(data) > max_bytes:
        raise ValueTooLargeError(len(data), max_bytes)
    if not media_type or len(media_type) > 255 or not media_type.isprintable():
        raise ValueError("media_type must be a printable type such as image/jpeg")
    return BlobRef(new_blob_name(), len(data), hashlib.sha256(data).hexdigest(), media_type)


class MemoryBlobStore(BlobStore):
    def __init__(
        self, *, clock: WallClock = utc_now, max_bytes: int = DEFAULT_MAX_BLOB_BYTES
    ) -> None:
        self._blobs: dict[str, tuple[bytes, datetime]] = {}
        self._clock = clock
        self._max = max_bytes
        self._mutex = threading.Lock()

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        ref = make_ref(data, media_type, self._max)
        with self._mutex:
            self._blobs[ref.name] = (bytes(data), self._clock())
        return ref

    def get(self, name: str) -> bytes:
        check_blob_name(name)
        with self._mutex:
            if name not in self._blobs:
                raise BlobNotFoundError(name)
            return self._blobs[name][0]

    def delete(self, name: str) -> bool:
        check_blob_name(name)
        with self._mutex:
            return self._blobs.pop(name, None) is not None

    def list_older_than(self, cutoff: datetime) -> list[str]:
        with self._mutex:
            return sorted(name for name, (_, at) in self._blobs.items() if at < cutoff)


class FileBlobStore(BlobStore):
    """One file per blob plus a small JSON sidecar (media type, hash, creation time).

    Names are random hex checked on every call, so no path ever leaves the folder. Writes go to
    a temporary file renamed into place: a crash never leaves a half-written blob. Attachments
    are personal data: the folder is 0700 and every file 0600, tightened at open if need be.
    """

    def __init__(
        self, folder: Path, *, clock: WallClock = utc_now, max_bytes: int = DEFAULT_MAX_BLOB_BYTES
    ) -> None:
        self._folder = private_folder(folder)
        tighten_files_in(folder)
        self._clock = clock
        self._max = max_bytes

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        ref = make_ref(data, media_type, self._max)
        meta = {
            "media_type": media_type,
            "sha256": ref.sha256,
            "created": self._clock().timestamp(),
        }
        write_private(self._folder / ref.name, data)
        write_private(self._folder / f"{ref.name}.json", json.dumps(meta).encode())
        return ref

    def get(self, name: str) -> bytes:
        check_blob_name(name)
        try:
            return (self._folder / name).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFoundError(name) from exc

    def delete(self, name: str) -> bool:
        check_blob_name(name)
        (self._folder / f"{name}.json").unlink(missing_ok=True)
        try:
            (self._folder / name).unlink()
        except FileNotFoundError:
            return False
        return True

    def list_older_than(self, cutoff: datetime) -> list[str]:
        names = []
        for meta_path in self._folder.glob("*.json"):
            try:
                created = float(json.loads(meta_path.read_text())["created"])
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a sidecar being written or damaged: the next purge sees it
            if created < cutoff.timestamp():
                names.append(meta_path.stem)
        return sorted(names)

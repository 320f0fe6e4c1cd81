"""``open_store(url)`` and ``open_blobs(url)``: alias tables from a setting to a backend.

==================================  ==================================================
``sqlite:///path/state.db``         embedded state store (local default)
``memory://``                       in-memory state store / blob store (tests)
``azuretables://<account URL>``     Azure Table Storage, ``DefaultAzureCredential``
``file://folder``                   embedded blob store (local default)
``azureblob://<account URL>/<c>``   Azure Blob Storage container, ``DefaultAzureCredential``
``DefaultEndpointsProtocol=...``    a storage connection string (tables; blobs: ``|container``)
==================================  ==================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector._types import url_scheme
from cityzen_connector.store._blobs_local import FileBlobStore, MemoryBlobStore
from cityzen_connector.store._errors import UnsupportedStoreUrlError
from cityzen_connector.store._port import BlobStore, StateStore
from cityzen_connector.store._sqlite import SqliteStore


def _is_connection_string(url: str) -> bool:
    lowered = url.lower()
    return "accountkey=" in lowered or lowered.startswith(
        ("defaultendpointsprotocol=", "usedevelopmentstorage=")
    )


def _refuse(kind: str, url: str) -> UnsupportedStoreUrlError:
    # Never echo the URL: a connection string carries an account key.
    return UnsupportedStoreUrlError(f"unsupported {kind} URL (scheme {url_scheme(url)!r})")


def open_store(url: str, *, clock: WallClock = utc_now, credential: Any = None) -> StateStore:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise UnsupportedStoreUrlError("sqlite:/// needs a file path")
        return SqliteStore(path, clock=clock)
    if url == "memory://":
        return SqliteStore(":memory:", clock=clock)
    if url.startswith("azuretables://") or _is_connection_string(url):
        from cityzen_connector.store._azure_tables import open_table_store  # noqa: PLC0415

        return open_table_store(url, clock=clock, credential=credential)
    raise _refuse("state store", url)


def open_blobs(
    url: str,
    *,
    clock: WallClock = utc_now,
    credential: Any = None,
    max_bytes: int | None = None,
) -> BlobStore:
    limits = {} if max_bytes is None else {"max_bytes": max_bytes}
    if url.startswith("file://"):
        folder = url.removeprefix("file://")
        if not folder:
            raise UnsupportedStoreUrlError("file:// needs a folder, e.g. file://.cityzen/blobs")
        return FileBlobStore(Path(folder), clock=clock, **limits)
    if url == "memory://":
        return MemoryBlobStore(clock=clock, **limits)
    if url.startswith("azureblob://") or _is_connection_string(url.split("|", 1)[0]):
        from cityzen_connector.store._azure_blobs import open_blob_container  # noqa: PLC0415

        return open_blob_container(url, clock=clock, credential=credential, **limits)
    raise _refuse("blob store", url)

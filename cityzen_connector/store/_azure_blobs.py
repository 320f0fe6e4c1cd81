"""Azure Blob Storage backend of the ``BlobStore`` (azure-storage-blob 12.x).

One container; each blob carries its media type as Content-Type and its SHA-256 and creation
time (from our clock, so retention is testable) as metadata. Uploads never overwrite.
https://learn.microsoft.com/rest/api/storageservices/put-blob
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContainerClient, ContentSettings

from cityzen_connector._clock import WallClock
from cityzen_connector.store._azure_url import split_blob_url
from cityzen_connector.store._blobs_local import DEFAULT_MAX_BLOB_BYTES, make_ref
from cityzen_connector.store._errors import BlobNotFoundError, StoreUnavailableError
from cityzen_connector.store._port import BlobRef, BlobStore, check_blob_name

DEFAULT_CONTAINER = "attachments"


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except ResourceNotFoundError as exc:
        raise BlobNotFoundError("no such blob") from exc
    except AzureError as exc:
        raise StoreUnavailableError("blob storage unreachable or refused") from exc


class AzureBlobStore(BlobStore):
    """A ``BlobStore`` on one container. Seam: the injected ``ContainerClient``."""

    def __init__(
        self,
        container: ContainerClient,
        *,
        clock: WallClock,
        max_bytes: int = DEFAULT_MAX_BLOB_BYTES,
    ) -> None:
        self._container = container
        self._clock = clock
        self._max = max_bytes
        with _translated(), suppress(ResourceExistsError):
            container.create_container()

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        ref = make_ref(data, media_type, self._max)
        with _translated():
            self._container.upload_blob(
                ref.name,
                data,
                overwrite=False,
                content_settings=ContentSettings(content_type=media_type),
                metadata={"sha256": ref.sha256, "created": str(self._clock().timestamp())},
            )
        return ref

    def get(self, name: str) -> bytes:
        check_blob_name(name)
        with _translated():
            data: bytes = self._container.download_blob(name).readall()
        return data

    def delete(self, name: str) -> bool:
        check_blob_name(name)
        try:
            with _translated():
                self._container.delete_blob(name)
        except BlobNotFoundError:
            return False
        return True

    def list_older_than(self, cutoff: datetime) -> list[str]:
        names = []
        with _translated():
            for blob in self._container.list_blobs(include=["metadata"]):
                created = (blob.metadata or {}).get("created")
                moment = float(created) if created else blob.creation_time.timestamp()
                if moment < cutoff.timestamp():
                    names.append(blob.name)
        return sorted(names)

    def close(self) -> None:
        self._container.close()


def open_blob_container(
    url: str, *, clock: WallClock, credential: Any = None, max_bytes: int = DEFAULT_MAX_BLOB_BYTES
) -> AzureBlobStore:
    if url.startswith("azureblob://"):
        account, container = split_blob_url(url)
        if credential is None:
            from azure.identity import DefaultAzureCredential  # noqa: PLC0415

            credential = DefaultAzureCredential()
        client = ContainerClient(account, container, credential=credential)
    else:
        conn, _, container = url.partition("|")
        client = ContainerClient.from_connection_string(conn, container or DEFAULT_CONTAINER)
    return AzureBlobStore(client, clock=clock, max_bytes=max_bytes)

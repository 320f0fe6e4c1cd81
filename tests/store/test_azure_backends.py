"""Azure Table Storage and Blob Storage backends against a real server: Azurite on 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.data.tables import TableClient
from azure.storage.blob import ContainerClient

from cityzen_connector.store import (
    BlobStore,
    StateStore,
    StoreUnavailableError,
    open_blobs,
    open_store,
)
from cityzen_connector.store._azure_blobs import AzureBlobStore
from cityzen_connector.store._azure_tables import TableStore
from cityzen_connector.testing import FakeClock

from .azurite import ACCOUNT, KEY
from .contract import BlobContract, StoreContract


class TestAzureTableStore(StoreContract):
    @pytest.fixture
    def store(self, azurite: str, clock: FakeClock) -> Iterator[StateStore]:
        table = TableClient.from_connection_string(azurite, f"t{uuid.uuid4().hex[:20]}")
        store = TableStore(table, clock=clock)
        yield store
        table.delete_table()
        store.close()


class TestAzureBlobStore(BlobContract):
    @pytest.fixture
    def blobs(self, azurite: str, clock: FakeClock) -> Iterator[BlobStore]:
        container = ContainerClient.from_connection_string(azurite, f"c{uuid.uuid4().hex[:20]}")
        blobs = AzureBlobStore(container, clock=clock)
        yield blobs
        container.delete_container()
        blobs.close()

    def test_media_type_and_hash_are_stored_on_the_blob(self, azurite: str) -> None:
        container = ContainerClient.from_connection_string(azurite, f"c{uuid.uuid4().hex[:20]}")
        blobs = AzureBlobStore(container, clock=FakeClock())
        ref = blobs.put(b"\xff\xd8jpeg", media_type="image/jpeg")
        props = container.get_blob_client(ref.name).get_blob_properties()
        assert props.content_settings.content_type == "image/jpeg"
        assert props.metadata["sha256"] == ref.sha256
        container.delete_container()
        blobs.close()


def test_connection_strings_open_the_azure_backends(azurite: str) -> None:
    store = open_store(azurite)
    store.put("p", "k", {"v": 1})
    record = store.get("p", "k")
    assert record is not None
    assert record.value == {"v": 1}
    assert store.delete("p", "k") is True
    store.close()
    blobs = open_blobs(f"{azurite}|c{uuid.uuid4().hex[:12]}")
    ref = blobs.put(b"x", media_type="text/plain")
    assert blobs.get(ref.name) == b"x"
    blobs.close()


def test_an_unreachable_account_is_a_transient_error() -> None:
    nowhere = (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
        f"TableEndpoint=http://127.0.0.1:9/{ACCOUNT};"  # the discard port: nothing listens
    )
    table = TableClient.from_connection_string(nowhere, "nowhere", retry_total=0)
    with pytest.raises(StoreUnavailableError) as info:
        TableStore(table, clock=FakeClock())
    assert info.value.is_transient
    table.close()

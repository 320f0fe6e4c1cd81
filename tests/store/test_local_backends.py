"""The embedded state store and blob stores honour their contracts."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cityzen_connector.store import (
    BlobRef,
    BlobStore,
    InvalidKeyError,
    StateStore,
    UnsupportedStoreUrlError,
    ValueTooLargeError,
    open_blobs,
    open_store,
)

from .contract import BlobContract, StoreContract
from .fakes import FakeClock


class TestSqliteStore(StoreContract):
    @pytest.fixture
    def store(self, clock: FakeClock, tmp_path: Path) -> Iterator[StateStore]:
        store = open_store(f"sqlite:///{tmp_path}/s/state.db", clock=clock)
        yield store
        store.close()


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self, clock: FakeClock) -> StateStore:
        return open_store("memory://", clock=clock)


class TestFileBlobs(BlobContract):
    @pytest.fixture
    def blobs(self, clock: FakeClock, tmp_path: Path) -> BlobStore:
        return open_blobs(f"file://{tmp_path}/blobs", clock=clock)

    def test_no_temporary_files_are_left_behind(self, blobs: BlobStore, tmp_path: Path) -> None:
        ref = blobs.put(b"data", media_type="text/plain")
        assert sorted(p.name for p in (tmp_path / "blobs").iterdir()) == sorted(
            [ref.name, f"{ref.name}.json"]
        )


class TestMemoryBlobs(BlobContract):
    @pytest.fixture
    def blobs(self, clock: FakeClock) -> BlobStore:
        return open_blobs("memory://", clock=clock)


def test_a_store_file_is_shared_between_handles(tmp_path: Path) -> None:
    a = open_store(f"sqlite:///{tmp_path}/state.db")
    b = open_store(f"sqlite:///{tmp_path}/state.db")
    a.put("p", "k", {"v": 1})
    got = b.get("p", "k")
    assert got is not None
    assert got.value == {"v": 1}


def test_blob_size_limit_is_enforced() -> None:
    blobs = open_blobs("memory://", max_bytes=10)
    with pytest.raises(ValueTooLargeError):
        blobs.put(b"x" * 11, media_type="text/plain")


@pytest.mark.parametrize("url", ["", "redis://x", "sqlite:///", "file://", "AccountKey"])
def test_unknown_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsupportedStoreUrlError):
        open_store(url) if not url.startswith("file") else open_blobs(url)


def test_account_keys_are_not_echoed() -> None:
    with pytest.raises(UnsupportedStoreUrlError) as info:
        open_store("weird://x;AccountSecret=TOPSECRET")
    assert "TOPSECRET" not in str(info.value)


GOOD_REF = {"name": "a" * 32, "size": 3, "sha256": "b" * 64, "media_type": "image/png"}


@pytest.mark.parametrize(
    "hostile",
    [
        None,
        "a" * 32,
        [],
        {**GOOD_REF, "name": "../../etc/passwd"},
        {**GOOD_REF, "name": None},
        {**GOOD_REF, "size": -1},
        {**GOOD_REF, "size": True},
        {**GOOD_REF, "size": "3"},
        {**GOOD_REF, "sha256": "xyz"},
        {**GOOD_REF, "media_type": ""},
        {k: v for k, v in GOOD_REF.items() if k != "sha256"},
    ],
)
def test_malformed_blob_references_are_refused(hostile: object) -> None:
    with pytest.raises(InvalidKeyError):
        BlobRef.from_json(hostile)


def test_a_well_formed_reference_is_read() -> None:
    assert BlobRef.from_json(GOOD_REF) == BlobRef("a" * 32, 3, "b" * 64, "image/png")

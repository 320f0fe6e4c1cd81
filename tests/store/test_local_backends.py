"""The embedded state store and blob stores honour their contracts."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.store import (
    BlobRef,
    BlobStore,
    InvalidKeyError,
    PreconditionFailedError,
    StateStore,
    UnsupportedStoreUrlError,
    ValueTooLargeError,
    open_blobs,
    open_store,
)
from cityzen_connector.store._blobs_local import FileBlobStore
from cityzen_connector.store._sqlite import SqliteStore
from cityzen_connector.testing import FakeClock
from tests.support.private import loosen, modes, not_private, permissive_umask

from .contract import BlobContract, StoreContract


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


def test_conditional_writes_hold_between_handles_racing_on_one_file(tmp_path: Path) -> None:
    """create_only and if_match are checked and written atomically: of eight handles (eight
    connections, as eight processes would have) racing for one key, exactly one wins each
    round, and no update is lost."""
    url = f"sqlite:///{tmp_path}/state.db"
    handles = [open_store(url) for _ in range(8)]
    barrier = threading.Barrier(len(handles))
    wins: list[int] = []
    bumps: list[int] = []

    def race(index: int, store: StateStore) -> None:
        barrier.wait()
        try:
            store.put("p", "k", {"by": index}, create_only=True)
            wins.append(index)
        except PreconditionFailedError:
            pass
        for _ in range(20):  # optimistic increments: only a writer with the current ETag wins
            while True:
                current = store.get("p", "k")
                assert current is not None
                try:
                    store.put(
                        "p",
                        "k",
                        {**current.value, "n": current.value.get("n", 0) + 1},
                        if_match=current.etag,
                    )
                    break
                except PreconditionFailedError:
                    continue
        bumps.append(index)

    threads = [threading.Thread(target=race, args=(i, h)) for i, h in enumerate(handles)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    final = handles[0].get("p", "k")
    for store in handles:
        store.close()
    assert len(wins) == 1
    assert len(bumps) == len(handles)
    assert final is not None
    assert final.value == {"by": wins[0], "n": 20 * len(handles)}


def test_an_expired_record_cannot_be_updated_by_etag(tmp_path: Path) -> None:
    clock = FakeClock()
    store = open_store(f"sqlite:///{tmp_path}/state.db", clock=clock)
    first = store.put("p", "k", {"v": 1}, expires_at=clock() + timedelta(seconds=10))
    clock.advance(11)
    with pytest.raises(PreconditionFailedError):
        store.put("p", "k", {"v": 2}, if_match=first.etag)
    assert store.get("p", "k") is None
    again = store.put("p", "k", {"v": 3}, create_only=True)
    assert again.expires_at is None
    got = store.get("p", "k")
    assert got is not None
    assert got.value == {"v": 3}
    store.close()


def test_create_only_with_an_etag_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    with pytest.raises(PreconditionFailedError):
        store.put("p", "k", {"v": 1}, create_only=True, if_match="whatever")
    assert store.get("p", "k") is None
    store.close()


def test_the_state_store_is_private_whatever_the_umask(tmp_path: Path) -> None:
    with permissive_umask():
        store = open_store(f"sqlite:///{tmp_path}/data/state.db")
        store.put("status", "k", {"citizen": "someone"})
    assert not_private(tmp_path / "data") == {}
    assert set(modes(tmp_path / "data")) == {".", "state.db", "state.db-wal", "state.db-shm"}
    store.close()


def test_a_state_store_left_open_to_others_is_closed_at_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # As an earlier version left it: 0644 database and write-ahead log, still in use.
    with permissive_umask():
        legacy = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
        legacy.execute("PRAGMA journal_mode=WAL")
        legacy.execute("CREATE TABLE t (x)")
    assert modes(tmp_path)["state.db-wal"] == "0o644"
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        store = SqliteStore(str(tmp_path / "state.db"))
    assert {name: mode for name, mode in modes(tmp_path).items() if name != "."} == {
        "state.db": "0o600",
        "state.db-wal": "0o600",
        "state.db-shm": "0o600",
    }
    assert f"{tmp_path / 'state.db-wal'} was open to other users" in caplog.text
    store.close()
    legacy.close()


def test_attachments_are_private_whatever_the_umask(tmp_path: Path) -> None:
    with permissive_umask():
        blobs = open_blobs(f"file://{tmp_path}/data/blobs")
        ref = blobs.put(b"%PDF- an identity card", media_type="application/pdf")
    assert not_private(tmp_path / "data") == {}
    assert set(modes(tmp_path / "data")) == {
        ".",
        "blobs/",
        f"blobs/{ref.name}",
        f"blobs/{ref.name}.json",
    }


def test_attachments_left_open_to_others_are_closed_at_open(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "blobs"
    ref = FileBlobStore(folder).put(b"a photo", media_type="image/jpeg")
    loosen(folder, folder / ref.name, folder / f"{ref.name}.json")
    with caplog.at_level(logging.WARNING, logger="cityzen_connector"):
        blobs = FileBlobStore(folder)
    assert not_private(folder) == {}
    assert blobs.get(ref.name) == b"a photo"
    assert len(caplog.records) == 3  # the folder and both files, each by its path
    assert f"{folder / ref.name} was open to other users" in caplog.text


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

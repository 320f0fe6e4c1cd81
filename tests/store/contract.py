"""Contracts of the ``StateStore`` and ``BlobStore`` ports, inherited by every backend's tests.

A subclass defines ``store`` (or ``blobs``) as a fixture built on the given fake ``clock``.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest

from cityzen_connector.store import (
    BlobNotFoundError,
    BlobRef,
    BlobStore,
    InvalidKeyError,
    PreconditionFailedError,
    StateStore,
    SubmissionStatuses,
    ValueTooLargeError,
)
from cityzen_connector.testing import FakeClock


class StoreContract:
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    def test_put_get_round_trip(self, store: StateStore) -> None:
        written = store.put("p", "k1", {"status": "queued", "n": 3, "nested": {"é": [1, None]}})
        got = store.get("p", "k1")
        assert got is not None
        assert dict(got.value) == {"status": "queued", "n": 3, "nested": {"é": [1, None]}}
        assert got.etag == written.etag
        assert (got.partition, got.key) == ("p", "k1")

    def test_absent_record_reads_as_none(self, store: StateStore) -> None:
        assert store.get("p", "nothing") is None
        assert store.delete("p", "nothing") is False

    def test_each_write_changes_the_etag_and_stale_writers_lose(self, store: StateStore) -> None:
        first = store.put("p", "k", {"v": 1})
        second = store.put("p", "k", {"v": 2}, if_match=first.etag)
        assert second.etag != first.etag
        with pytest.raises(PreconditionFailedError):
            store.put("p", "k", {"v": 3}, if_match=first.etag)
        got = store.get("p", "k")
        assert got is not None
        assert got.value["v"] == 2

    def test_if_match_on_a_missing_record_fails(self, store: StateStore) -> None:
        with pytest.raises(PreconditionFailedError):
            store.put("p", "ghost", {"v": 1}, if_match='W/"whatever"')

    def test_create_only_refuses_an_existing_record(self, store: StateStore) -> None:
        store.put("p", "k", {"v": 1}, create_only=True)
        with pytest.raises(PreconditionFailedError):
            store.put("p", "k", {"v": 2}, create_only=True)
        got = store.get("p", "k")
        assert got is not None
        assert got.value["v"] == 1

    def test_delete_with_stale_etag_is_refused(self, store: StateStore) -> None:
        first = store.put("p", "k", {"v": 1})
        store.put("p", "k", {"v": 2})
        with pytest.raises(PreconditionFailedError):
            store.delete("p", "k", if_match=first.etag)
        assert store.delete("p", "k") is True
        assert store.get("p", "k") is None

    def test_expired_records_read_as_absent_and_can_be_recreated(
        self, store: StateStore, clock: FakeClock
    ) -> None:
        store.put("p", "k", {"v": 1}, expires_at=clock() + timedelta(hours=1))
        clock.advance(3601)
        assert store.get("p", "k") is None
        assert store.query("p") == []
        store.put("p", "k", {"v": 2}, create_only=True)
        got = store.get("p", "k")
        assert got is not None
        assert got.value["v"] == 2

    def test_query_returns_live_records_of_one_partition_by_key(
        self, store: StateStore, clock: FakeClock
    ) -> None:
        for key in ["b", "a", "c"]:
            store.put("p", key, {"k": key})
        store.put("other", "z", {})
        store.put("p", "dead", {}, expires_at=clock() + timedelta(seconds=1))
        clock.advance(2)
        assert [r.key for r in store.query("p")] == ["a", "b", "c"]
        assert [r.key for r in store.query("p", limit=2)] == ["a", "b"]

    def test_purge_removes_expired_and_old_records_only(
        self, store: StateStore, clock: FakeClock
    ) -> None:
        store.put("p", "old", {})
        clock.advance(10 * 86400)
        store.put("p", "expiring", {}, expires_at=clock() + timedelta(seconds=5))
        store.put("p", "fresh", {})
        clock.advance(6)
        removed = store.purge(now=clock(), updated_before=clock() - timedelta(days=5))
        assert removed == 2
        assert [r.key for r in store.query("p")] == ["fresh"]

    @pytest.mark.parametrize("key", ["", "a/b", "a\\b", "a#b", "a?b", "a\nb", "x" * 256])
    def test_hostile_keys_are_refused(self, store: StateStore, key: str) -> None:
        with pytest.raises(InvalidKeyError):
            store.put("p", key, {})
        with pytest.raises(InvalidKeyError):
            store.get(key, "k")

    def test_oversized_and_non_json_values_are_refused(self, store: StateStore) -> None:
        with pytest.raises(ValueTooLargeError):
            store.put("p", "big", {"blob": "x" * 40_000})
        with pytest.raises((TypeError, ValueError)):
            store.put("p", "nan", {"v": float("nan")})
        with pytest.raises(TypeError):
            store.put("p", "obj", {"v": object()})
        assert store.get("p", "big") is None

    def test_submission_status_lifecycle(self, store: StateStore, clock: FakeClock) -> None:
        statuses = SubmissionStatuses(store, clock=clock, retention=timedelta(days=30))
        assert statuses.mark_queued("sub-1") is True
        assert statuses.mark_created("sub-1", case_id="c-1", ticket_number="CAS-01") is True
        assert statuses.mark_failed("sub-1", reason="late duplicate") is False
        status = statuses.get("sub-1")
        assert status is not None
        assert (status.status, status.case_id, status.ticket_number) == ("created", "c-1", "CAS-01")
        assert statuses.mark_failed("sub-2", reason="x" * 5000) is True
        failed = statuses.get("sub-2")
        assert failed is not None
        assert failed.status == "failed"
        assert failed.reason is not None
        assert len(failed.reason) == 1000
        clock.advance(31 * 86400)
        assert statuses.get("sub-1") is None  # retention: the record has expired


class BlobContract:
    @pytest.fixture
    def clock(self) -> FakeClock:
        return FakeClock()

    def test_put_get_delete(self, blobs: BlobStore) -> None:
        data = b"\x89PNG\r\n" + bytes(range(256)) * 10
        ref = blobs.put(data, media_type="image/png")
        assert (ref.size, ref.sha256, ref.media_type) == (
            len(data),
            hashlib.sha256(data).hexdigest(),
            "image/png",
        )
        assert blobs.get(ref.name) == data
        assert blobs.delete(ref.name) is True
        assert blobs.delete(ref.name) is False
        with pytest.raises(BlobNotFoundError):
            blobs.get(ref.name)

    def test_identical_content_gets_two_names(self, blobs: BlobStore) -> None:
        a, b = (
            blobs.put(b"same", media_type="text/plain"),
            blobs.put(b"same", media_type="text/plain"),
        )
        assert a.name != b.name
        blobs.delete(a.name)
        assert blobs.get(b.name) == b"same"

    def test_empty_blob_is_fine(self, blobs: BlobStore) -> None:
        ref = blobs.put(b"", media_type="application/octet-stream")
        assert blobs.get(ref.name) == b""

    @pytest.mark.parametrize("name", ["../etc/passwd", "", "A" * 32, "x.json", "0" * 31])
    def test_hostile_names_are_refused(self, blobs: BlobStore, name: str) -> None:
        with pytest.raises(InvalidKeyError):
            blobs.get(name)
        with pytest.raises(InvalidKeyError):
            blobs.delete(name)

    def test_media_type_is_required(self, blobs: BlobStore) -> None:
        with pytest.raises(ValueError, match="media_type"):
            blobs.put(b"x", media_type="")

    def test_list_older_than_finds_what_retention_must_purge(
        self, blobs: BlobStore, clock: FakeClock
    ) -> None:
        old = blobs.put(b"old", media_type="text/plain")
        clock.advance(31 * 86400)
        new = blobs.put(b"new", media_type="text/plain")
        assert blobs.list_older_than(clock() - timedelta(days=30)) == [old.name]
        assert sorted(blobs.list_older_than(clock() + timedelta(seconds=1))) == sorted(
            [old.name, new.name]
        )

    def test_a_reference_round_trips_through_a_message_payload(self, blobs: BlobStore) -> None:
        ref = blobs.put(b"photo", media_type="image/jpeg")
        again = BlobRef.from_json(json.loads(json.dumps(ref.to_json())))
        assert again == ref
        assert blobs.get(again.name) == b"photo"

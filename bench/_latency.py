"""Azure-like round trips for the ingest bench: real ports, each call delayed and counted.

Table Storage and Service Bus cost one network round trip per call (10-30 ms from a Function
to a service in the same region is what this injects, uniformly, seeded). Blob writes are
counted, not delayed: both ingest paths write the same blobs.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from cityzen_connector.messaging import MessageBus, OutgoingMessage
from cityzen_connector.store import (
    INGEST_PARTITION,
    SUBMISSIONS_PARTITION,
    BlobRef,
    BlobStore,
    Record,
    StateStore,
)

LOW, HIGH = 0.010, 0.030


class RoundTrips:
    """Counts by kind and sleeps an Azure-like latency per call (thread-safe)."""

    def __init__(self, *, seed: int, delay: bool) -> None:
        self.counts: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._delay = delay

    def __call__(self, kind: str, *, delayed: bool = True) -> None:
        with self._lock:
            self.counts[kind] += 1
            pause = self._random.uniform(LOW, HIGH)
        if self._delay and delayed:
            time.sleep(pause)


class SlowStore(StateStore):
    def __init__(self, inner: StateStore, trips: RoundTrips) -> None:
        self.inner, self.trips = inner, trips

    def get(self, partition: str, key: str) -> Record | None:
        self.trips("store read")
        return self.inner.get(partition, key)

    def put(self, partition: str, key: str, value: Mapping[str, Any], **options: Any) -> Record:
        self.trips("store write")
        return self.inner.put(partition, key, value, **options)

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        self.trips("store write")
        return self.inner.delete(partition, key, if_match=if_match)

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        self.trips("store read")
        return self.inner.query(partition, limit=limit)

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return self.inner.purge(now=now, updated_before=updated_before)


class PreviousLayoutStore(SlowStore):
    """The previous ingest layout's writes, on the same slow store: with each reservation
    (create-only, ``pending``) came a ``queued`` status record (create-only) and, after the
    send, the reservation marked ``accepted`` (If-Match) -- three writes, not one."""

    def put(self, partition: str, key: str, value: Mapping[str, Any], **options: Any) -> Record:
        if partition != INGEST_PARTITION or not options.get("create_only"):
            return super().put(partition, key, value, **options)
        expires = options["expires_at"]
        record = super().put(partition, key, {**value, "state": "pending"}, **options)
        status = {"status": "queued"}
        super().put(SUBMISSIONS_PARTITION, key, status, create_only=True, expires_at=expires)
        accepted = {**value, "state": "accepted"}
        return super().put(partition, key, accepted, if_match=record.etag, expires_at=expires)


class SlowBus(MessageBus):
    """Only ``send`` is on the ingest path; the rest delegates undelayed."""

    def __init__(self, inner: MessageBus, trips: RoundTrips) -> None:
        self.inner, self.trips = inner, trips

    def send(self, queue: str, messages: Sequence[OutgoingMessage]) -> None:
        self.trips("queue send")
        self.inner.send(queue, messages)

    def receive(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.receive(*args, **kwargs)

    def complete(self, message: Any) -> None:
        self.inner.complete(message)

    def abandon(self, message: Any) -> None:
        self.inner.abandon(message)

    def dead_letter(self, message: Any, *, reason: str, description: str) -> None:
        self.inner.dead_letter(message, reason=reason, description=description)

    def renew_lock(self, message: Any) -> Any:
        return self.inner.renew_lock(message)

    def peek(self, *args: Any, **kwargs: Any) -> Any:
        return self.inner.peek(*args, **kwargs)

    def stats(self, queue: str) -> Any:
        return self.inner.stats(queue)


class CountedBlobs(BlobStore):
    def __init__(self, inner: BlobStore, trips: RoundTrips) -> None:
        self.inner, self.trips = inner, trips

    def put(self, data: bytes, *, media_type: str) -> BlobRef:
        self.trips("blob write", delayed=False)
        return self.inner.put(data, media_type=media_type)

    def get(self, name: str) -> bytes:
        return self.inner.get(name)

    def delete(self, name: str) -> bool:
        self.trips("blob write", delayed=False)
        return self.inner.delete(name)

    def list_older_than(self, cutoff: datetime) -> list[str]:
        return self.inner.list_older_than(cutoff)

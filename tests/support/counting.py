"""A real state store that counts its round trips and can lose the reply of a write.

Round trips are what an Azure deployment pays per call (Table Storage is one HTTP request per
get, put or delete): the ingest tests assert how many a submission costs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cityzen_connector.store import Record, StateStore, StoreUnavailableError


@dataclass
class CountingStore(StateStore):
    inner: StateStore
    reads: int = 0
    writes: int = 0  # puts and deletes: each one round trip
    written: list[tuple[str, str]] = field(default_factory=list)
    # The next put happens, then its reply is lost (a timeout after the insert went through).
    lose_next_reply: bool = False
    fail_deletes: bool = False  # the store goes down after the write (cleanup cannot run)

    def get(self, partition: str, key: str) -> Record | None:
        self.reads += 1
        return self.inner.get(partition, key)

    def put(self, partition: str, key: str, value: Mapping[str, Any], **options: Any) -> Record:
        self.writes += 1
        record = self.inner.put(partition, key, value, **options)
        self.written.append((partition, key))
        if self.lose_next_reply:
            self.lose_next_reply = False
            raise StoreUnavailableError("reply lost (test)")
        return record

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        self.writes += 1
        if self.fail_deletes:
            raise StoreUnavailableError("store down (test)")
        return self.inner.delete(partition, key, if_match=if_match)

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        self.reads += 1
        return self.inner.query(partition, limit=limit)

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return self.inner.purge(now=now, updated_before=updated_before)

"""Where each feed's state and last good copy live in the state store.

- partition ``feeds``, key = the feed's id: its state (``FeedState``): the validators of the
  last good copy (ETag, Last-Modified), that copy's version (a hash of its items), when it was
  last tried and last refreshed, and why the last try failed, if it did;
- partition ``feed-<id>``, key = ``<version>-<position>``: one record per item of that copy.

A new copy is written item by item under its new version, then the state switches to it, then
the older items go. A reader follows the state's version: it sees the old copy or the new one,
never a mix, and a refresh that stops half-way leaves the last good copy in place. One record
per item because a record holds 32,000 characters (an Azure Table property) and a feed's
items together may not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from cityzen_connector.store import StateStore

__all__ = [
    "FEEDS_PARTITION",
    "FeedState",
    "forget_feed",
    "items_partition",
    "read_copy",
    "read_states",
    "write_copy",
]

FEEDS_PARTITION = "feeds"
_MAX_RECORDS = 1000  # a copy holds at most a few hundred items; a runaway partition stops here


def items_partition(feed_id: str) -> str:
    return f"feed-{feed_id}"


@dataclass(frozen=True)
class FeedState:
    kind: str
    etag: str | None = None
    last_modified: str | None = None
    version: str | None = None  # None: no good copy yet
    count: int = 0
    checked_at: datetime | None = None  # last try
    succeeded_at: datetime | None = None  # last 200 or 304 accepted
    failure: str | None = None  # the last try's reason code, if it failed
    failures: int = 0  # consecutive

    def to_value(self) -> dict[str, Any]:
        value = asdict(self)
        for name in ("checked_at", "succeeded_at"):
            moment = value[name]
            value[name] = moment.isoformat() if moment is not None else None
        return value

    @classmethod
    def from_value(cls, value: Mapping[str, Any]) -> FeedState | None:
        """The state, or ``None`` when the record is not one (then it is rewritten)."""
        try:
            state = cls(
                kind=str(value["kind"]),
                etag=_text(value.get("etag")),
                last_modified=_text(value.get("last_modified")),
                version=_text(value.get("version")),
                count=int(value.get("count") or 0),
                checked_at=_moment(value.get("checked_at")),
                succeeded_at=_moment(value.get("succeeded_at")),
                failure=_text(value.get("failure")),
                failures=int(value.get("failures") or 0),
            )
        except (KeyError, TypeError, ValueError):
            return None
        return state

    def failed(self, reason: str, now: datetime) -> FeedState:
        return replace(self, checked_at=now, failure=reason, failures=self.failures + 1)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _moment(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def read_states(store: StateStore) -> dict[str, FeedState]:
    """Every feed's state, by feed id (unreadable records left out)."""
    states = {}
    for record in store.query(FEEDS_PARTITION, limit=_MAX_RECORDS):
        if (state := FeedState.from_value(record.value)) is not None:
            states[record.key] = state
    return states


def read_state(store: StateStore, feed_id: str) -> FeedState | None:
    record = store.get(FEEDS_PARTITION, feed_id)
    return None if record is None else FeedState.from_value(record.value)


def write_state(store: StateStore, feed_id: str, state: FeedState) -> None:
    store.put(FEEDS_PARTITION, feed_id, state.to_value())


def write_copy(
    store: StateStore, feed_id: str, state: FeedState, items: Sequence[Mapping[str, Any]]
) -> None:
    """Items first, then the state naming their version, then the older items go."""
    assert state.version is not None
    partition = items_partition(feed_id)
    for position, item in enumerate(items):
        store.put(partition, f"{state.version}-{position:04d}", item)
    write_state(store, feed_id, state)
    for record in store.query(partition, limit=_MAX_RECORDS):
        if not record.key.startswith(f"{state.version}-"):
            store.delete(partition, record.key)


def read_copy(store: StateStore, feed_id: str, version: str) -> list[Mapping[str, Any]]:
    """The items of one version of a feed's copy, in the feed's order."""
    records = store.query(items_partition(feed_id), limit=_MAX_RECORDS)
    mine = sorted((r for r in records if r.key.startswith(f"{version}-")), key=lambda r: r.key)
    return [record.value for record in mine]


def forget_feed(store: StateStore, feed_id: str) -> None:
    """A feed no longer configured: its copy and state go."""
    partition = items_partition(feed_id)
    for record in store.query(partition, limit=_MAX_RECORDS):
        store.delete(partition, record.key)
    store.delete(FEEDS_PARTITION, feed_id)

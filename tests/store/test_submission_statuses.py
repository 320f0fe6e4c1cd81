"""Submission statuses under racing writers: a late ``failed`` never buries a ``created``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import pytest

from cityzen_connector.store import (
    SUBMISSIONS_PARTITION,
    PreconditionFailedError,
    Record,
    StateStore,
    SubmissionStatuses,
    open_store,
)
from cityzen_connector.testing import FakeClock


class RacingStore(StateStore):
    """A real store where another writer gets in just before each of our first ``races`` puts."""

    def __init__(self, inner: StateStore, rival_value: Mapping[str, Any], races: int) -> None:
        self.inner, self.rival_value, self.races = inner, rival_value, races

    def get(self, partition: str, key: str) -> Record | None:
        return self.inner.get(partition, key)

    def put(self, partition: str, key: str, value: Mapping[str, Any], **kwargs: Any) -> Record:
        if self.races > 0:
            self.races -= 1
            self.inner.put(partition, key, self.rival_value)
        return self.inner.put(partition, key, value, **kwargs)

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        return self.inner.delete(partition, key, if_match=if_match)

    def query(self, partition: str, *, limit: int | None = None) -> list[Record]:
        return self.inner.query(partition, limit=limit)

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return self.inner.purge(now=now, updated_before=updated_before)


def _statuses(store: StateStore, clock: FakeClock) -> SubmissionStatuses:
    return SubmissionStatuses(store, clock=clock, retention=timedelta(days=30))


def test_failed_loses_to_a_created_written_in_between() -> None:
    clock = FakeClock()
    inner = open_store("memory://", clock=clock)
    _statuses(inner, clock).mark_queued("s")
    created = {"status": "created", "case_id": "c", "ticket_number": "T"}
    statuses = _statuses(RacingStore(inner, created, races=1), clock)
    assert statuses.mark_failed("s", reason="dead-lettered") is False
    status = statuses.get("s")
    assert status is not None
    assert status.status == "created"


def test_created_wins_after_retrying_a_race() -> None:
    clock = FakeClock()
    inner = open_store("memory://", clock=clock)
    statuses = _statuses(RacingStore(inner, {"status": "queued"}, races=2), clock)
    assert statuses.mark_created("s", case_id="c", ticket_number="T") is True
    record = inner.get(SUBMISSIONS_PARTITION, "s")
    assert record is not None
    assert record.value["status"] == "created"


def test_endless_races_end_with_a_clear_error() -> None:
    clock = FakeClock()
    statuses = _statuses(
        RacingStore(open_store("memory://", clock=clock), {"status": "queued"}, races=99), clock
    )
    with pytest.raises(PreconditionFailedError, match="kept changing"):
        statuses.mark_created("s", case_id="c", ticket_number="T")


def test_queued_is_written_once_for_a_new_id_and_never_buries_created() -> None:
    clock = FakeClock()
    inner = open_store("memory://", clock=clock)
    statuses = _statuses(inner, clock)
    assert statuses.mark_queued("new") is True
    first = inner.get(SUBMISSIONS_PARTITION, "new")
    assert first is not None
    assert first.value == {"status": "queued"}
    assert first.expires_at == clock() + timedelta(days=30)
    assert statuses.mark_failed("new", reason="dead-lettered") is True
    assert statuses.mark_queued("new") is True  # a recovery re-queues a failed one
    again = statuses.get("new")
    assert again is not None
    assert again.status == "queued"
    assert statuses.mark_created("new", case_id="c", ticket_number="T") is True
    assert statuses.mark_queued("new") is False  # a late resend never buries created
    created = statuses.get("new")
    assert created is not None
    assert created.status == "created"


def test_queued_survives_a_rival_writing_first() -> None:
    clock = FakeClock()
    inner = open_store("memory://", clock=clock)
    created = {"status": "created", "case_id": "c", "ticket_number": "T"}
    statuses = _statuses(RacingStore(inner, created, races=1), clock)
    assert statuses.mark_queued("s") is False
    status = statuses.get("s")
    assert status is not None
    assert status.status == "created"

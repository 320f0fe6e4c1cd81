"""A case's history in the store: each change once, in order, whatever order and however often
the events come, and the portal told once per status change."""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from datetime import timedelta

import pytest

from cityzen_connector.cases import (
    CASES_PARTITION,
    MAX_ENTRIES,
    CaseChange,
    CaseHistory,
    CaseSchema,
    QueueWebhookOutbox,
    change_of,
    contact_partition,
    parse_context,
)
from cityzen_connector.mapping import MappingSet
from cityzen_connector.messaging import MessageBus
from cityzen_connector.store import StateStore
from cityzen_connector.testing import FakeClock
from tests.cases.conftest import CASE, CONTACT, PERSONAL, SUBMISSION, Published, document, raw

LIFE = (
    "incident_create.json",
    "incident_owner_change.json",
    "incident_status_change.json",
    "incident_resolve.json",
)


def change(name: str, schema: CaseSchema) -> CaseChange:
    found = change_of(parse_context(raw(name)), schema)
    assert isinstance(found, CaseChange)
    return found


def codes(history: CaseHistory) -> list[str]:
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    return [record.status_at(i, history.vocabulary).code for i in range(len(record.entries))]


def test_a_case_life_reads_as_a_citizen_would_say_it(
    history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    for name in LIFE:
        history.apply(change(name, schema))
    assert codes(history) == ["received", "in_progress", "waiting_for_you", "resolved"]
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert record.entries[1].service == "Voirie"  # taken in charge by the Voirie service
    events = published()
    assert [e.data["status"] for e in events] == codes(history)
    assert events[-1].data == {
        "request_id": SUBMISSION,
        "case_id": CASE,
        "ticket_number": "CAS-01042-K7Q2L9",
        "status": "resolved",
        "label_fr": "Résolue",
        "label_en": "Resolved",
        "closed": True,
        "updated_at": "2026-03-05T16:45:01Z",
    }
    assert events[-1].type == "request.status_changed"


def test_the_same_event_twice_is_one_change_and_one_webhook(
    history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    for name in (*LIFE, *LIFE):
        history.apply(change(name, schema))
    assert codes(history) == ["received", "in_progress", "waiting_for_you", "resolved"]
    assert len(published()) == 4


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_any_delivery_order_ends_in_the_newest_status_with_the_whole_history(
    order: tuple[int, ...], history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    for index in order:
        history.apply(change(LIFE[index], schema))
    assert codes(history) == ["received", "in_progress", "waiting_for_you", "resolved"]
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert record.updated_at is not None
    assert record.updated_at.isoformat() == "2026-03-05T16:45:01+00:00"
    # An older event arriving late never overwrites a newer status: the last one the portal
    # was told is the newest, and it never heard "resolved" then something older.
    statuses = [e.data["status"] for e in published()]
    assert statuses[-1] == "resolved" or "resolved" not in statuses
    assert statuses.count("resolved") == 1


def test_a_late_older_event_is_history_not_the_current_status(
    history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    history.apply(change("incident_create.json", schema))
    history.apply(change("incident_resolve.json", schema))
    late = history.apply(change("incident_status_change.json", schema))
    assert late.placement == "history"
    assert late.event is None
    assert codes(history)[-1] == "resolved"
    assert [e.data["status"] for e in published()] == ["received", "resolved"]


def test_without_versions_the_operation_time_orders_the_changes(
    history: CaseHistory, schema: CaseSchema
) -> None:
    newest = dataclasses.replace(change("incident_resolve.json", schema), version=None, key="r")
    older = dataclasses.replace(
        change("incident_status_change.json", schema), version=None, key="s"
    )
    history.apply(newest)
    history.apply(older)
    assert codes(history) == ["waiting_for_you", "resolved"]


def test_a_change_seen_by_the_queue_and_by_change_tracking_is_one(
    history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    from_queue = change("incident_status_change.json", schema)
    history.apply(change("incident_create.json", schema))
    history.apply(from_queue)
    seen_again = dataclasses.replace(from_queue, source="reconcile", message="Reconcile")
    assert history.apply(seen_again).placement == "duplicate"
    # The same state observed later (another version) adds nothing either.
    later = dataclasses.replace(from_queue, key="v1203503", version=1203503)
    assert history.apply(later).placement == "same"
    assert codes(history) == ["received", "waiting_for_you"]
    assert len(published()) == 2


def test_an_update_without_image_takes_what_it_does_not_say_from_before(
    history: CaseHistory, schema: CaseSchema
) -> None:
    history.apply(change("incident_create.json", schema))
    history.apply(change("incident_owner_change.json", schema))
    doc = document("incident_status_change.json")
    doc["PostEntityImages"] = []
    bare = change_of(parse_context(json.dumps(doc).encode()), schema)
    assert isinstance(bare, CaseChange)
    history.apply(bare)
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert record.entries[-1].service == "Voirie"  # the owner it did not mention
    assert record.ticket_number == "CAS-01042-K7Q2L9"


def test_an_unknown_status_reason_is_kept_and_read_neutrally(
    history: CaseHistory, schema: CaseSchema, published: Published
) -> None:
    history.apply(change("incident_create.json", schema))
    custom = dataclasses.replace(
        change("incident_status_change.json", schema), status=100000004
    )  # a status reason added in Dynamics 365, not in status.toml
    history.apply(custom)
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert (record.entries[-1].state, record.entries[-1].status) == (0, 100000004)
    assert published()[-1].data["label_fr"] == "Demande mise à jour"
    assert published()[-1].data["closed"] is False


def test_a_case_not_filed_through_us_is_kept_by_case_and_listed_for_its_contact(
    history: CaseHistory, schema: CaseSchema, store: StateStore, published: Published
) -> None:
    phone = change("incident_create_phone.json", schema)
    history.apply(phone)
    assert store.get(CASES_PARTITION, str(phone.case_id)) is not None
    listed = store.query(contact_partition(uuid.UUID(CONTACT)))
    assert [r.key for r in listed] == [str(phone.case_id)]
    assert listed[0].value["submission_id"] is None
    assert published()[0].data["request_id"] is None


def test_what_is_stored_and_published_holds_no_personal_data(
    history: CaseHistory, schema: CaseSchema, store: StateStore, published: Published
) -> None:
    for name in (*LIFE, "incident_create_phone.json"):
        history.apply(change(name, schema))
    stored = json.dumps(
        [r.value for p in ("cases", contact_partition(uuid.UUID(CONTACT))) for r in store.query(p)]
    )
    sent = json.dumps([e.data for e in published()])
    for text in PERSONAL:
        assert text not in stored
        assert text not in sent


def test_two_writers_on_one_case_lose_nothing(
    history: CaseHistory,
    schema: CaseSchema,
    store: StateStore,
    mappings: MappingSet,
    bus: MessageBus,
    clock: FakeClock,
) -> None:
    history.apply(change("incident_create.json", schema))

    class Racing(StateStore):
        """The real store, with another worker writing the same case just before our write."""

        def __init__(self) -> None:
            self.raced = False

        def get(self, partition, key):  # type: ignore[no-untyped-def]
            return store.get(partition, key)

        def put(self, partition, key, value, **kw):  # type: ignore[no-untyped-def]
            if partition == CASES_PARTITION and not self.raced:
                self.raced = True
                history.apply(change("incident_owner_change.json", schema))
            return store.put(partition, key, value, **kw)

        def delete(self, partition, key, **kw):  # type: ignore[no-untyped-def]
            return store.delete(partition, key, **kw)

        def query(self, partition, **kw):  # type: ignore[no-untyped-def]
            return store.query(partition, **kw)

        def purge(self, **kw):  # type: ignore[no-untyped-def]
            return store.purge(**kw)

    outbox = QueueWebhookOutbox(bus, "webhooks")
    racing = CaseHistory(
        Racing(), outbox, mappings.statuses, clock=clock, retention=timedelta(days=1)
    )
    racing.apply(change("incident_status_change.json", schema))
    assert codes(history) == ["received", "in_progress", "waiting_for_you"]


def test_a_long_life_stays_one_storable_record_keeping_the_newest_steps(
    history: CaseHistory, schema: CaseSchema, store: StateStore
) -> None:
    base = change("incident_status_change.json", schema)
    long_name = "Direction de l'espace public et de la voirie — " * 5
    owner = dataclasses.replace(base.owner, service=long_name[:100]) if base.owner else None
    for n in range(400):  # an agent toggling a case between two statuses, without row versions
        history.apply(
            dataclasses.replace(
                base,
                key=f"e{uuid.uuid4().hex}:{1772546521000 + n}:Update",
                version=None,
                at=base.at + timedelta(minutes=n),
                status=(2, 3)[n % 2],
                owner=owner,
            )
        )
    record = history.get(uuid.UUID(CASE))
    assert record is not None
    assert len(record.entries) == MAX_ENTRIES
    assert record.trimmed is True
    assert record.entries[-1].at == base.at + timedelta(minutes=399)
    assert [record.status_at(0, history.vocabulary).code] != ["received"]  # history was cut
    assert len(json.dumps(store.get(CASES_PARTITION, CASE).value)) < 32_000  # type: ignore[union-attr]
    # A very old event delivered again, its key long forgotten: older than what is kept.
    assert history.apply(change("incident_create.json", schema)).placement == "same"
    again = history.get(uuid.UUID(CASE))
    assert again is not None
    assert again.entries == record.entries

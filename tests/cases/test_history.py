"""A case's history in the store: each change once, in order, whatever order and however often
the events come, and the portal told once per status change."""

from __future__ import annotations

import dataclasses
import itertools
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.cases import (
    CASES_PARTITION,
    MAX_ENTRIES,
    MAX_MARKS,
    CaseChange,
    CaseHistory,
    CaseRecord,
    CaseSchema,
    Owner,
    QueueWebhookOutbox,
    change_of,
    contact_partition,
    parse_context,
)
from cityzen_connector.mapping import MappingSet
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.store import StateStore, open_store
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


# -- lives delivered in any order -------------------------------------------------------------
# A case's life as Dataverse writes it: created (received), then agents' changes, in order of
# row version. Every observation says its whole state (a post-image), so the history in order
# is exactly the run of states; some have no row version (ordered by time, which agrees).
AGENT = uuid.UUID(int=99)
OTHER_AGENT = uuid.UUID(int=98)
TEAM = Owner("team", uuid.UUID(int=1), "Voirie")
ACTIVE = {"in_progress": (0, 1), "on_hold": (0, 2), "waiting_for_you": (0, 3)}
RESOLVED = (1, 5)
T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


@st.composite
def lives(draw: st.DrawFn) -> list[CaseChange]:
    """received → in progress ↔ waiting / on hold → resolved → reopened → resolved …, with
    repeated observations of the same state and an agent handing over now and then."""
    case_id = uuid.UUID(CASE)
    found = [CaseChange(case_id, "queue", "Create", "v1000", T0, 1000, 0, 1, TEAM, "CAS-1")]
    state: tuple[int, int] = (0, 1)
    agent = AGENT
    for n in range(draw(st.integers(1, 9))):
        if state == RESOLVED:
            move = draw(st.sampled_from(["reopen", "same"]))
        else:
            move = draw(st.sampled_from(["resolve", "active", "active", "same", "handover"]))
        if move == "resolve":
            state = RESOLVED
        elif move in ("active", "reopen"):
            state = ACTIVE[draw(st.sampled_from(sorted(ACTIVE)))]
        elif move == "handover":
            agent = OTHER_AGENT if agent == AGENT else AGENT
        version = 1001 + n
        versioned = draw(st.booleans())
        found.append(
            CaseChange(
                case_id,
                "queue" if versioned else "reconcile",
                "Update",
                f"v{version}" if versioned else f"e{n}",
                T0 + timedelta(hours=n + 1),
                version if versioned else None,
                *state,
                owner=Owner("systemuser", agent),
            )
        )
    return found


def fresh_history(mappings: MappingSet) -> tuple[CaseHistory, MessageBus]:
    """Built inline: hypothesis runs many examples per function-scoped fixture instance."""
    clock = FakeClock()
    bus = open_bus("memory://", clock=clock)
    outbox = QueueWebhookOutbox(bus, "webhooks")
    store = open_store("memory://", clock=clock)
    return CaseHistory(
        store, outbox, mappings.statuses, clock=clock, retention=timedelta(days=1)
    ), bus


def in_order(changes: list[CaseChange], mappings: MappingSet) -> list[tuple[str, object, object]]:
    """The history as the citizen reads it when ``changes`` come one by one in order."""
    record = CaseRecord(uuid.UUID(CASE))
    for found in sorted(changes, key=lambda c: (c.at, c.version or 0)):
        record, _ = record.merged(found)
    return read(record, mappings)


def read(record: CaseRecord, mappings: MappingSet) -> list[tuple[str, object, object]]:
    return [
        (record.status_at(i, mappings.statuses).code, e.at, e.version)
        for i, e in enumerate(record.entries)
    ]


@settings(max_examples=300, deadline=None)
@given(life=lives(), data=st.data())
def test_any_delivery_order_of_any_life_reads_as_in_order_and_tells_only_what_is_newest(
    life: list[CaseChange], data: st.DataObject, mappings: MappingSet
) -> None:
    history, bus = fresh_history(mappings)
    order = data.draw(st.permutations(life))
    again = data.draw(st.lists(st.sampled_from(life), max_size=3))  # redeliveries
    seen: list[CaseChange] = []
    told: list[str] = []
    for found in (*order, *again):
        applied = history.apply(found)
        if found not in seen:
            seen.append(found)
        # Whatever came so far, the case reads as if it had come in order.
        expected = in_order(seen, mappings)
        assert read(applied.record, mappings) == expected
        if applied.event is not None:
            told.append(applied.event.data["status"])
            # Only a change of what the citizen sees, and only the newest status.
            assert applied.event.data["status"] == expected[-1][0]
        newest = max(seen, key=lambda c: c.at)
        if (newest.state, newest.status) == RESOLVED:
            assert applied.record.current(mappings.statuses).code == "resolved"  # type: ignore[union-attr]
    assert read(history.get(uuid.UUID(CASE)), mappings) == in_order(life, mappings)  # type: ignore[arg-type]
    # Told once per change of the status the citizen sees, never the same one twice in a row.
    assert all(a != b for a, b in itertools.pairwise(told))
    assert len(bus.peek("webhooks", max_messages=1000)) == len(told)


def test_every_order_of_resolved_reopened_resolved_reopened_resolved_ends_resolved(
    mappings: MappingSet,
) -> None:
    states = [(0, 1), RESOLVED, (0, 2), RESOLVED, (0, 1), RESOLVED]
    life = [
        CaseChange(
            uuid.UUID(CASE),
            "queue",
            "Update",
            f"v{1001 + n}",
            T0 + timedelta(hours=n + 1),
            1001 + n,
            *s,
            owner=Owner("systemuser", AGENT),
        )
        for n, s in enumerate(states)
    ]
    expected = in_order(life, mappings)
    assert [code for code, _, _ in expected] == [
        "received",
        "resolved",
        "on_hold",
        "resolved",
        "in_progress",
        "resolved",
    ]
    for order in itertools.permutations(life):
        record = CaseRecord(uuid.UUID(CASE))
        for found in order:
            record, _ = record.merged(found)
        assert read(record, mappings) == expected, order


def test_a_record_written_before_steps_kept_their_marks_reads_and_keeps_its_history(
    mappings: MappingSet,
) -> None:
    # As the previous version wrote it: no "later" member in any entry.
    old = {
        "case_id": CASE,
        "entries": [
            {
                "key": "v1000",
                "at": "2026-10-01T08:00:00+00:00",
                "version": 1000,
                "state": 0,
                "status": 1,
                "owner_kind": "team",
                "owner_id": str(TEAM.id),
                "service": "Voirie",
            },
            {
                "key": "v1002",
                "at": "2026-10-01T10:00:00+00:00",
                "version": 1002,
                "state": 1,
                "status": 5,
                "owner_kind": "systemuser",
                "owner_id": str(AGENT),
                "service": None,
            },
        ],
        "seen": ["v1000", "v1002"],
        "trimmed": False,
        "rev": 2,
    }
    record = CaseRecord.from_json(old)
    assert [code for code, _, _ in read(record, mappings)] == ["received", "resolved"]
    assert record.to_json()["entries"] == old["entries"]  # written back the same
    # A late reopening after the step, then a late taking in charge before it: in place.
    agent = Owner("systemuser", AGENT)
    reopened = CaseChange(
        record.case_id, "queue", "Update", "v1003", T0 + timedelta(hours=3), 1003, 0, 2, agent
    )
    taken = CaseChange(
        record.case_id, "queue", "Update", "v1001", T0 + timedelta(hours=1), 1001, 0, 1, agent
    )
    record, _ = record.merged(reopened)
    record, _ = record.merged(taken)
    again = CaseRecord.from_json(json.loads(json.dumps(record.to_json())))
    assert [code for code, _, _ in read(again, mappings)] == [
        "received",
        "in_progress",
        "resolved",
        "on_hold",
    ]


def test_a_step_seen_many_times_stays_one_storable_record(
    schema: CaseSchema, mappings: MappingSet
) -> None:
    """The worst case: 50 steps with long services, each seen again and again out of order
    (every mark kept to split it), 100 long keys: still one Table Storage property."""
    long_service = ("Direction de l'espace public et de la voirie — " * 5)[:100]
    record = CaseRecord(uuid.UUID(CASE))
    observations = []
    for n in range(400):
        step, repeat = divmod(n, 8)  # 50 steps of 8 observations each
        observations.append(
            CaseChange(
                record.case_id,
                "queue",
                "Update",
                f"e{uuid.uuid4().hex}:{1772546521000 + n}:Update",
                T0 + timedelta(hours=step, minutes=repeat, microseconds=123456),
                None,
                0,
                (2, 3)[step % 2],
                owner=Owner("team", uuid.UUID(int=step), long_service),
            )
        )
    for found in reversed(observations):  # newest first: each step's later ones come first
        record, _ = record.merged(found)
    assert len(record.entries) == MAX_ENTRIES
    assert sum(len(e.later) for e in record.entries) == MAX_MARKS
    assert all(e.later for e in record.entries)  # every step keeps its last observation
    assert [code for code, _, _ in read(record, mappings)][-2:] == ["on_hold", "waiting_for_you"]
    assert len(json.dumps(record.to_json())) < 32_000

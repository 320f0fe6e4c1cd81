"""The safety net: Dataverse change tracking brings the case changes the queue missed, once;
a change seen both ways is one; the delta token lives in the store; an expired one starts
over. Against the emulator, which serves change tracking as Learn documents it."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.cases import (
    ROW_ANNOTATIONS,
    TRACKING_PARTITION,
    CaseHistory,
    CaseSchema,
    Reconciler,
    change_of_row,
)
from cityzen_connector.dataverse import DataverseClient, Query, WsgiTransport, eq, ops
from cityzen_connector.mapping import MappingSet
from cityzen_connector.store import StateStore
from cityzen_connector.testing import FakeClock
from tests.cases.conftest import Published
from tests.support.transports import CountingTransport
from tests.sync.conftest import make_client, provisioned_app


@pytest.fixture
def client(mappings: MappingSet, clock: FakeClock) -> DataverseClient:
    return make_client(CountingTransport(WsgiTransport(provisioned_app(mappings, clock))), clock)


@pytest.fixture
def reconciler(
    client: DataverseClient, store: StateStore, history: CaseHistory, schema: CaseSchema
) -> Reconciler:
    return Reconciler(client, store, history, schema, page_size=2)


def new_case(client: DataverseClient, origin: int = 1) -> uuid.UUID:
    contact = client.create("contacts", {"lastname": "Martin"}).id
    created = client.create(
        "incidents",
        {
            "title": "Dépôt sauvage",
            "caseorigincode": origin,
            "customerid_contact@odata.bind": f"/contacts({contact})",
        },
    )
    assert created.id is not None
    return created.id


def test_the_first_run_reads_every_case_without_telling_the_portal(
    client: DataverseClient,
    reconciler: Reconciler,
    history: CaseHistory,
    store: StateStore,
    published: Published,
) -> None:
    cases = [new_case(client) for _ in range(5)]
    report = reconciler.run()
    assert (report.baseline, report.rows, report.recorded) == (True, 5, 5)
    assert all(history.get(case) is not None for case in cases)
    assert published() == []  # existing cases are not news
    token = store.get(TRACKING_PARTITION, "incident")
    assert token is not None
    assert "$deltatoken=" in token.value["delta_link"]


def test_a_change_the_queue_missed_arrives_once(
    client: DataverseClient, reconciler: Reconciler, history: CaseHistory, published: Published
) -> None:
    case = new_case(client)
    reconciler.run()
    client.update("incidents", case, {"statuscode": 3})  # the service endpoint's job failed
    report = reconciler.run()
    assert (report.baseline, report.rows, report.recorded) == (False, 1, 1)
    assert [e.data["status"] for e in published()] == ["waiting_for_you"]
    again = reconciler.run()
    assert (again.rows, again.recorded) == (0, 0)
    assert len(published()) == 1


def test_a_new_case_after_the_first_run_is_news(
    client: DataverseClient, reconciler: Reconciler, published: Published
) -> None:
    reconciler.run()
    case = new_case(client, origin=2)
    assert reconciler.run().recorded == 1
    assert [(e.data["case_id"], e.data["status"]) for e in published()] == [(str(case), "received")]


def _row(client: DataverseClient, schema: CaseSchema, case: uuid.UUID) -> dict[str, Any]:
    query = Query("incidents").select(*schema.select()).where(eq("incidentid", case))
    [row] = client.execute(ops.query(query).with_prefer(ROW_ANNOTATIONS)).records
    return row


def test_a_change_seen_by_the_queue_and_by_change_tracking_is_one(
    client: DataverseClient,
    reconciler: Reconciler,
    history: CaseHistory,
    schema: CaseSchema,
    published: Published,
) -> None:
    case = new_case(client)
    reconciler.run()
    client.update("incidents", case, {"statuscode": 2})
    # The service endpoint posted it; its post-image carries the same versionnumber.
    posted = dataclasses.replace(
        change_of_row(_row(client, schema, case), schema), source="queue", message="Update"
    )
    assert history.apply(posted).placement == "current"
    report = reconciler.run()
    assert (report.rows, report.recorded, report.unchanged) == (1, 0, 1)
    assert [e.data["status"] for e in published()] == ["on_hold"]
    record = history.get(case)
    assert record is not None
    assert len(record.entries) == 2


def test_deleted_cases_are_counted_not_recorded(
    client: DataverseClient, reconciler: Reconciler, history: CaseHistory
) -> None:
    case = new_case(client)
    reconciler.run()
    client.delete("incidents", case)
    report = reconciler.run()
    assert (report.deleted, report.recorded) == (1, 0)
    assert history.get(case) is not None  # its history stays until it expires


def test_an_expired_token_starts_over_and_tells_only_what_changed(
    client: DataverseClient,
    reconciler: Reconciler,
    clock: FakeClock,
    published: Published,
) -> None:
    known = new_case(client)
    reconciler.run()
    client.update("incidents", known, {"statuscode": 4})
    clock.advance(timedelta(days=8).total_seconds())  # tokens last 7 days (ExpiredVersionStamp)
    unseen = new_case(client)
    report = reconciler.run()
    assert (report.restarted, report.rows) == (True, 2)
    assert [(e.data["case_id"], e.data["status"]) for e in published()] == [
        (str(known), "in_progress")
    ]
    assert str(unseen) not in str([e.data for e in published()])


def test_full_forgets_the_token(
    client: DataverseClient, reconciler: Reconciler, store: StateStore
) -> None:
    new_case(client)
    reconciler.run()
    reconciler.forget()
    assert store.get(TRACKING_PARTITION, "incident") is None
    assert reconciler.run().baseline is True

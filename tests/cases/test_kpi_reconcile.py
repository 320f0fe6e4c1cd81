"""The stats beside Dataverse's own counts: one FetchXML aggregate over every channel, kept a
few minutes, and a difference flagged when cases never reached the history; figures still
given when Dataverse cannot answer."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import pytest

from cityzen_connector._types import Headers
from cityzen_connector.cases import (
    CASES_PARTITION,
    CaseChange,
    CaseHistory,
    KpiService,
    Owner,
    QueueWebhookOutbox,
)
from cityzen_connector.cases._kpis import StatsQuery
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    HttpRequest,
    HttpResponse,
    RetryPolicy,
    StaticTokenProvider,
)
from tests.cases.kpi_world import TEAMS, reader_of
from tests.support.world import World, make_world


def file_case(world: World, origin: int) -> uuid.UUID:
    account = world.client.create("accounts", {"name": "Association"})
    created = world.client.create(
        "incidents",
        {
            "title": "Demande",
            "caseorigincode": origin,
            "customerid_account@odata.bind": f"/accounts({account.id})",
        },
    )
    assert created.id is not None
    return created.id


def told(world: World, history: CaseHistory, case_id: uuid.UUID, origin: int) -> None:
    at = world.clock()
    history.apply(
        CaseChange(
            case_id=case_id,
            source="queue",
            message="Create",
            key="v1",
            at=at,
            version=1,
            state=0,
            status=1,
            owner=Owner("team", TEAMS["voirie"], "voirie"),
            subject_name="Nid de poule",
            origin=origin,
            created_on=at,
        )
    )


@pytest.fixture
def world() -> World:
    return make_world()


def service_of(world: World) -> tuple[KpiService, CaseHistory]:
    history = CaseHistory(
        world.store,
        QueueWebhookOutbox(world.bus, "webhooks"),
        world.mappings.statuses,
        clock=world.clock,
        retention=timedelta(days=400),
    )
    service = KpiService(
        world.store,
        reader_of(world.mappings),
        clock=world.clock,
        client=world.client,
        cache_seconds=300,
    )
    return service, history


def query(world: World) -> StatsQuery:
    today = world.clock().date()
    return StatsQuery(today - timedelta(days=30), today, "channel", "month")


def fetches(world: World) -> int:
    return sum("fetchXml=" in line for line in world.transport.lines)


def test_cases_dataverse_has_and_the_history_lacks_are_flagged(world: World) -> None:
    service, history = service_of(world)
    told(world, history, file_case(world, 3), 3)
    file_case(world, 1)  # filed by phone; its events never reached us
    found = service.stats(query(world))["reconciliation"]
    assert found["available"] is True
    assert found["store"] == {"total": 1, "by_state": {"active": 1}, "by_channel": {"portal": 1}}
    assert found["dataverse"] == {
        "total": 2,
        "by_state": {"active": 2},
        "by_channel": {"phone": 1, "portal": 1},
    }
    assert (found["differs"], found["missing_from_store"]) == (True, 1)


def test_the_counts_agree_when_every_case_was_told(world: World) -> None:
    service, history = service_of(world)
    for origin in (1, 2):
        told(world, history, file_case(world, origin), origin)
    found = service.stats(query(world))["reconciliation"]
    assert (found["differs"], found["missing_from_store"]) == (False, 0)


def test_dataverse_is_asked_once_per_cache_period(world: World) -> None:
    service, _ = service_of(world)
    for _ in range(3):
        service.stats(query(world))
    assert fetches(world) == 1
    world.clock.sleep(301)
    service.stats(query(world))
    assert fetches(world) == 2


def test_without_dataverse_the_figures_are_still_given(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    service, history = service_of(world)
    told(world, history, uuid.uuid4(), 3)
    world.transport.down = True
    with caplog.at_level(logging.WARNING):
        found = service.stats(query(world))
    assert found["totals"]["received"] == 1
    assert found["reconciliation"]["available"] is False
    assert found["reconciliation"]["dataverse"] is None
    assert "reconciliation unavailable" in caplog.text


class _Replies:
    """A Dataverse that answers every request with one body (hostile replies)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
        headers = Headers({"Content-Type": "application/json; odata.metadata=minimal"})
        return HttpResponse(200, headers, self.body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"value": [{"state": 0, "origin": 3}]}',  # no count
        b'{"value": [{"count": -4, "state": 0}]}',
        b'{"value": [{"count": "12", "state": 0}]}',
        b'{"value": [{"count": true, "state": 0}]}',
        b'{"value": "many"}',
        b"not json",
    ],
)
def test_a_malformed_aggregate_reply_is_no_reconciliation_never_wrong_counts(
    world: World, body: bytes
) -> None:
    client = DataverseClient(
        DataverseConfig("http://127.0.0.1:7072"),
        _Replies(body),
        StaticTokenProvider("t"),
        clock=world.clock,
        retry=RetryPolicy.NO_RETRY,
    )
    service = KpiService(world.store, reader_of(world.mappings), clock=world.clock, client=client)
    found = service.stats(query(world))["reconciliation"]
    assert found["available"] is False
    assert found["dataverse"] is None


def test_an_unreadable_case_record_is_left_out_and_said(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    service, history = service_of(world)
    told(world, history, uuid.uuid4(), 3)
    world.store.put(CASES_PARTITION, "broken", {"case_id": "not-a-guid", "entries": []})
    world.store.put(CASES_PARTITION, "broken-2", {"entries": [{"at": "yesterday"}]})
    with caplog.at_level(logging.WARNING):
        found = service.stats(query(world))
    assert found["totals"]["received"] == 1
    assert "could not be read" in caplog.text

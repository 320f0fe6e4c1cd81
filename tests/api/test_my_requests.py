"""``GET /api/v1/citizens/me/requests`` and the status route's progress: every case of the
citizen's contact whatever the channel, newest first, paged; one Dataverse read per citizen
while cached; and nobody else's, whoever asks and however."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.api import ApiRequest, ApiResponse, Headers
from cityzen_connector.cases import (
    CITIZEN_CONTACTS,
    ROW_ANNOTATIONS,
    CaseHistory,
    CaseSchema,
    MyRequests,
    QueueWebhookOutbox,
    change_of_row,
)
from cityzen_connector.dataverse import DataverseClient, Query, WsgiTransport, eq, ops
from cityzen_connector.mapping import MappingSet, identity_key, load_mappings
from cityzen_connector.messaging import open_bus
from cityzen_connector.store import StateStore, SubmissionStatuses, open_store
from cityzen_connector.testing import FakeClock
from tests.api.test_tokens import token, world_with_tokens
from tests.support.paths import ROOT
from tests.support.schema_check import check_response
from tests.support.tokens import ISSUER
from tests.support.transports import CountingTransport
from tests.support.world import World, make_world, submission
from tests.sync.conftest import make_client, provisioned_app

PEPPER = b"test-pepper"
PORTAL_ISSUER = "https://franceconnect.gouv.fr/api/v2"
PATH = "/v1/citizens/me/requests"


@dataclass
class Town:
    """A provisioned emulator with two citizens' contacts and their cases, and the use case."""

    client: DataverseClient
    transport: CountingTransport
    store: StateStore
    history: CaseHistory
    requests: MyRequests
    schema: CaseSchema
    cases: dict[str, list[uuid.UUID]]
    clock: FakeClock

    def row(self, case: uuid.UUID) -> dict[str, Any]:
        """The case row as change tracking reads it (labels and lookup tables)."""
        query = Query("incidents").select(*self.schema.select()).where(eq("incidentid", case))
        [found] = self.client.execute(ops.query(query).with_prefer(ROW_ANNOTATIONS)).records
        return found

    def event(self, case: uuid.UUID, **changes: Any) -> None:
        """An agent changes the case in Dataverse, and its event reaches the history."""
        if changes:
            self.client.update("incidents", case, changes)
        self.history.apply(change_of_row(self.row(case), self.schema))


MAPPINGS: MappingSet = load_mappings(ROOT / "mappings")


def _contact(client: DataverseClient, issuer: str, sub: str, name: str) -> uuid.UUID:
    key = identity_key(issuer, sub, pepper=PEPPER)
    created = client.create("contacts", {"lastname": name, "cz_identitykey": key})
    assert created.id is not None
    return created.id


def _case(
    client: DataverseClient, contact: uuid.UUID, origin: int, submission: str | None = None
) -> uuid.UUID:
    body: dict[str, Any] = {
        "title": "Lampadaire éteint devant chez Mme Martin",
        "caseorigincode": origin,
        "customerid_contact@odata.bind": f"/contacts({contact})",
    }
    if submission:
        body["cz_submissionid"] = submission
    created = client.create("incidents", body)
    assert created.id is not None
    return created.id


@pytest.fixture
def town() -> Town:
    clock = FakeClock()
    emulator = provisioned_app(MAPPINGS, clock)
    transport = CountingTransport(WsgiTransport(emulator))
    client = make_client(transport, clock)
    store = open_store("memory://", clock=clock)
    outbox = QueueWebhookOutbox(open_bus("memory://", clock=clock), "webhooks")
    history = CaseHistory(
        store, outbox, MAPPINGS.statuses, clock=clock, retention=timedelta(days=400)
    )
    schema = CaseSchema.from_mappings(MAPPINGS)
    marianne = _contact(client, ISSUER, "sub-marianne", "Martin")
    paul = _contact(client, ISSUER, "sub-paul", "Durand")
    cases: dict[str, list[uuid.UUID]] = {"marianne": [], "paul": []}
    for origin, filed in ((3, str(uuid.uuid4())), (1, None), (2, None)):
        cases["marianne"].append(_case(client, marianne, origin, filed))
        clock.advance(3600)
    cases["paul"].append(_case(client, paul, 100000001))
    requests = MyRequests(
        store,
        client,
        schema,
        MAPPINGS.statuses,
        pepper=PEPPER,
        monotonic=clock,
        cache_seconds=60,
        clock=clock,
        retention=timedelta(days=400),
    )
    return Town(client, transport, store, history, requests, schema, cases, clock)


def get(
    world: World,
    *,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    key: bool = True,
) -> ApiResponse:
    request = ApiRequest(
        "GET", PATH, Headers(headers or {}), b"", dict(query or {}), function_key_valid=key
    )
    response = world.api.handle(request)
    check_response("GET", PATH, response)
    return response


def named(sub: str, issuer: str = ISSUER) -> dict[str, str]:
    return {"CityZen-Citizen-Issuer": issuer, "CityZen-Citizen-Sub": sub}


def portal_world(town: Town) -> World:
    return make_world(store=town.store, case_history=town.history, my_requests=town.requests)


def ids(response: ApiResponse) -> list[str]:
    return [item["case_id"] for item in response.json()["items"]]


def test_the_portal_sees_the_named_citizens_requests_from_every_channel(town: Town) -> None:
    town.event(town.cases["marianne"][1], statuscode=3)  # waiting for the citizen
    response = get(portal_world(town), headers=named("sub-marianne"))
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["total"] == 3
    # Newest first: the e-mail case was created last.
    assert ids(response) == [str(c) for c in reversed(town.cases["marianne"])]
    channels = [item["channel"] for item in body["items"]]
    assert channels == ["email", "phone", "portal"]
    phone = body["items"][1]
    assert (phone["status"], phone["label_fr"]) == (
        "waiting_for_you",
        "En attente de votre réponse",
    )
    assert body["items"][0]["status"] == "received"  # untouched since created
    assert body["items"][2]["request_id"] is not None  # filed through us
    assert all(item["ticket_number"].startswith("CAS-") for item in body["items"])


def test_one_dataverse_read_per_citizen_while_cached(town: Town) -> None:
    world = portal_world(town)
    before = town.transport.count
    for _ in range(5):
        assert get(world, headers=named("sub-marianne")).status == 200
    assert town.transport.count - before == 1
    assert town.requests.reads == 1


def test_a_status_change_shows_at_once_from_the_store_even_while_cached(town: Town) -> None:
    world = portal_world(town)
    first = town.cases["marianne"][0]
    town.event(first)
    assert get(world, headers=named("sub-marianne")).json()["items"][2]["status"] == "received"
    town.event(first, statecode=2, statuscode=6)  # cancelled by an agent
    item = get(world, headers=named("sub-marianne")).json()["items"][2]
    assert (item["status"], item["closed"]) == ("cancelled", True)
    assert town.requests.reads == 1


def test_pages_of_the_list(town: Town) -> None:
    world = portal_world(town)
    first = get(world, headers=named("sub-marianne"), query={"page_size": "2"}).json()
    second = get(world, headers=named("sub-marianne"), query={"page": "2", "page_size": "2"})
    assert (first["total"], len(first["items"]), len(second.json()["items"])) == (3, 2, 1)
    assert {i["case_id"] for i in first["items"]}.isdisjoint(ids(second))


@pytest.mark.parametrize(
    ("query", "field", "code"),
    [
        ({"page": "0"}, "page", "greater_than_equal"),
        ({"page": "x"}, "page", "int_parsing"),
        ({"page_size": "101"}, "page_size", "less_than_equal"),
        ({"page_size": "-1"}, "page_size", "int_parsing"),
    ],
)
def test_bad_paging_is_a_422_naming_the_parameter(
    town: Town, query: dict[str, str], field: str, code: str
) -> None:
    response = get(portal_world(town), headers=named("sub-marianne"), query=query)
    assert response.status == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, code)]


def test_the_portal_must_name_a_citizen_well(town: Town) -> None:
    world = portal_world(town)
    missing = get(world)
    assert missing.status == 422
    fields = {e["field"] for e in missing.json()["errors"]}
    assert fields == {"CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"}
    bad = get(world, headers=named("sub marianne", issuer="ftp://x"))
    assert bad.status == 422


def test_a_citizen_unknown_to_dataverse_has_no_requests(town: Town) -> None:
    response = get(portal_world(town), headers=named("sub-nobody"))
    assert (response.status, response.json()["items"], response.json()["total"]) == (200, [], 0)


def test_nobody_sees_another_citizens_requests(town: Town) -> None:
    world, _ = world_with_tokens(
        store=town.store, case_history=town.history, my_requests=town.requests
    )
    mine = get(
        world, headers={"Authorization": f"Bearer {token(world, sub='sub-paul')}"}, key=False
    )
    assert ids(mine) == [str(town.cases["paul"][0])]
    # A citizen may not name anyone, not even themselves.
    naming = get(
        world,
        headers={
            "Authorization": f"Bearer {token(world, sub='sub-paul')}",
            **named("sub-marianne"),
        },
        key=False,
    )
    assert naming.status == 422
    assert {e["code"] for e in naming.json()["errors"]} == {"extra_forbidden"}
    # The same subject at another issuer is another person.
    other = get(
        portal_world(town), headers=named("sub-marianne", issuer="https://other-idp.example")
    )
    assert other.json()["items"] == []
    # Guessing: another citizen's case id is no request of theirs; a query cannot widen the list.
    guessed = world.request(
        "GET",
        f"/v1/requests/{town.cases['marianne'][0]}",
        headers={"Authorization": f"Bearer {token(world, sub='sub-paul')}"},
        key=False,
    )
    assert guessed.status == 404
    widened = get(
        world,
        headers={"Authorization": f"Bearer {token(world, sub='sub-paul')}"},
        query={"contact": str(uuid.uuid4()), "sub": "sub-marianne"},
        key=False,
    )
    assert ids(widened) == [str(town.cases["paul"][0])]


def test_without_credentials_nothing_is_listed(town: Town) -> None:
    world, _ = world_with_tokens(
        store=town.store, case_history=town.history, my_requests=town.requests
    )
    assert get(world, headers=named("sub-marianne"), key=False).status == 401


def test_while_dataverse_is_down_the_store_still_answers_for_a_known_citizen(town: Town) -> None:
    world = portal_world(town)
    for case in town.cases["marianne"]:
        town.event(case)
    assert get(world, headers=named("sub-marianne")).json()["total"] == 3
    town.transport.down = True  # Dataverse unreachable from now on
    town.clock.advance(61)  # and the cached read has expired
    still = get(world, headers=named("sub-marianne"))
    assert (still.status, still.json()["total"]) == (200, 3)
    unknown = get(world, headers=named("sub-newcomer"))
    assert unknown.status == 503
    assert unknown.headers["Retry-After"] == "30"


def test_the_status_route_shows_the_case_progress_and_its_history(town: Town) -> None:
    world = portal_world(town)
    body = submission()
    assert world.post_json(body).status == 202
    case = town.cases["marianne"][0]
    town.client.update("incidents", case, {"cz_submissionid": body["id"]})
    statuses = SubmissionStatuses(town.store, clock=world.clock, retention=timedelta(days=30))
    statuses.mark_created(body["id"], case_id=str(case), ticket_number="CAS-1")
    before = world.request("GET", f"/v1/requests/{body['id']}").json()
    assert (before["citizen_status"], before["case_status"], before["history"]) == (
        "received",
        "Reçue",
        [],
    )
    town.event(case)
    town.event(case, statuscode=3)
    town.client.call_action(
        "CloseIncident",
        {
            "IncidentResolution": {
                "subject": "Lampadaire réparé",
                "incidentid@odata.bind": f"/incidents({case})",
            },
            "Status": 1000,
        },
    )
    town.event(case)  # Dataverse resolves the case: an update of its state, posted
    view = world.request("GET", f"/v1/requests/{body['id']}")
    check_response("GET", "/v1/requests/{id}", view)
    shown = view.json()
    assert shown["citizen_status"] == "resolved"
    assert (shown["label_fr"], shown["label_en"], shown["closed"]) == (
        "Réponse apportée",
        "Answered",
        True,
    )
    assert [h["status"] for h in shown["history"]] == ["received", "waiting_for_you", "resolved"]
    assert shown["updated_at"] == shown["history"][-1]["at"]
    assert "Martin" not in json.dumps(shown)


def test_the_remembered_contact_goes_with_the_retention_period(town: Town) -> None:
    world = portal_world(town)
    assert get(world, headers=named("sub-marianne")).status == 200
    key = identity_key(ISSUER, "sub-marianne", pepper=PEPPER)
    remembered = town.store.get(CITIZEN_CONTACTS, key)
    assert remembered is not None
    assert remembered.value == {"contact_id": remembered.value["contact_id"]}  # nothing else
    town.clock.advance(timedelta(days=401).total_seconds())
    assert town.store.get(CITIZEN_CONTACTS, key) is None

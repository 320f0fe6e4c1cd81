"""The facade as FixMyStreet uses it: its Open311 client (``tests.support.fixmystreet``, written
from mySociety's ``perllib/Open311.pm``) in XML, as a body configured with this endpoint, a
jurisdiction and an api key -- it populates its categories from the services, sends a report,
keeps the id it reads back, fetches the updates of the last hours and posts a citizen's update.
Each test fails where the facade answered something FixMyStreet cannot use."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from cityzen_connector.cases import (
    CaseChange,
    CaseHistory,
    CaseThreads,
    QueueWebhookOutbox,
    ThreadMessage,
)
from cityzen_connector.mapping import load_mappings
from tests.support.fixmystreet import FixMyStreet, in_window, map_state, w3cdtf_parse
from tests.support.open311 import App, open311_world
from tests.support.paths import MAPPINGS
from tests.support.world import make_world

JURISDICTION = "mairie-exemple.fr"
REPLY = "Merci, l'équipe voirie rebouche le trou jeudi."


class Town:
    """The world with case events and conversations, and a FixMyStreet body pointed at it."""

    def __init__(self, **config: Any) -> None:
        seed = make_world()
        outbox = QueueWebhookOutbox(seed.bus, "webhooks")
        keep = timedelta(days=400)
        statuses = load_mappings(MAPPINGS).statuses
        self.history = CaseHistory(seed.store, outbox, statuses, clock=seed.clock, retention=keep)
        self.threads = CaseThreads(
            seed.store, outbox, self.history, clock=seed.clock, retention=keep
        )
        world = make_world(store=seed.store, case_history=self.history, case_threads=self.threads)
        self.app: App = open311_world(world, jurisdiction_id=JURISDICTION, **config)
        self.clock = world.clock
        self.fms = FixMyStreet(self.app, jurisdiction=JURISDICTION)
        self.cases: dict[str, uuid.UUID] = {}

    def worker_files(self, token: str) -> None:
        """The pipeline made the request a case (the case event the connector reads)."""
        case = self.cases.setdefault(token, uuid.uuid4())
        self.history.apply(
            CaseChange(
                case, "queue", "Create", f"{case}:1", self.clock(), 1, 0, 1,
                submission_id=uuid.UUID(token),
            )
        )  # fmt: skip

    def agent_replies(self, request_id: str, text: str, version: int = 2) -> None:
        case = self.cases[request_id]
        self.threads.record(
            ThreadMessage(uuid.uuid4(), case, "to_citizen", self.clock(), version, text)
        )

    def agent_resolves(self, request_id: str) -> None:
        self.agent_sets(request_id, 9, 1, 5)

    def agent_sets(self, request_id: str, version: int, state: int, status: int) -> None:
        case = self.cases[request_id]
        self.history.apply(
            CaseChange(
                case, "queue", "Update", f"{case}:{version}", self.clock(), version, state, status
            )
        )


def _report(**changes: Any) -> dict[str, Any]:
    """What ``_populate_service_request_params`` sends for a report on a pinned map."""
    return {
        "description": "Nid-de-poule\n\nUn trou profond devant l'école.\n\n"
        "https://fms.example.org/report/1234\n",
        "service_code": "voirie.nid_de_poule",
        "first_name": "Camille",
        "last_name": "Martin",
        "email": "camille.martin@example.org",
        "lat": "48.856600",
        "long": "2.352200",
        "media_url": "https://fms.example.org/photo/1234.0.full.jpeg",
        "attribute[taille]": "grand",
        "attribute[danger]": "true",
        **changes,
    }


@pytest.fixture
def town() -> Town:
    return Town()


def test_fixmystreet_populates_its_categories_from_the_services_and_definitions(
    town: Town,
) -> None:
    listed = town.fms.get_service_list()
    assert listed is not None, town.fms.error
    services = {s["service_code"]: s for s in listed["service"]}
    pothole = services["voirie.nid_de_poule"]
    assert pothole["metadata"].lower() == "true"  # PopulateServiceList: lc($metadata) eq 'true'
    assert pothole["service_name"] == "Nid-de-poule et chaussée"
    assert pothole["group"]
    meta = town.fms.get_service_meta_info("voirie.nid_de_poule")
    assert isinstance(meta["attributes"], list)  # else FixMyStreet warns and keeps none
    attributes = {a["code"]: a for a in meta["attributes"]}
    assert attributes["taille"]["variable"] == "true"
    assert attributes["taille"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attributes["taille"]["values"]] == ["petit", "moyen", "grand"]
    assert all(int(a["order"]) >= 1 for a in meta["attributes"])


def test_fixmystreet_keeps_the_id_it_reads_by_following_the_token_without_a_key(
    town: Town,
) -> None:
    # FixMyStreet asks tokens/{token}.xml with no api_key (only a POST carries one): the
    # token itself, unguessable and given only to the app that posted, is what it presents.
    answer = town.fms._xml("POST", "requests.xml", _report())
    token = answer["request"][0]["token"]
    assert town.fms.get_service_request_id_from_token(token) == 0  # not a case yet
    assert town.fms.error == ""  # not a refusal: FixMyStreet polls again
    town.worker_files(token)
    assert town.fms.get_service_request_id_from_token(token) == token


def test_a_report_sent_by_fixmystreet_is_filed_once_with_the_id_it_then_keeps(
    town: Town,
) -> None:
    def worker_runs() -> None:
        [message] = [m for m in town.app.world.queued() if m["schema"].startswith("cityzen.sub")]
        town.worker_files(message["payload"]["id"])

    request_id = town.fms.send_service_request(_report(), on_poll=worker_runs)
    assert request_id != 0, town.fms.error
    submissions = [m for m in town.app.world.queued() if m["schema"].startswith("cityzen.sub")]
    assert [m["payload"]["id"] for m in submissions] == [request_id]
    post = town.fms.calls[0]
    assert post[2]["jurisdiction_id"] == JURISDICTION
    assert all("api_key" not in c[2] for c in town.fms.calls if c[1].startswith("tokens/"))


def test_with_immediate_ids_fixmystreet_reads_the_id_at_once() -> None:
    town = Town(immediate_id=True)
    request_id = town.fms.send_service_request(_report())
    assert isinstance(request_id, str)
    assert uuid.UUID(request_id)
    assert [c[1] for c in town.fms.calls] == ["requests.xml"]  # no polling


def test_several_photos_are_sent_as_media_url_repeated_and_all_reach_the_agent() -> None:
    town = Town(immediate_id=True)
    photos = [f"https://fms.example.org/photo/1234.{n}.full.jpeg" for n in range(3)]
    request_id = town.fms.send_service_request(_report(media_url=photos))
    assert request_id != 0, town.fms.error
    [message] = [m for m in town.app.world.queued() if m["schema"].startswith("cityzen.sub")]
    description = message["payload"]["description"]
    assert all(photo in description for photo in photos)
    [request] = town.app.mine(f"requests/{request_id}").json()
    assert request["media_url"] == photos[0]  # GeoReport's request has one media_url


def test_fixmystreets_own_arguments_are_accepted_and_ignored() -> None:
    # use_service_as_deviceid sends "deviceid" (the spec's "device_id"); account_id when the
    # cobrand has one.
    town = Town(immediate_id=True)
    request_id = town.fms.send_service_request(_report(deviceid="FixMyStreet", account_id="42"))
    assert request_id != 0, town.fms.error


def test_fixmystreet_fetches_the_updates_of_the_last_hours_and_reads_each(town: Town) -> None:
    answer = town.fms._xml("POST", "requests.xml", _report())
    request_id = answer["request"][0]["token"]
    town.worker_files(request_id)
    town.clock.advance(timedelta(minutes=30))
    town.agent_replies(request_id, REPLY)
    town.clock.advance(timedelta(minutes=30))
    town.agent_resolves(request_id)
    town.clock.advance(timedelta(minutes=5))
    # GetServiceRequestUpdates: the last two hours, "now" in UTC, as W3CDTF texts.
    end = town.clock().replace(microsecond=0)
    start = end - timedelta(hours=2)
    updates = town.fms.get_service_request_updates(start, end)
    assert updates is not None, town.fms.error
    kept = [u for u in updates if u.get("update_id") and in_window(u, start, end)]
    assert len(kept) == len(updates) == 3
    assert {u["service_request_id"] for u in kept} == {request_id}
    reply = next(u for u in kept if u["description"] == REPLY)
    assert map_state(reply["status"]) == "confirmed"
    last = kept[-1]
    # Resolved reads "fixed" on every body, not only on those with extended statuses.
    assert map_state(last["status"]) == "fixed - council"
    assert map_state(last["status"], extended_statuses=True) == "fixed - council"
    assert last["external_status_code"] == "resolved"
    assert w3cdtf_parse(last["updated_datetime"]).tzinfo is not None
    # And with a window written with an offset (a body in Paris), the same updates.
    paris = timezone(timedelta(hours=1))
    again = town.fms.get_service_request_updates(start.astimezone(paris), end.astimezone(paris))
    assert again == updates


@pytest.mark.parametrize(
    ("state", "status", "plain", "extended"),
    [
        (0, 4, "in progress", "in progress"),  # Researching: the vocabulary's in_progress
        (0, 2, "confirmed", "confirmed"),  # On Hold: open
        (2, 2000, "duplicate", "duplicate"),  # Merged
        (2, 6, "fixed - council", "closed"),  # Canceled: "closed", as FixMyStreet allows
    ],
)
def test_fixmystreet_reads_each_case_status_as_one_of_its_states(
    town: Town, state: int, status: int, plain: str, extended: str
) -> None:
    answer = town.fms._xml("POST", "requests.xml", _report())
    request_id = answer["request"][0]["token"]
    town.worker_files(request_id)
    town.clock.advance(timedelta(minutes=10))
    town.agent_sets(request_id, 5, state, status)
    end = town.clock().replace(microsecond=0)
    updates = town.fms.get_service_request_updates(end - timedelta(hours=2), end)
    assert updates, town.fms.error
    assert map_state(updates[-1]["status"]) == plain
    assert map_state(updates[-1]["status"], extended_statuses=True) == extended


def test_fixmystreet_posts_a_citizens_update_and_keeps_its_id(town: Town) -> None:
    answer = town.fms._xml("POST", "requests.xml", _report())
    request_id = answer["request"][0]["token"]
    confirmed = datetime(2026, 11, 28, 10, 15, 30, tzinfo=UTC).astimezone(
        timezone(timedelta(hours=1))
    )
    # _populate_service_request_update_params, with the options a body may turn on.
    update = {
        "updated_datetime": confirmed.isoformat(),
        "service_request_id": request_id,
        "status": "OPEN",
        "description": "Le trou s'agrandit.",
        "last_name": "-",
        "first_name": "Camille",
        "email": "camille.martin@example.org",
        "update_id": "98765",
        "service_code": "voirie.nid_de_poule",  # a body's configured service_code
        "media_url": [
            "https://fms.example.org/c/98765.0.full.jpeg",
            "https://fms.example.org/c/98765.1.full.jpeg",
        ],
        "attribute[raison]": "x",
    }
    update_id = town.fms.post_service_request_update(update)
    assert update_id != 0, town.fms.error
    [message] = [m for m in town.app.world.queued() if m["schema"] == "cityzen.case-message/v1"]
    assert message["payload"]["text"].startswith("Le trou s'agrandit.")
    assert "98765.1.full.jpeg" in message["payload"]["text"]
    # Sent again (FixMyStreet retries a comment it could not send): the same id.
    assert town.fms.post_service_request_update(update) == update_id


def test_the_older_status_poll_without_a_key_is_refused_as_documented(town: Town) -> None:
    # Without send_comments, FixMyStreet's GetUpdates polls GET requests by id, keyless; ids
    # are shown on its public pages ("council ref"), so reading requests needs the key.
    answer = town.fms._xml("POST", "requests.xml", _report())
    assert town.fms.get_service_requests([answer["request"][0]["token"]]) is None
    assert town.fms.error.startswith("403: api_key")


def test_a_refusal_reads_as_code_and_description_in_fixmystreets_error_log(town: Town) -> None:
    town.app.keys.revoke(town.app.key.split("_")[1])
    assert town.fms.send_service_request(_report()) == 0
    assert town.fms.error.startswith("403: api_key -- The api_key is missing")
    town.fms.jurisdiction = "another.example"
    assert town.fms.get_service_list() is None
    assert town.fms.error.startswith("404: jurisdiction_id")

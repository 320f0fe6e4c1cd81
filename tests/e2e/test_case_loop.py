"""The whole loop of a case, embedded, over real HTTP on 127.0.0.1: a citizen's request goes in
through the API, the worker files the case, an agent acts on it with ``cityzen emulator case``
(on hold, then resolved with ``CloseIncident``), the emulator's service endpoint posts each
change onto the case-events queue, the case-events trigger records it, and the citizen sees the
same status on the status route, in "my requests" and in the signed webhooks the portal's
receiver verified — in order, once each. A case an agent types in for the same citizen from a
phone call shows in "my requests" too.

The stack is ``test_portal_flow``'s (the repository's ``function_app.py`` on the local Functions
host, the emulator seeded and provisioned) with what ``cityzen run`` adds: the emulator posting
to the embedded queue (``QueueSink``), the case events registered as ``register-events`` does,
and a webhook receiver verifying with the Standard Webhooks package.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from cityzen_connector import app
from cityzen_connector.cli import main
from cityzen_connector.cli._case_events import QueueSink, register_case_events
from cityzen_connector.cli._webhook_receiver import WebhookReceiver, serve_receiver
from cityzen_connector.dataverse import Query, eq
from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorConfig,
    agent_object_id,
    create_app,
    seed,
    serve,
)
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from tests.support.paths import ROOT
from tests.support.webhooks import SECRET
from tests.support.world import submission

from .test_portal_flow import TIMEOUT, Connector

pytestmark = pytest.mark.e2e
DEADLINE_SECONDS = 20.0


@dataclass
class Loop:
    connector: Connector
    emulator_url: str
    received: list[str]  # the receiver's lines: "webhook <id> <type> <time> <data>", refusals

    def webhooks(self, case_id: str) -> list[tuple[str, dict[str, Any]]]:
        """(webhook-id, data) of each event the receiver verified for the case, in order."""
        found = []
        for line in list(self.received):
            parts = line.split(" ", 4)
            if parts[0] == "webhook" and parts[2] == "request.status_changed":
                data = json.loads(parts[4])
                if data["case_id"] == case_id:
                    found.append((parts[1], data))
        return found

    def agent(self, *args: str) -> None:
        """An agent's action, as the line ``cityzen run`` prints (in this process)."""
        assert main(["emulator", "case", "--dataverse-url", self.emulator_url, *args]) == 0


def until(what: Callable[[], Any], message: str) -> Any:
    """Poll ``what`` until it answers something true (the workers poll every 50 ms)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not (answer := what()):
        assert time.monotonic() < deadline, message
        time.sleep(0.05)
    return answer


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loop]:
    data = tmp_path_factory.mktemp("loop")
    queue_url = f"sqlite:///{data / 'queue.db'}"
    events = open_bus(queue_url)  # the emulator's Service Bus: the embedded queue, as in run
    emulator_app = create_app(
        EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0),
        sink=QueueSink(events),
    )
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    received: list[str] = []
    receiver = serve_receiver(WebhookReceiver([SECRET], echo=received.append), "127.0.0.1", 0)
    settings = Settings(
        _env_file=None,
        data_dir=data,
        dataverse_url=emulator.url,
        queue_url=queue_url,
        store_url=f"sqlite:///{data / 'state.db'}",
        blob_url=f"file://{data / 'blobs'}",
        mappings_dir=ROOT / "mappings",
        identity_pepper="e2e-pepper",
        localhost_poll_interval_seconds=0.05,
        webhook_urls=receiver.url,
        webhook_secrets=SECRET,
    )
    client = app.Container(settings).api_client
    mappings = load_mappings(settings.mappings_dir)
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    report = apply_provisioning(
        client, plan, now=time.monotonic, sleep=time.sleep, key_deadline_seconds=30
    )
    assert report.ok, [s.line() for s in report.steps]
    assert "(9 registration(s) made, 0 unchanged)" in register_case_events(settings)
    deps = app.Container(settings)
    previous = app.install(deps)
    config = LocalHostConfig(
        port=0,
        key_file=data / "keys.json",
        state_dir=data / "localhost",
        poll_interval_seconds=0.05,
        stop_timeout_seconds=10,
    )
    environment = pytest.MonkeyPatch()
    # What `cityzen emulator case` reads of the environment: this run's files, not ./.cityzen.
    for name, value in {
        "DATA_DIR": str(data),
        "QUEUE_URL": queue_url,
        "STORE_URL": settings.store_url,
        "DATAVERSE_URL": emulator.url,
    }.items():
        environment.setenv(f"CITYZEN_{name}", value)
    try:
        with LocalHost(ROOT, deps.bus, config) as host:
            connector = Connector(
                host.url,
                host.function_key,
                settings,
                client,
                emulator.url,
                requests.Session(),
                deps.bus,
            )
            yield Loop(connector, emulator.url, received)
    finally:
        environment.undo()
        deps.close()
        app.install(previous)
        sys.modules.pop("function_app", None)
        receiver.stop()
        emulator.stop()
        emulator_app.close()
        events.close()


def test_a_request_resolved_by_an_agent_reads_the_same_everywhere_the_citizen_looks(
    loop: Loop,
) -> None:
    connector = loop.connector
    citizen = {**submission()["citizen"], "sub": uuid.uuid4().hex}
    body = submission(citizen=citizen)
    accepted = connector.call("POST", "/v1/requests", template="/v1/requests", json=body)
    assert accepted.status_code == 202, accepted.text
    created = connector.wait_until_settled(body["id"])
    assert created["status"] == "created", created
    ticket = created["ticket_number"]
    [case] = connector.cases(body["id"])
    case_id = case["incidentid"]
    path = f"/v1/requests/{body['id']}"

    def status() -> dict[str, Any]:
        answer: dict[str, Any] = connector.call("GET", path, template="/v1/requests/{id}").json()
        return answer

    def told(code: str) -> list[tuple[str, dict[str, Any]]]:
        """The webhooks of the case once the one saying ``code`` arrived."""
        found: list[tuple[str, dict[str, Any]]] = until(
            lambda: (w := loop.webhooks(case_id)) and w[-1][1]["status"] == code and w,
            f"no webhook saying {code}: {loop.received}",
        )
        return found

    # The case's Create event: received, before any agent acted.
    told("received")
    loop.agent("hold", ticket)
    until(lambda: status()["citizen_status"] == "on_hold", "the hold never reached the status")
    told("on_hold")
    loop.agent("resolve", ticket, "--resolution", "Nid-de-poule rebouché")
    final = until(
        lambda: (s := status())["citizen_status"] == "resolved" and s,
        "the resolution never reached the status",
    )
    webhooks = told("resolved")

    # The status route: the citizen-facing status, its words, and the history in order.
    assert (final["status"], final["ticket_number"]) == ("created", ticket)
    assert (final["label_fr"], final["label_en"], final["closed"]) == ("Résolue", "Resolved", True)
    assert final["case_status"] == "Résolue"
    history = [(h["status"], h["service"]) for h in final["history"]]
    assert history == [("received", "Voirie"), ("on_hold", "Voirie"), ("resolved", "Voirie")]
    assert final["updated_at"] == final["history"][-1]["at"]

    # "My requests", named by the portal as the citizen it verified: the same status.
    mine = connector.call(
        "GET",
        "/v1/citizens/me/requests",
        template="/v1/citizens/me/requests",
        headers={
            "CityZen-Citizen-Issuer": citizen["issuer"],
            "CityZen-Citizen-Sub": citizen["sub"],
        },
    ).json()
    [item] = mine["items"]
    assert (item["request_id"], item["case_id"], item["ticket_number"]) == (
        body["id"],
        case_id,
        ticket,
    )
    assert (item["status"], item["closed"], item["channel"]) == ("resolved", True, "portal")

    # The portal's receiver: each status once, in order, signed (verified by the package).
    assert [data["status"] for _, data in webhooks] == ["received", "on_hold", "resolved"]
    assert len({webhook_id for webhook_id, _ in webhooks}) == 3
    assert all(data["request_id"] == body["id"] for _, data in webhooks)
    assert webhooks[-1][1] == {
        "request_id": body["id"],
        "case_id": case_id,
        "ticket_number": ticket,
        "status": "resolved",
        "label_fr": "Résolue",
        "label_en": "Resolved",
        "closed": True,
        "updated_at": final["updated_at"].replace("+00:00", "Z"),
        # The citizen's channel for status changes, and language (docs/profile.md).
        "channel": "email",
        "language": "fr",
    }
    assert not [line for line in loop.received if not line.startswith("webhook ")]

    # An agent types in a case for the same citizen from a phone call: it is theirs too.
    contact = connector.client.first(
        Query("incidents").select("_customerid_value").where(eq("incidentid", uuid.UUID(case_id)))
    )
    assert contact is not None
    phone = requests.post(
        f"{loop.emulator_url}{BASE_PATH}incidents",
        json={
            "title": "Appel : lampadaire éteint",
            "caseorigincode": 1,
            "customerid_contact@odata.bind": f"/contacts({contact['_customerid_value']})",
        },
        headers={
            "Authorization": "Bearer agent",
            "CallerObjectId": agent_object_id("agnes.martin"),
        },
        timeout=TIMEOUT,
    )
    assert phone.status_code == 204, phone.text
    phone_id = re.sub(r".*\((.*)\)$", r"\1", phone.headers["OData-EntityId"])
    until(lambda: loop.webhooks(phone_id), "no webhook for the phone case")

    def listed() -> list[dict[str, Any]]:
        page = connector.call(
            "GET",
            "/v1/citizens/me/requests",
            template="/v1/citizens/me/requests",
            headers={
                "CityZen-Citizen-Issuer": citizen["issuer"],
                "CityZen-Citizen-Sub": citizen["sub"],
            },
        ).json()
        items: list[dict[str, Any]] = page["items"]
        return items

    items = until(lambda: len(i := listed()) == 2 and i, "the phone case is not listed")
    by_case = {i["case_id"]: i for i in items}
    assert by_case[phone_id]["request_id"] is None
    assert (by_case[phone_id]["channel"], by_case[phone_id]["status"]) == ("phone", "received")
    assert by_case[case_id]["status"] == "resolved"
    [(_, phoned)] = loop.webhooks(phone_id)
    assert (phoned["request_id"], phoned["status"]) == (None, "received")


def test_nothing_the_loop_moved_was_refused_parked_or_left_behind(loop: Loop) -> None:
    bus = loop.connector.bus
    for queue in ("case-events", "webhooks"):
        assert bus.peek(f"{queue}-rejected") == [], queue
        assert bus.peek(queue, sub_queue="deadletter") == [], queue
        assert bus.peek(queue) == [], queue  # every event consumed

"""The whole connector over real HTTP on 127.0.0.1, in one process: the repository's own
``function_app.py`` on the local Functions host (HTTP API, queue worker, timers), the emulator
as Dataverse (seeded, provisioned), the embedded SQLite queue and store, file blobs.

A submission goes in through ``POST /api/v1/requests`` and comes out as a case with a ticket
number in Dataverse, read back through ``GET /api/v1/requests/{id}``. Every response is checked
against the OpenAPI document the API serves.
"""

from __future__ import annotations

import logging
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from cityzen_connector import app
from cityzen_connector.api import ApiResponse, openapi_document
from cityzen_connector.dataverse import DataverseClient, Query, eq
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import MessageBus, OutgoingMessage
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from tests.support.paths import ROOT
from tests.support.schema_check import check_response
from tests.support.world import JPEG, multipart, submission, upload

pytestmark = pytest.mark.e2e
TIMEOUT = 10
DEADLINE_SECONDS = 30.0


@dataclass
class Connector:
    url: str
    key: str
    settings: Settings
    client: DataverseClient
    emulator_url: str
    http: requests.Session
    bus: MessageBus

    def call(self, method: str, path: str, *, template: str, **kwargs: Any) -> requests.Response:
        headers = {"x-functions-key": self.key, **kwargs.pop("headers", {})}
        response = self.http.request(
            method, f"{self.url}/api{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )
        check_response(
            method,
            template,
            ApiResponse(response.status_code, response.content, dict(response.headers)),
        )
        return response

    def wait_until_settled(self, submission_id: str) -> dict[str, Any]:
        """Poll the status until it is known and no longer ``queued`` (bounded: the worker polls
        every 50 ms). A message put on the queue directly is unknown (404) until processed."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        path = f"/v1/requests/{submission_id}"
        while True:
            response = self.call("GET", path, template="/v1/requests/{id}")
            body: dict[str, Any] = response.json()
            settled = response.status_code == 200 and body["status"] != "queued"
            if settled or time.monotonic() > deadline:
                assert response.status_code == 200, response.text
                return body
            time.sleep(0.05)

    def cases(self, submission_id: str) -> list[dict[str, Any]]:
        query = (
            Query("incidents")
            .select("incidentid", "title", "ticketnumber")
            .where(eq("cz_submissionid", submission_id))
        )
        return list(self.client.query(query))


@pytest.fixture(scope="module")
def connector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connector]:
    data = tmp_path_factory.mktemp("connector")
    emulator_app = create_app(
        EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0)
    )
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    settings = Settings(
        data_dir=data,
        dataverse_url=emulator.url,
        queue_url=f"sqlite:///{data / 'queue.db'}",
        store_url=f"sqlite:///{data / 'state.db'}",
        blob_url=f"file://{data / 'blobs'}",
        mappings_dir=ROOT / "mappings",
        identity_pepper="e2e-pepper",
        localhost_poll_interval_seconds=0.05,
    )
    client = app.Container(settings).api_client
    mappings = load_mappings(settings.mappings_dir)
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    report = apply_provisioning(
        client,
        plan,
        now=time.monotonic,
        sleep=time.sleep,
        key_deadline_seconds=30,
        create_catalog=True,
    )
    assert report.ok, [s.line() for s in report.steps]
    deps = app.Container(settings)
    previous = app.install(deps)
    config = LocalHostConfig(
        port=0,
        key_file=data / "keys.json",
        state_dir=data / "localhost",
        poll_interval_seconds=0.05,
        stop_timeout_seconds=10,
    )
    try:
        with LocalHost(ROOT, deps.bus, config) as host:
            yield Connector(
                host.url,
                host.function_key,
                settings,
                client,
                emulator.url,
                requests.Session(),
                deps.bus,
            )
    finally:
        deps.close()
        app.install(previous)
        sys.modules.pop("function_app", None)
        emulator.stop()
        emulator_app.close()


def test_the_served_openapi_document_is_the_one_responses_are_checked_against(
    connector: Connector,
) -> None:
    response = connector.http.get(f"{connector.url}/api/v1/openapi.json", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == openapi_document(app.Container(connector.settings).api_contract)


def test_a_json_submission_becomes_a_case_with_its_ticket_number(connector: Connector) -> None:
    body = submission()
    response = connector.call("POST", "/v1/requests", template="/v1/requests", json=body)
    assert response.status_code == 202, response.text
    assert response.json() == {"id": body["id"], "status": "queued"}
    assert response.headers["Location"] == f"/api/v1/requests/{body['id']}"
    settled = connector.wait_until_settled(body["id"])
    assert settled["status"] == "created", settled
    [case] = connector.cases(body["id"])
    assert settled["ticket_number"] == case["ticketnumber"]
    assert case["title"] == body["subject"]


def test_a_multipart_submission_with_a_photo_becomes_a_case_with_its_note(
    connector: Connector,
) -> None:
    body = submission()
    payload, content_type = multipart(body, [("trou.jpg", JPEG)])
    response = connector.call(
        "POST",
        "/v1/requests",
        template="/v1/requests",
        data=payload,
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 202, response.text
    assert connector.wait_until_settled(body["id"])["status"] == "created"
    [case] = connector.cases(body["id"])
    notes = list(
        connector.client.query(
            Query("annotations")
            .select("filename", "mimetype")
            .where(eq("_objectid_value", uuid.UUID(case["incidentid"])))
        )
    )
    assert [(n["filename"], n["mimetype"]) for n in notes] == [("trou.jpg", "image/jpeg")]


def test_a_resubmission_is_answered_the_same_and_a_different_body_is_a_409(
    connector: Connector,
) -> None:
    body = submission(attachments=[upload(JPEG)])
    first = connector.call("POST", "/v1/requests", template="/v1/requests", json=body)
    again = connector.call("POST", "/v1/requests", template="/v1/requests", json=body)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    changed = connector.call(
        "POST", "/v1/requests", template="/v1/requests", json={**body, "subject": "Autre chose"}
    )
    assert changed.status_code == 409
    assert changed.headers["Content-Type"].startswith("application/problem+json")
    assert changed.json()["code"] == "idempotency_conflict"
    assert connector.wait_until_settled(body["id"])["status"] == "created"
    assert len(connector.cases(body["id"])) == 1  # one case, however often it was sent


def test_a_poison_submission_ends_failed_with_a_reason_and_writes_nothing(
    connector: Connector,
) -> None:
    # The collectivité deleted the team the routing names: every attempt would fail the same
    # way, so the pipeline rejects the submission with a reason an administrator can act on.
    team = connector.client.first(Query("teams").select("teamid").where(eq("name", "Déchets")))
    assert team is not None
    removed = requests.delete(
        f"{connector.emulator_url}/api/data/v9.2/teams({team['teamid']})",
        headers={"Authorization": "Bearer e2e"},
        timeout=TIMEOUT,
    )
    assert removed.status_code == 204, removed.text
    body = submission(theme="dechets", sub_theme="collecte", fields={})
    response = connector.call("POST", "/v1/requests", template="/v1/requests", json=body)
    assert response.status_code == 202, response.text
    settled = connector.wait_until_settled(body["id"])
    assert settled["status"] == "failed", settled
    assert "Déchets" in settled["reason"]
    assert connector.cases(body["id"]) == []


def test_unknown_and_foreign_ids_are_404_problems(connector: Connector) -> None:
    response = connector.call("GET", f"/v1/requests/{uuid.uuid4()}", template="/v1/requests/{id}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    keyless = connector.http.get(f"{connector.url}/api/v1/requests/{uuid.uuid4()}", timeout=TIMEOUT)
    assert keyless.status_code == 401  # the host refuses a function route without its key


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe not json",
        b"[]",
        b'{"schema": "cityzen.submission", "version": 99}',
        b"{" * 5000,
        b'{"big": "' + b"a" * 200_000 + b'"}',
    ],
)
def test_hostile_messages_on_the_queue_are_rejected_with_a_reason_never_retried_forever(
    connector: Connector, body: bytes
) -> None:
    # Whatever lands on the queue (a buggy sender, a replay of something old): the trigger
    # rejects it with a stable reason, the citizen sees ``failed``, and it is parked.
    submission_id = str(uuid.uuid4())
    connector.bus.send(
        "submissions",
        [
            OutgoingMessage(
                body=body, message_id=f"hostile-{submission_id}", correlation_id=submission_id
            )
        ],
    )
    settled = connector.wait_until_settled(submission_id)
    assert settled["status"] == "failed", settled
    assert settled["reason"].startswith("invalid message: ")
    assert body.decode(errors="replace")[:20] not in settled["reason"]  # never quoted
    parked = [m.message_id for m in connector.bus.peek("submissions-rejected", max_messages=100)]
    assert f"hostile-{submission_id}" in parked


def test_the_logs_of_a_whole_flow_hold_no_personal_data(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    # RGPD: every log line of the HTTP API, the host, the queue worker and the Dataverse client,
    # at DEBUG, through an accepted request, a refused one and a rejected one.
    caplog.set_level(logging.DEBUG)
    # A first-time citizen (a family name no earlier test used): the new-contact path runs the
    # look-alike query, whose $filter carries names, birthdate and e-mail.
    unique = "".join(chr(ord("A") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])
    citizen = {
        **submission()["citizen"],
        "family_name": f"DUBOIS-{unique}",
        "sub": uuid.uuid4().hex,
    }
    accepted = submission(citizen=citizen)
    assert connector.call("POST", "/v1/requests", template="/v1/requests", json=accepted).ok
    assert connector.wait_until_settled(accepted["id"])["status"] == "created"
    invalid = submission(citizen={**citizen, "email": "Angela.Dubois@@Example.fr"})
    refused = connector.call("POST", "/v1/requests", template="/v1/requests", json=invalid)
    assert refused.status_code == 422
    # A form value that names the citizen's plate: refused, never echoed.
    plated = submission(theme="stationnement", sub_theme="genant", fields={"immatriculation": 7})
    assert (
        connector.call("POST", "/v1/requests", template="/v1/requests", json=plated).status_code
        == 422
    )
    logged = caplog.text
    # The flow did log, down to the client's and urllib3's request lines.
    assert "completed" in logged
    assert "dataverse POST" in logged
    assert "/api/data/v9.2/contacts?" in logged
    location = accepted["location"]
    secrets = [
        citizen["given_name"],
        citizen["family_name"],
        citizen["email"],
        citizen["email"].lower(),
        citizen["birthdate"],
        citizen["sub"],
        citizen["phone"],
        "+33612345678",
        location["label"],
        location["street"],
        connector.key,
        "e2e-pepper",
        "Angela.Dubois@@Example.fr",
    ]
    leaked = [value for value in secrets if value in logged]
    assert leaked == []

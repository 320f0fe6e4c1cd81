"""The served OpenAPI document and the server agree: schemathesis, property-based, against the
repository's ``function_app.py`` on the real local Functions host (127.0.0.1, port 0), with the
embedded SQLite queue and store, file blobs, the emulator as Dataverse and the embedded geocoder
(its sample of a fictional metropolis, served on 127.0.0.1) behind address help.

Every check schemathesis ships runs on every case (status codes, content types, headers and
bodies against the document; schema-valid data accepted, schema-invalid data refused, methods
the document does not list refused with ``Allow``, authentication enforced...), on cases it
derives from the document: its examples, its coverage phase (boundaries, each missing or
mistyped parameter, undocumented methods) and a fixed-seed fuzzing phase (``derandomize``), so
a run is the same every time. The document it reads is built before the host starts, from the
same inputs the deployment uses (auth mode, catalogue, attachment limit, queues); the first test
proves the host serves exactly that one.

The ops routes are fuzzed too, with a valid ops token signed by the local key (local mode), over
queues holding failed messages and a small real agents reconciler, so that their 200 answers
are checked against the document as well; schemathesis's auth check then sends each of them
without the token and with a wrong one, and they must refuse (401/403). Each operation gets the
credential its security scheme names, and only that one: a bearer token sent to a function-key
route would be a credential the document does not declare there, and schemathesis would then
skip its auth check.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from cityzen_connector import app
from cityzen_connector.api import openapi_document
from cityzen_connector.app._identity import mint_local_ops_token
from cityzen_connector.cli._feeds import serve_samples
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import OutgoingMessage
from cityzen_connector.settings import Settings
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from cityzen_connector.sync.pipeline import rejected_queue
from tests.support.geocoder import served_geocoder
from tests.support.ops import Directory, SmallReconciler, dead_letter
from tests.support.paths import ROOT
from tests.support.world import HEIC, JPEG, PDF, PNG, WEBP, submission

pytestmark = pytest.mark.e2e
TIMEOUT = 10
# Fuzzing cases per operation; the examples and coverage phases add their own (about 1,600 in
# all: boundaries, each parameter missing or mistyped, undocumented methods), about 13 s here.
EXAMPLES = 25

# The deployment's contract as the container derives it (settings and mappings only).
CONTRACT = app.Container(Settings(mappings_dir=ROOT / "mappings")).api_contract
schema = schemathesis.openapi.from_dict(openapi_document(CONTRACT))
# What JSON Schema cannot say about a multipart file: its bytes must prove one of the types its
# part's encoding lists. These are the smallest files each sniffer accepts.
schemathesis.openapi.format("binary", st.sampled_from([JPEG, PNG, PDF, WEBP, HEIC]))
load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())


def breaks_a_rule_stated_in_words(case: Any) -> bool:
    """Rules that the document states in words, JSON Schema having no form schemathesis can
    generate from (an if/then per certified claim; a header against a body member or against
    the server's state); the models', the intake's and the ops tests cover them, and such
    cases are not sent:
    - a citizen listing a certified claim without its value;
    - a body ``id`` together with an ``Idempotency-Key`` header (they must name the same id);
    - an ``If-Match`` on the agents' apply that is not the current plan's ETag (a 412 by
      design: tests/api/test_ops_agents.py)."""
    if_match = {k.lower(): v for k, v in (case.headers or {}).items()}.get("if-match")
    if case.operation.path == "/api/v1/ops/agents/apply" and if_match not in (None, "*"):
        return True
    body = case.body
    document = body.get("submission", body) if isinstance(body, dict) else None
    if not isinstance(document, dict):
        return False
    headers = {name.lower() for name in (case.headers or {})}
    if document.get("id") is not None and "idempotency-key" in headers:
        return True
    citizen = document.get("citizen")
    if not isinstance(citizen, dict) or not isinstance(citizen.get("certified"), list):
        return False
    return any(isinstance(n, str) and citizen.get(n) is None for n in citizen["certified"])


@dataclass
class Served:
    url: str
    key: str
    http: requests.Session
    ops_token: str

    def credentials(self, case: Any) -> dict[str, str]:
        """The credential the operation's security scheme names."""
        if case.operation.path.startswith("/api/v1/ops/"):
            return {"Authorization": f"Bearer {self.ops_token}"}
        return {"x-functions-key": self.key}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp("contract")
    emulator_app = create_app(
        EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0)
    )
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    geocoder = served_geocoder()
    geocoder_url = geocoder.__enter__()
    # The news and agenda routes answer real items: the sample feeds, served and refreshed.
    samples = serve_samples(ROOT / "samples" / "feeds", port=0)
    configured = Settings(
        data_dir=data,
        dataverse_url=emulator.url,
        queue_url=f"sqlite:///{data / 'queue.db'}",
        store_url=f"sqlite:///{data / 'state.db'}",
        blob_url=f"file://{data / 'blobs'}",
        mappings_dir=ROOT / "mappings",
        identity_pepper="contract-pepper",
        localhost_poll_interval_seconds=0.05,
        geocoder_url=geocoder_url,
        feeds_news_urls=f"{samples.url}/actualites.xml,{samples.url}/travaux.atom",
        feeds_agenda_urls=f"{samples.url}/agenda.xml,{samples.url}/agenda-mediatheque.rdf",
    )
    agents = SmallReconciler(Directory(wanted={"voirie": {"agent-1@ville-exemple.fr"}}))
    deps = app.Container(configured, agents=agents)
    assert app.refresh_feeds(deps).counts["updated"] == 4
    # Failed messages for the ops listing and replays: a dead letter (no trigger reads the
    # case-events queue here) and a rejected submission.
    dead_letter(deps.bus, "case-events", b"{}", "event-dead", "MaxDeliveryCountExceeded")
    rejected = OutgoingMessage(body=b"{}", message_id="rejected-1")
    deps.bus.send(rejected_queue("submissions"), [rejected])
    ops_token = mint_local_ops_token(configured, now=time.time())
    mappings = load_mappings(configured.mappings_dir)
    plan = plan_provisioning(deps.api_client, mappings.schema(), mappings.catalog)
    report = apply_provisioning(
        deps.api_client,
        plan,
        now=time.monotonic,
        sleep=time.sleep,
        key_deadline_seconds=30,
        create_catalog=True,
    )
    assert report.ok, [step.line() for step in report.steps]
    previous = app.install(deps)
    config = LocalHostConfig(
        port=0,
        key_file=data / "keys.json",
        state_dir=data / "localhost",
        poll_interval_seconds=0.05,
        stop_timeout_seconds=10,
    )
    try:
        with LocalHost(ROOT, deps.bus, config) as host, requests.Session() as http:
            yield Served(host.url, host.function_key, http, ops_token)
    finally:
        deps.close()
        app.install(previous)
        sys.modules.pop("function_app", None)
        geocoder.__exit__(None, None, None)
        emulator.stop()
        emulator_app.close()
        samples.stop()


def test_the_host_serves_the_document_the_run_reads(served: Served) -> None:
    response = served.http.get(f"{served.url}/api/v1/openapi.json", timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json() == openapi_document(CONTRACT)


def test_on_the_host_a_function_key_never_opens_an_ops_route_and_the_token_does(
    served: Served,
) -> None:
    url = f"{served.url}/api/v1/ops/queues"
    keyed = served.http.get(url, headers={"x-functions-key": served.key}, timeout=TIMEOUT)
    assert keyed.status_code == 401
    assert keyed.headers["Content-Type"] == "application/problem+json"
    bearer = {"Authorization": f"Bearer {served.ops_token}"}
    assert served.http.get(url, headers=bearer, timeout=TIMEOUT).status_code == 200


def test_an_empty_idempotency_key_reaches_the_api_and_is_refused(served: Served) -> None:
    # The local host used to drop empty header fields, so the request passed as keyless.
    response = served.http.post(
        f"{served.url}/api/v1/requests",
        json={k: v for k, v in submission().items() if k != "id"},
        headers={"x-functions-key": served.key, "Idempotency-Key": ""},
        timeout=TIMEOUT,
    )
    assert response.status_code == 422
    fields = {error["field"]: error["code"] for error in response.json()["errors"]}
    assert fields["Idempotency-Key"] == "invalid_key"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_keeps_to_the_document(case: Any, served: Served) -> None:
    if breaks_a_rule_stated_in_words(case):
        return
    case.call_and_validate(
        base_url=served.url,
        session=served.http,
        headers=served.credentials(case),
        checks=ALL_CHECKS,
        timeout=TIMEOUT,
    )

"""An Open311 client app end to end, embedded, over real HTTP on 127.0.0.1 (``test_case_loop``'s
stack: the repository's ``function_app.py`` on the local Functions host, the worker, the
emulator posting case events): the app posts a request form-encoded with its api key; the
worker files it as a case from the Open311 channel; an agent replies (publicly, and an internal
note) and resolves it with ``cityzen emulator case``; the app then reads the request ``closed``
and, in its updates, the agent's public reply and the resolution -- never the internal note.
A citizen's update on the closed request is refused as the portal refuses a message."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from cityzen_connector import app
from cityzen_connector.dataverse import Query, eq
from tests.support.open311 import POTHOLE

from . import test_case_loop
from .test_case_loop import Loop, until

pytestmark = pytest.mark.e2e
loop = test_case_loop.loop  # the case loop's stack, as this module's fixture

REPLY = "Merci, l'équipe voirie rebouche le trou jeudi."
INTERNAL = "Ticket voirie 2291, voir budget"
TIMEOUT = 10


def test_an_open311_request_becomes_a_case_and_the_app_sees_it_closed_with_updates(
    loop: Loop,
) -> None:
    connector = loop.connector
    key, _ = app.Container(connector.settings).open311_keys.issue("FixMyStreet")
    base = f"{connector.url}/api/open311/v2"
    http = requests.Session()

    def get(path: str, **query: str) -> Any:
        answer = http.get(f"{base}/{path}", params={"api_key": key, **query}, timeout=TIMEOUT)
        assert answer.status_code == 200, answer.text
        return answer.json()

    services = http.get(f"{base}/services.json", timeout=TIMEOUT).json()
    assert "voirie.nid_de_poule" in [s["service_code"] for s in services]
    posted = http.post(f"{base}/requests.json", data={**POTHOLE, "api_key": key}, timeout=TIMEOUT)
    assert posted.status_code == 200, posted.text
    token = posted.json()[0]["token"]

    # The token names the request; its id comes once the worker filed the case.
    [view] = until(
        lambda: [v for v in get(f"tokens/{token}.json") if v["service_request_id"]],
        "the request never became a case",
    )
    request_id = view["service_request_id"]
    created = connector.wait_until_settled(request_id)
    query = (
        Query("incidents")
        .select("incidentid", "caseorigincode", "title")
        .where(eq("cz_submissionid", request_id))
    )
    [case] = connector.client.query(query)
    assert case["caseorigincode"] == 100000002  # the Open311 channel (mappings/incident.toml)
    assert case["title"] == "Nid-de-poule et chaussée"

    ticket = created["ticket_number"]
    loop.agent("reply", ticket, "--text", INTERNAL, "--internal")
    loop.agent("reply", ticket, "--text", REPLY)
    loop.agent("resolve", ticket, "--resolution", "Nid-de-poule rebouché")
    [closed] = until(
        lambda: [r for r in get(f"requests/{request_id}.json") if r["status"] == "closed"],
        "the app never saw the request closed",
    )
    assert closed["agency_responsible"] == "Voirie"
    updates = until(
        lambda: (
            (found := get("servicerequestupdates.json"))
            and found[-1]["status"] == "fixed"  # mySociety's state for a resolved case
            and any(u["description"] == REPLY for u in found)
            and found
        ),
        "the app never saw the reply and the resolution as updates",
    )
    assert {u["service_request_id"] for u in updates} == {request_id}
    assert updates[-1]["external_status_code"] == "resolved"
    assert INTERNAL not in str(updates)
    xml = http.get(f"{base}/requests/{request_id}.xml", params={"api_key": key}, timeout=TIMEOUT)
    assert b"<status>closed</status>" in xml.content

    refused = http.post(
        f"{base}/servicerequestupdates.json",
        data={
            "api_key": key,
            "service_request_id": request_id,
            "update_id": "fms-1",
            "description": "Toujours là !",
        },
        timeout=TIMEOUT,
    )
    assert refused.status_code == 409
    assert refused.json()[0]["code"] == 409

"""The conversation end to end, embedded, over real HTTP on 127.0.0.1 (``test_case_loop``'s
stack): a citizen files a request; the agent asks for details ("waiting for you") and writes to
the citizen; the portal is told (``request.message_created``, verified) and reads the message;
the citizen answers, which reaches the case's timeline and moves it back to "in progress"; the
agent answers and resolves, and the closed request takes no more messages. The thread the API
gives is the one the emulator's timeline query gives (``activitypointers`` regarding the case);
an agent's internal note never appears in it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from cityzen_connector.emulator import BASE_PATH
from tests.support.world import submission

from . import test_case_loop
from .test_case_loop import Loop, until

pytestmark = pytest.mark.e2e
loop = test_case_loop.loop  # the case loop's stack, as this module's fixture

ASK = "Pouvez-vous envoyer une photo du nid-de-poule ?"
ANSWER = "Le trou fait environ 40 cm, devant le n° 12 ; photo envoyée par courrier."
THANKS = "Merci, l'équipe voirie intervient jeudi."
INTERNAL = "Voir avec la voirie si budget disponible"


def _messages_told(loop: Loop, case_id: str) -> list[dict[str, Any]]:
    found = []
    for line in list(loop.received):
        parts = line.split(" ", 4)
        if parts[0] == "webhook" and parts[2] == "request.message_created":
            data = json.loads(parts[4])
            if data["case_id"] == case_id:
                found.append(data)
    return found


def _rows(loop: Loop, query: str) -> list[dict[str, Any]]:
    url = loop.emulator_url.rstrip("/") + BASE_PATH + query
    headers = {"Authorization": "Bearer t", "Accept": "application/json"}
    answer = requests.get(url, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["value"]
    return rows


def _etag(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k.startswith("@") or k == "annotationid"}


def _timeline(loop: Loop, case_id: str) -> list[dict[str, Any]]:
    """The emulator's timeline query: every activity regarding the case, oldest first."""
    url = loop.emulator_url.rstrip("/") + BASE_PATH + "activitypointers"
    query = (
        "?$select=activitytypecode,description,createdon,versionnumber"
        f"&$filter=_regardingobjectid_value eq {case_id}"
        "&$orderby=createdon asc,versionnumber asc"
    )
    headers = {"Authorization": "Bearer t", "Accept": "application/json"}
    answer = requests.get(url + query, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["value"]
    return rows


PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4  # a JPEG's signature


def test_agent_asks_citizen_answers_agent_replies_and_resolves(loop: Loop, tmp_path: Path) -> None:
    connector = loop.connector
    citizen = {**submission()["citizen"], "sub": uuid.uuid4().hex}
    body = submission(citizen=citizen)
    assert connector.call("POST", "/v1/requests", template="/v1/requests", json=body).ok
    created = connector.wait_until_settled(body["id"])
    ticket = created["ticket_number"]
    [case] = connector.cases(body["id"])
    case_id = case["incidentid"]
    named = {"CityZen-Citizen-Issuer": citizen["issuer"], "CityZen-Citizen-Sub": citizen["sub"]}
    path = f"/v1/requests/{body['id']}/messages"
    template = "/v1/requests/{id}/messages"

    def thread() -> list[dict[str, Any]]:
        answer = connector.call("GET", path, template=template, headers=named)
        assert answer.status_code == 200, answer.text
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    def citizen_status() -> str:
        status = connector.call("GET", f"/v1/requests/{body['id']}", template="/v1/requests/{id}")
        return str(status.json()["citizen_status"])

    loop.agent("status", ticket, "waiting-for-details")
    loop.agent("reply", ticket, "--text", INTERNAL, "--internal")
    loop.agent("reply", ticket, "--text", ASK)
    until(lambda: citizen_status() == "waiting_for_you", "never waiting for the citizen")
    [told] = until(lambda: _messages_told(loop, case_id), "the portal was never told")
    assert told["direction"] == "to_citizen"
    assert "text" not in told
    until(lambda: [m["text"] for m in thread()] == [ASK], "the agent's message never arrived")

    # The citizen answers with a photo (multipart: a JSON part "message" and the file).
    parts = {
        "message": (None, json.dumps({"text": ANSWER}), "application/json"),
        "attachments": ("trou.jpg", PHOTO, "image/jpeg"),
    }
    posted = connector.call("POST", path, template=template, headers=named, files=parts)
    assert posted.status_code == 202, posted.text
    until(
        lambda: ANSWER in [r.get("description") for r in _timeline(loop, case_id)],
        "the citizen's answer never reached the case's timeline",
    )
    until(lambda: citizen_status() == "in_progress", "the answer did not move the case back")
    message_id = posted.json()["message_id"]
    [row] = _rows(
        loop, f"cz_casemessages?$select=activityid&$filter=cz_messageid eq '{message_id}'"
    )
    notes = _rows(
        loop,
        f"annotations?$select=filename,mimetype&$filter=_objectid_value eq {row['activityid']}",
    )
    assert notes == [{"filename": "trou.jpg", "mimetype": "image/jpeg", **_etag(notes[0])}]

    photo = tmp_path / "plan d'intervention.txt"  # a misleading name: the bytes say JPEG
    photo.write_bytes(PHOTO)
    loop.agent("reply", ticket, "--text", THANKS, "--attach", str(photo))
    until(lambda: len(thread()) == 3, "the agent's second message never arrived")
    last = thread()[-1]
    assert last["attachments"] == [
        {"name": "plan d'intervention.txt", "type": "image/jpeg", "size": len(PHOTO)}
    ]
    file = connector.http.get(
        f"{connector.url}/api{path}/{last['id']}/attachments/0",
        headers={"x-functions-key": connector.key, **named},
        timeout=10,
    )
    assert file.status_code == 200
    assert file.content == PHOTO
    assert file.headers["Content-Type"] == "image/jpeg"
    assert file.headers["Content-Disposition"].startswith("attachment;")
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    stranger = {**named, "CityZen-Citizen-Sub": "someone-else"}
    refused = connector.http.get(
        f"{connector.url}/api{path}/{last['id']}/attachments/0",
        headers={"x-functions-key": connector.key, **stranger},
        timeout=10,
    )
    assert refused.status_code == 404
    loop.agent("resolve", ticket, "--resolution", "Nid-de-poule rebouché")
    until(lambda: citizen_status() == "resolved", "the resolution never reached the status")

    shown = thread()
    assert [(m["direction"], m["text"], len(m["attachments"])) for m in shown] == [
        ("to_citizen", ASK, 0),
        ("from_citizen", ANSWER, 1),
        ("to_citizen", THANKS, 1),
    ]
    timeline = [
        r["description"]
        for r in _timeline(loop, case_id)
        if r["activitytypecode"] == "cz_casemessage"
    ]
    assert timeline == [m["text"] for m in shown]  # the same thread, in the same order
    assert INTERNAL not in json.dumps(shown, ensure_ascii=False)
    assert INTERNAL not in " ".join(loop.received)
    closed = connector.call("POST", path, template=template, headers=named, json={"text": "Et ?"})
    assert closed.status_code == 409
    assert closed.json()["code"] == "request_closed"

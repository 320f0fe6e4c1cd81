"""The desk API over real HTTP on 127.0.0.1, against the emulator: an agent signed in (a local
ops token naming a seeded agent) lists cases, reads one with its conversation, asks for
details, replies with a photo, resolves — each action made in Dataverse as that agent — and
whatever is missing, malformed, oversized or hostile gets a problem+json with a stable code."""

from __future__ import annotations

import io
import logging
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from cityzen_connector import app
from cityzen_connector.app import ConfigurationError
from cityzen_connector.app import _identity as configured
from cityzen_connector.emulator import agent_id, agent_object_id
from cityzen_connector.identity import LOCAL_OPS_AUDIENCE, LOCAL_OPS_TENANT_ID, entra_style_claims
from cityzen_connector.settings import Settings

from .conftest import Desk, problem_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SECRET_TEXT = "Pouvez-vous préciser le numéro de la rue ?"
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BROKEN = {"Content-Type": "multipart/form-data; boundary=x"}
MESSAGE = {"message": (None, '{"text": "a"}')}
SCRIPT = ("a.png", b"#!/bin/sh\nrm -rf /", "image/png")  # the bytes say otherwise
INVALID, MALFORMED = "validation_failed", "malformed_request"
MEDIA, FILE_TYPE = "unsupported_media_type", "unsupported_file_type"


# -- the agent's path ---------------------------------------------------------------------------
def test_the_list_shows_ticket_title_status_and_sub_theme_never_the_citizen(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    listed = desk.call("GET", "/cases")
    assert listed.status_code == 200, listed.text
    assert listed.headers["Cache-Control"] == "no-store"
    [row] = [r for r in listed.json()["items"] if r["ticket"] == ticket]
    assert row["title"] == "Dépôt sauvage rue des Lilas"
    # The connector's words (mappings/status.toml), in French and English, beside Dataverse's.
    assert row["status"] == {
        "code": "in_progress",
        "label_fr": "En cours de traitement",
        "label_en": "In progress",
        "closed": False,
        "state": "Active",
        "reason": "in-progress",
        "label": "Active / In Progress",
    }
    assert row["last_message_at"] is None
    assert set(row) == {
        "ticket", "title", "status", "sub_theme", "owner", "origin", "created_at",
        "modified_at", "last_message_at",
    }  # fmt: skip
    assert "Zoé" not in listed.text  # the contact: never
    assert "Diallo" not in listed.text


def test_ask_for_details_is_made_by_the_agent_and_its_message_joins_the_conversation(
    desk: Desk,
) -> None:
    ticket = desk.emulator.new_case()
    held = desk.call("POST", f"/cases/{ticket}/hold", json={"text": SECRET_TEXT})
    assert held.status_code == 200, held.text
    assert held.json()["status"] == "Active / Waiting for Details"
    case = desk.emulator.by_ticket(ticket)
    assert case["_modifiedby_value"] == agent_id("bruno.lefevre")  # CallerObjectId
    shown = desk.call("GET", f"/cases/{ticket}").json()
    assert shown["status"]["reason"] == "waiting-for-details"
    assert shown["status"]["label_fr"] == "En attente de votre réponse"  # as the citizen reads it
    assert shown["status"]["code"] == "waiting_for_you"
    [message] = shown["messages"]
    assert message["text"] == SECRET_TEXT
    assert message["from"] == "agent"
    assert message["visible_to_citizen"] is True
    [row] = [r for r in desk.call("GET", "/cases").json()["items"] if r["ticket"] == ticket]
    assert row["last_message_at"] == message["created_at"]


def test_a_reply_with_a_photo_is_a_message_with_its_file(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    sent = desk.call(
        "POST",
        f"/cases/{ticket}/reply",
        files={
            "message": (None, '{"text": "Voici le plan."}', "application/json"),
            "file": ("../../etc/plan du site.png", PNG, "image/png"),
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()["kind"] == "message"
    [message] = desk.call("GET", f"/cases/{ticket}").json()["messages"]
    [attached] = message["attachments"]
    assert attached == {
        "id": attached["id"],
        "name": "plan du site.png",
        "type": "image/png",
        "size": len(PNG),
    }


def test_an_internal_note_is_never_a_message(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    sent = desk.call("POST", f"/cases/{ticket}/reply", json={"text": "RAS", "internal": True})
    assert sent.status_code == 201, sent.text
    assert sent.json()["kind"] == "internal_note"
    assert desk.call("GET", f"/cases/{ticket}").json()["messages"] == []


def test_resolve_then_resolving_again_is_a_stable_conflict(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    done = desk.call("POST", f"/cases/{ticket}/resolve", json={"resolution": "Enlevé"})
    assert done.json() == {"ticket": ticket, "status": "Resolved / Problem Solved"}
    again = desk.call("POST", f"/cases/{ticket}/resolve")
    document = problem_of(again, 409, "case_action_refused")
    assert "0x80044411" in document["detail"]


def test_asking_for_details_on_a_resolved_case_reopens_it(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    assert desk.call("POST", f"/cases/{ticket}/resolve").status_code == 200
    held = desk.call("POST", f"/cases/{ticket}/hold")
    assert held.json()["status"] == "Active / Waiting for Details"
    assert held.json()["message_id"] is None


def test_status_and_assign(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    researching = desk.call("POST", f"/cases/{ticket}/status", json={"reason": "researching"})
    assert researching.json()["status"] == "Active / Researching"
    assigned = desk.call("POST", f"/cases/{ticket}/assign", json={"team": "Voirie"})
    assert assigned.status_code == 200, assigned.text
    problem_of(
        desk.call("POST", f"/cases/{ticket}/assign", json={"team": "Nobody"}), 404, "not_found"
    )
    problem_of(
        desk.call("POST", f"/cases/{ticket}/status", json={"reason": "lost"}),
        422,
        "validation_failed",
    )


# -- who may call -------------------------------------------------------------------------------
def test_no_token_a_forged_one_or_one_without_an_agents_role_is_refused(desk: Desk) -> None:
    missing = desk.call("GET", "/cases", token=None)
    problem_of(missing, 401, "unauthorized")
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="cityzen"'
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = entra_style_claims(
        tenant_id=LOCAL_OPS_TENANT_ID,
        audience=LOCAL_OPS_AUDIENCE,
        object_id=agent_object_id("bruno.lefevre"),
        roles=["CityZen.Agent"],
        now=time.time(),
    )
    forged = jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": "x"})
    problem_of(desk.call("GET", "/cases", token=forged), 401, "unauthorized")
    roleless = desk.token(roles=())
    refused = desk.call("GET", "/cases", token=roleless)
    problem_of(refused, 403, "forbidden")
    assert 'error="insufficient_scope"' in refused.headers["WWW-Authenticate"]


def test_a_valid_token_naming_no_user_of_dynamics_is_forbidden(desk: Desk) -> None:
    # cityzen identity ops-token's default agent is no user of the emulator's organisation.
    token = configured.mint_local_ops_token(
        desk.settings, now=time.time(), roles=("CityZen.Agent",)
    )
    document = problem_of(desk.call("GET", "/cases", token=token), 403, "forbidden")
    assert "0x8004049e" in document["detail"]


def test_a_cookie_is_no_credential(desk: Desk) -> None:
    # A page of another site can make the browser send cookies, never this header.
    response = desk.call("GET", "/cases", token=None, headers={"Cookie": f"token={desk.token()}"})
    problem_of(response, 401, "unauthorized")


def test_the_desk_is_refused_outside_embedded_mode() -> None:
    real = Settings(
        _env_file=None,
        dataverse_url="https://contoso.crm4.dynamics.com",
        identity_pepper="p" * 32,
    )
    with pytest.raises(ConfigurationError, match="CITYZEN_DATAVERSE_URL") as refused:
        app.desk_app(app.Container(real))
    assert "contoso" not in str(refused.value)


# -- hostile and malformed input ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/cases?top=0", {}, 400, "invalid_parameter"),
        ("GET", "/cases?top=abc", {}, 400, "invalid_parameter"),
        ("GET", "/cases?top=1&top=2", {}, 400, "invalid_parameter"),
        ("GET", "/cases/CAS-00000-NOPE00", {}, 404, "not_found"),
        ("GET", "/cases/x'%20or%201%20eq%201", {}, 404, "not_found"),  # never reaches $filter
        ("GET", "/elsewhere", {}, 404, "not_found"),
        ("POST", "/cases/{t}/explode", {}, 404, "not_found"),
        ("DELETE", "/cases/{t}", {}, 405, "method_not_allowed"),
        ("POST", "/cases/{t}/reply", {"data": "{", "headers": JSON}, 400, "invalid_json"),
        ("POST", "/cases/{t}/reply", {"json": ["a"]}, 400, "invalid_json"),
        ("POST", "/cases/{t}/reply", {"json": {"text": ""}}, 422, INVALID),
        ("POST", "/cases/{t}/reply", {"json": {"text": "x" * 2001}}, 422, INVALID),
        ("POST", "/cases/{t}/reply", {"json": {"text": "a", "to": 1}}, 422, INVALID),
        ("POST", "/cases/{t}/reply", {"data": "a=1", "headers": FORM}, 415, MEDIA),
        ("POST", "/cases/{t}/hold", {"json": {"text": "x" * 20000}}, 413, "payload_too_large"),
        ("POST", "/cases/{t}/resolve", {"json": {"reason": "merged"}}, 422, INVALID),
        ("POST", "/cases/{t}/reply", {"files": {**MESSAGE, "file": SCRIPT}}, 415, FILE_TYPE),
        ("POST", "/cases/{t}/reply", {"files": {"file": ("a.png", PNG)}}, 400, MALFORMED),
        ("POST", "/cases/{t}/reply", {"data": b"--x\r\nbad", "headers": BROKEN}, 400, MALFORMED),
    ],
)  # fmt: skip
def test_malformed_or_hostile_input_is_a_problem_and_changes_nothing(
    desk: Desk, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    ticket = desk.emulator.new_case()
    before = desk.emulator.by_ticket(ticket)
    response = desk.call(method, path.replace("{t}", ticket), **kwargs)
    problem_of(response, status, code)
    assert desk.emulator.by_ticket(ticket) == before
    assert desk.call("GET", f"/cases/{ticket}").json()["messages"] == []


def test_a_file_over_five_megabytes_is_refused_before_it_is_read(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    big = PNG + b"\x00" * (5 * 1024 * 1024 + 70 * 1024)
    response = desk.call(
        "POST",
        f"/cases/{ticket}/reply",
        files={"message": (None, '{"text": "a"}'), "file": ("a.png", io.BytesIO(big))},
    )
    problem_of(response, 413, "payload_too_large")
    just_over = PNG + b"\x00" * (5 * 1024 * 1024)
    response = desk.call(
        "POST",
        f"/cases/{ticket}/reply",
        files={"message": (None, '{"text": "a"}'), "file": ("a.png", just_over)},
    )
    problem_of(response, 413, "payload_too_large")
    assert desk.call("GET", f"/cases/{ticket}").json()["messages"] == []


def test_the_log_names_routes_and_the_agent_never_texts_titles_or_tokens(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = desk.emulator.new_case()
    token = desk.token()
    with caplog.at_level(logging.DEBUG):
        desk.call("POST", f"/cases/{ticket}/hold", token=token, json={"text": SECRET_TEXT})
        desk.call("GET", "/cases", token=token)
        desk.call("GET", f"/cases/{ticket}", token=token)
        desk.call("POST", f"/cases/{ticket}/reply", token=token, json={"text": SECRET_TEXT * 99})
    text = caplog.text
    assert (
        f"POST /desk/api/cases/{{ticket}}/hold -> 200 agent={agent_object_id('bruno.lefevre')}"
        in text
    )
    for secret in (SECRET_TEXT, "Lilas", "Zoé", "Diallo", token, token.split(".")[1]):
        assert secret not in text


def test_mounted_under_its_prefix_the_app_answers_the_same(desk: Desk) -> None:
    # A host may mount it with SCRIPT_NAME=/desk/api and PATH_INFO=/cases (PEP 3333).
    built = app.desk_app(app.Container(desk.settings))
    seen: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/desk/api",
        "PATH_INFO": "/cases",
        "QUERY_STRING": "top=1",
        "HTTP_AUTHORIZATION": f"Bearer {desk.token()}",
        "wsgi.input": io.BytesIO(b""),
    }
    body = b"".join(built(environ, lambda status, headers: seen.append(status)))
    assert seen == ["200 OK"]
    assert b'"items"' in body

"""``GET`` and ``PATCH /api/v1/citizens/me``: the citizen reads their record, changes contact
details (queued, then applied to Dynamics 365) and preferences (at once), with the ETag read;
certified identity is read only; nobody reads or changes another citizen's record."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.api.test_tokens import token, world_with_tokens
from tests.citizens.conftest import PATH, Desk, make_desk
from tests.support.schema_check import check_response


def test_the_record_shows_contact_details_certified_identity_and_preferences(desk: Desk) -> None:
    response = desk.get()
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["ETag"].startswith('"')
    body = response.json()
    assert body["contact"] == {
        "email": "marianne.dupont@example.fr",
        "phone": "+33612345678",
        "address_line1": "12 rue de la Paix",
        "address_line2": None,
        "postal_code": "75002",
        "city": "Paris",
        "country": None,
    }
    assert body["certified"] == {
        "given_name": "Marianne",
        "family_name": "Dupont",
        "birth_name": "Dupont",
        "birthdate": "1985-04-12",
        "gender": "female",
        "birthplace": "75056",
        "birthcountry": "99100",
    }
    assert body["preferences"] == {
        "status_changed": "email",
        "agent_reply": "email",
        "language": "fr",
    }
    assert (body["pending"], body["conflicts"]) == ([], [])


def test_a_citizen_without_a_contact_has_no_record_yet() -> None:
    desk = make_desk()
    response = desk.get("sub-nobody")
    assert response.status == 404
    assert response.json()["code"] == "profile_not_found"
    assert "première demande" in response.json()["messages"]["fr"]
    patch = desk.patch({"preferences": {"language": "en"}}, "*", sub="sub-nobody")
    assert patch.status == 404
    assert desk.queued() == []


def test_a_contact_change_is_queued_then_applied_to_dynamics_365(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    response = desk.patch(
        {"contact": {"phone": "07 98 76 54 32", "address_line2": "Bâtiment B"}}, etag
    )
    assert response.status == 202
    body = response.json()
    # The citizen sees their change at once, marked as waiting.
    assert body["contact"]["phone"] == "+33798765432"
    assert body["pending"] == ["address_line2", "phone"]
    assert response.headers["ETag"] != etag
    [message] = desk.queued()
    assert message["schema"] == "cityzen.profile-update/v1"
    assert message["payload"]["changes"] == {
        "phone": "+33798765432",
        "address_line2": "Bâtiment B",
    }
    assert message["payload"]["base"] == {"phone": "+33612345678", "address_line2": None}
    assert desk.contact()["mobilephone"] == "+33612345678"  # not yet

    [result] = desk.drain()
    assert (result.action, result.applied) == ("applied", ("address_line2", "phone"))
    row = desk.contact()
    assert (row["mobilephone"], row["address1_line2"]) == ("+33798765432", "Bâtiment B")
    after = desk.get().json()
    assert after["pending"] == []
    assert after["contact"]["phone"] == "+33798765432"


def test_preferences_change_at_once_and_nothing_is_queued(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    wanted = {"status_changed": "sms", "agent_reply": "none", "language": "en"}
    response = desk.patch({"preferences": wanted}, etag)
    assert response.status == 200
    assert response.json()["preferences"] == wanted
    assert desk.queued() == []
    assert desk.get().json()["preferences"] == wanted
    # null resets a preference to its default (RFC 7396: null removes the member).
    again = desk.patch({"preferences": {"language": None}}, response.headers["ETag"])
    assert again.json()["preferences"]["language"] == "fr"


def test_if_match_is_required_and_must_be_the_current_etag(desk: Desk) -> None:
    first = desk.get().headers["ETag"]
    missing = desk.patch({"preferences": {"language": "en"}}, None)
    assert missing.status == 428
    assert missing.json()["code"] == "precondition_required"
    done = desk.patch({"preferences": {"language": "en"}}, first)
    assert done.status == 200
    stale = desk.patch({"contact": {"city": "Lyon"}}, first)
    assert stale.status == 412
    assert stale.json()["code"] == "profile_changed"
    assert desk.queued() == []
    assert desk.get().json()["contact"]["city"] == "Paris"


def test_an_agents_change_also_makes_an_etag_stale(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    desk.agent(address1_city="Lyon")
    assert [r.action for r in desk.follow_events()] == ["recorded"]
    assert desk.get().json()["contact"]["city"] == "Lyon"
    assert desk.patch({"contact": {"city": "Marseille"}}, etag).status == 412


def test_certified_identity_cannot_be_changed(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    for document, fields in (
        ({"contact": {"given_name": "Marie"}}, ["contact.given_name"]),
        ({"certified": {"birthdate": "1990-01-01"}}, ["certified.birthdate"]),
        (
            {"contact": {"family_name": "Martin", "phone": "0611111111"}},
            ["contact.family_name"],
        ),
    ):
        response = desk.patch(document, etag)
        assert response.status == 422, document
        problem = response.json()
        assert problem["code"] == "certified_field"
        assert [e["field"] for e in problem["errors"]] == fields
        assert {e["code"] for e in problem["errors"]} == {"certified"}
        assert "Marie" not in response.body.decode()
        assert "Martin" not in response.body.decode()
    assert desk.queued() == []
    assert desk.contact()["firstname"] == "Marianne"


def test_a_citizen_reads_their_own_record_by_token_and_may_name_nobody() -> None:
    desk = make_desk()
    world, _ = world_with_tokens(store=desk.store, profiles=desk.profiles)
    bearer = {"Authorization": f"Bearer {token(world, sub='sub-marianne')}"}
    mine = world.request("GET", PATH, headers=bearer, key=False)
    check_response("GET", PATH, mine)
    assert mine.json()["certified"]["given_name"] == "Marianne"
    other = {"Authorization": f"Bearer {token(world, sub='sub-paul')}"}
    assert world.request("GET", PATH, headers=other, key=False).status == 404
    naming: dict[str, Any] = {
        **other,
        "CityZen-Citizen-Issuer": "https://idp.example.fr/citizens/v2.0",
        "CityZen-Citizen-Sub": "sub-marianne",
    }
    refused = world.request("GET", PATH, headers=naming, key=False)
    assert refused.status == 422
    assert {e["code"] for e in refused.json()["errors"]} == {"extra_forbidden"}


def test_no_personal_data_reaches_the_log_on_the_whole_way(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    etag = desk.get().headers["ETag"]
    response = desk.patch(
        {"contact": {"email": "new.address@example.org", "address_line1": "3 allée des Ormes"}},
        etag,
    )
    desk.patch({"contact": {"given_name": "Eve"}}, response.headers["ETag"])
    desk.drain()
    desk.agent(address1_city="Rennes", mobilephone="+33755555555")
    desk.follow_events()
    desk.get()
    for value in (
        "new.address@example.org",
        "allée des Ormes",
        "Eve",
        "Rennes",
        "+33755555555",
        "marianne",
        "Marianne",
        "Dupont",
        "sub-marianne",
    ):
        assert value not in caplog.text, value
    assert "email" in caplog.text  # field names are what the log says

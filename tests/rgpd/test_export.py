"""The right of access: ``POST /api/v1/citizens/me/data-export``, prepared by the ``rights``
timer, downloaded once. Two citizens of the same name never see each other's data."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.rgpd import EXPORT_SCHEMA, EXPORTS_PARTITION
from tests.rgpd.world import Person, Town, town
from tests.support.schema_check import check_response

EXPORT = "/v1/citizens/me/data-export"
_DAY = timedelta(days=1)
MARIANNE = Person("sub-marianne")
# The same name, another person: another identity, another e-mail and phone.
NAMESAKE = Person("sub-namesake", email="m.martin@example.org", phone="+33698765432")


@pytest.fixture
def world(tmp_path: Path) -> Town:
    return town(tmp_path)


def _ask(world: Town, person: Person, body: Any = None) -> dict[str, Any]:
    response = world.call("POST", EXPORT, person, body)
    check_response("POST", EXPORT, response)
    assert response.status == 202, response.body
    assert response.headers["Location"] == f"/api{EXPORT}/{response.json()['id']}"
    assert response.headers["Cache-Control"] == "private, no-store"
    answer: dict[str, Any] = response.json()
    return answer


def _download(world: Town, person: Person, asked: dict[str, Any]) -> Any:
    path, _, query = asked["download"].partition("?")
    token = query.removeprefix("token=")
    return world.call("GET", path.removeprefix("/api"), person, query={"token": token})


def test_an_export_holds_exactly_that_citizens_data_not_their_namesakes(world: Town) -> None:
    mine = world.file(MARIANNE, "Le lampadaire devant chez moi est éteint.", photo=True)
    theirs = world.file(NAMESAKE, "Un dépôt sauvage derrière la mairie.")
    world.work()
    asked = _ask(world, MARIANNE)
    assert world.rights_timer()["exports_produced"] == 1
    response = _download(world, MARIANNE, asked)
    assert response.status == 200, response.body
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.body)
    text = response.body.decode()
    assert document["schema"] == EXPORT_SCHEMA
    contact = document["dynamics365"]["contact"]
    assert (contact["firstname"], contact["emailaddress1"]) == ("Marianne", MARIANNE.email)
    [case] = document["dynamics365"]["cases"]
    assert case["description"].startswith("Le lampadaire devant chez moi est éteint.")
    assert mine in text
    assert theirs not in text
    assert NAMESAKE.email not in text
    assert NAMESAKE.phone not in text
    assert "dépôt sauvage" not in text
    # The connector's own records: the submission's ingest record and status, by id.
    keys = {r["key"] for records in document["connector"].values() for r in records}
    assert mine in keys
    ingest = document["connector"]["submission-requests"][0]["value"]
    assert ingest["blobs"][0]["media_type"] == "image/jpeg"  # metadata, never bytes
    assert "Vos demandes : 1" in document["summary"]


def test_the_summary_is_in_english_when_asked(world: Town) -> None:
    world.file(MARIANNE, "Trottoir abîmé.")
    world.work()
    asked = _ask(world, MARIANNE, {"language": "en"})
    world.rights_timer()
    document = json.loads(_download(world, MARIANNE, asked).body)
    assert document["language"] == "en"
    assert "Your requests: 1, whatever the channel." in document["summary"]


def test_the_link_works_once_then_410(world: Town) -> None:
    asked = _ask(world, MARIANNE)
    status = world.call("GET", f"{EXPORT}/{asked['id']}", MARIANNE)
    assert (status.status, status.json()["status"]) == (200, "pending")
    early = _download(world, MARIANNE, asked)
    assert (early.status, early.json()["code"]) == (409, "export_not_ready")
    world.rights_timer()
    assert world.call("GET", f"{EXPORT}/{asked['id']}", MARIANNE).json()["status"] == "ready"
    assert _download(world, MARIANNE, asked).status == 200
    again = _download(world, MARIANNE, asked)
    assert (again.status, again.json()["code"]) == (410, "export_gone")
    assert again.json()["messages"]["fr"].startswith("Ce lien d’export a déjà servi")
    assert world.call("GET", f"{EXPORT}/{asked['id']}", MARIANNE).json()["status"] == "downloaded"
    assert world.blobs.list_older_than(world.clock() + _DAY) == []  # the file is gone


def test_an_expired_link_is_410_and_its_file_is_purged(world: Town) -> None:
    asked = _ask(world, MARIANNE)
    world.rights_timer()
    world.clock.advance(world.settings.rights_export_link_minutes * 60 + 1)
    status = world.call("GET", f"{EXPORT}/{asked['id']}", MARIANNE).json()
    assert status["status"] == "expired"
    assert _download(world, MARIANNE, asked).status == 410
    assert world.rights_timer()["exports_expired"] == 1
    assert world.blobs.list_older_than(world.clock() + _DAY) == []


def test_another_citizens_export_id_or_token_reads_as_absent(world: Town) -> None:
    asked = _ask(world, MARIANNE)
    world.rights_timer()
    for person in (NAMESAKE,):
        assert world.call("GET", f"{EXPORT}/{asked['id']}", person).status == 404
        assert _download(world, person, asked).status == 404
    wrong = {**asked, "download": asked["download"][:-4] + "AAAA"}
    assert _download(world, MARIANNE, wrong).status == 404
    assert world.call("GET", f"{EXPORT}/not-a-uuid", MARIANNE).status == 404
    # Nothing was spent: the owner still downloads it.
    assert _download(world, MARIANNE, asked).status == 200


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{", 400, "invalid_json"),
        (b"[]", 422, "validation_failed"),
        (b'{"language": "de"}', 422, "validation_failed"),
        (b'{"language": "fr", "sub": "x"}', 422, "validation_failed"),
        (b'{"language": "' + b"x" * 20_000 + b'"}', 413, "payload_too_large"),
    ],
)
def test_hostile_export_bodies_get_a_clear_problem(
    world: Town, raw: bytes, status: int, code: str
) -> None:
    response = world.call("POST", EXPORT, MARIANNE, raw=raw)
    assert (response.status, response.json()["code"]) == (status, code)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert world.store.query(EXPORTS_PARTITION) == []


def test_the_portal_must_name_the_citizen(world: Town) -> None:
    response = world.call("POST", EXPORT, None)
    assert response.status == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "CityZen-Citizen-Issuer",
        "CityZen-Citizen-Sub",
    }


def test_the_logs_and_audit_hold_no_personal_data(
    world: Town, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world.file(MARIANNE, "Nid-de-poule.")
    world.work()
    asked = _ask(world, MARIANNE)
    world.rights_timer()
    _download(world, MARIANNE, asked)
    audit = [r.value for r in world.store.query("rgpd-audit")]
    assert [a["outcome"] for a in audit if a["right"] == "access"] == [
        "downloaded",
        "ready",
        "requested",
    ]
    logged = caplog.text + json.dumps(audit)
    for value in (*MARIANNE.personal, MARIANNE.sub, asked["download"].rsplit("=", 1)[1]):
        assert value not in logged
    assert "rgpd right access" in caplog.text


def test_the_export_file_is_readable_by_its_owner_only_and_gone_after_download(
    tmp_path: Path,
) -> None:
    world = town(tmp_path, on_disk=True)
    asked = _ask(world, MARIANNE)
    world.rights_timer()
    files = [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert files
    assert {p.stat().st_mode & 0o777 for p in files} == {0o600}
    assert _download(world, MARIANNE, asked).status == 200
    assert [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()] == []


def test_one_export_at_a_time_is_prepared_per_citizen(world: Town) -> None:
    asked = _ask(world, MARIANNE)
    again = world.call("POST", EXPORT, MARIANNE)
    assert (again.status, again.json()["code"]) == (409, "export_not_ready")
    assert world.call("POST", EXPORT, NAMESAKE).status == 202  # someone else's is theirs
    world.rights_timer()
    assert _download(world, MARIANNE, asked).status == 200
    assert world.call("POST", EXPORT, MARIANNE).status == 202  # ready: a new one may be asked


def test_the_export_holds_the_citizens_record_preferences_and_waiting_changes(
    world: Town,
) -> None:
    """The record's copy (citizens/) is theirs too: its values, notification preferences, the
    change still on its way to Dynamics 365, and the summary says so in words."""
    world.file(MARIANNE, "Le lampadaire devant chez moi est éteint.")
    world.file(NAMESAKE, "Un dépôt sauvage derrière la mairie.")
    world.work()
    for person in (MARIANNE, NAMESAKE):
        record = world.call("GET", "/v1/citizens/me", person)
        changed = world.call(
            "PATCH",
            "/v1/citizens/me",
            person,
            {"contact": {"city": f"Ville de {person.sub}"}, "preferences": {"agent_reply": "sms"}},
            headers={
                "If-Match": record.headers["ETag"],
                "Content-Type": "application/merge-patch+json",
            },
        )
        assert changed.status == 202, changed.body
    asked = _ask(world, MARIANNE)
    world.rights_timer()
    document = json.loads(_download(world, MARIANNE, asked).body)

    [kept] = document["connector"]["citizen-profiles"]
    assert kept["value"]["preferences"]["agent_reply"] == "sms"
    assert kept["value"]["pending"] == {"city": "Ville de sub-marianne"}
    assert kept["value"]["values"]["email"] == MARIANNE.email
    assert len(document["connector"]["citizen-profile-keys"]) == 1
    assert "sub-namesake" not in json.dumps(document)
    assert (
        "Vos préférences de notification : changement de statut par e-mail, réponse d'un agent"
        " par SMS, en français." in document["summary"]
    )
    assert "Modifications de votre fiche en attente : city." in document["summary"]

"""POST requests: form-encoded as GeoReport v2 says, filed through the portal's own intake (the
same queue message, the same form validation), an Open311 channel, contacts named by e-mail or
phone and never by name; every refusal is a GeoReport error that leaves nothing behind, hostile
bodies included."""

from __future__ import annotations

import dataclasses
import logging
from urllib.parse import urlencode

import pytest

from cityzen_connector.api import build_api
from cityzen_connector.api.open311 import Open311Dependencies
from cityzen_connector.sync.intake import ApiKeys, requests_partition
from tests.support.open311 import POTHOLE, App, open311_world, xml
from tests.support.world import DownStore


@pytest.fixture
def app() -> App:
    return open311_world()


def _submission(app: App) -> dict[str, object]:
    [message] = app.world.queued()
    payload: dict[str, object] = message["payload"]
    return payload


def _nothing_left(app: App) -> None:
    assert app.world.queued() == []
    key_id = app.key.split("_")[1]
    assert app.world.store.query(requests_partition(key_id)) == []


def test_a_request_is_the_portals_submission_from_the_open311_channel(app: App) -> None:
    token = app.file()
    submission = _submission(app)
    assert submission["id"] == token
    assert submission["channel"] == "open311"
    assert (submission["theme"], submission["sub_theme"]) == ("voirie", "nid_de_poule")
    assert submission["subject"] == "Nid-de-poule et chaussée"
    assert submission["fields"] == {"taille": "grand", "danger": True}
    assert submission["description"] == (
        "Un trou profond devant l'école.\n\nPhoto : https://images.example.org/trou.jpg"
    )
    location = submission["location"]
    assert isinstance(location, dict)
    assert (location["latitude"], location["longitude"]) == (48.8566, 2.3522)
    assert location["label"] == "1 place de l'Hôtel de Ville"
    citizen = submission["citizen"]
    assert isinstance(citizen, dict)
    assert (citizen["given_name"], citizen["family_name"]) == ("Camille", "Martin")
    assert (citizen["email"], citizen["phone"]) == ("camille.martin@example.org", "+33612345678")
    assert citizen["certified"] == []  # typed by the app: never written over a contact


def test_the_contact_is_named_by_email_then_phone_never_by_name(app: App) -> None:
    app.file()
    app.file(first_name="Other", last_name="Person", email="Camille.Martin@example.org")
    app.file(email="someone.else@example.org")
    app.file(email="", phone="0612345678")
    app.file(email="", phone="", first_name="Camille", last_name="Martin")
    subs = [m["payload"]["citizen"]["sub"] for m in app.world.queued()]
    assert subs[0] == subs[1]  # the same address, whatever the names
    assert len({subs[0], subs[2], subs[3], subs[4]}) == 4  # names never join two people


def test_attributes_are_checked_by_the_portals_form_validation(app: App) -> None:
    response = app.post("requests", {**POTHOLE, "api_key": app.key, "attribute[taille]": "énorme"})
    assert response.status == 400
    [error] = response.json()
    assert error["description"].startswith("attribute[taille]: expected one of: petit, moyen")
    _nothing_left(app)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"service_code": ""}, "service_code: required"),
        ({"service_code": "voirie.inconnu"}, "service_code: no such service"),
        ({"attribute[taille]": ""}, "attribute[taille]: this field is required"),
        ({"attribute[couleur]": "rouge"}, "attribute[couleur]: this sub-theme has no such field"),
        ({"attribute[danger]": "peut-être"}, "attribute[danger]: expected true or false"),
        ({"lat": "", "long": "", "address_string": ""}, "lat/long, address_string or address_id"),
        ({"long": ""}, "lat/long: both or neither"),
        ({"lat": "91"}, "lat: a WGS84 degree"),
        ({"lat": "1e5"}, "lat: a WGS84 degree"),
        ({"address_id": "../../etc"}, "address_id: 1 to 64 letters"),
        ({"media_url": "javascript:alert(1)"}, "media_url: an http(s) URL"),
        ({"email": "not-an-address"}, "email"),
        ({"phone": "call me"}, "phone"),
    ],
)
def test_each_wrong_argument_is_a_400_naming_it(
    app: App, change: dict[str, str], named: str
) -> None:
    form = {k: v for k, v in {**POTHOLE, "api_key": app.key, **change}.items() if v != ""}
    response = app.post("requests", form)
    assert response.status == 400, response.body
    assert any(e["description"].startswith(named) for e in response.json()), response.json()
    assert all(e["code"] == 400 for e in response.json())
    _nothing_left(app)


@pytest.mark.parametrize("api_key", [None, "", "o311_0000000000000000_" + "A" * 43, "wrong"])
def test_a_missing_or_unknown_api_key_is_403_before_anything_else(
    app: App, api_key: str | None
) -> None:
    form = {**POTHOLE, "service_code": "nope"}
    if api_key is not None:
        form["api_key"] = api_key
    response = app.post("requests", form, "xml")
    assert response.status == 403
    assert b"<code>403</code>" in response.body
    _nothing_left(app)


def test_a_revoked_key_files_nothing(app: App) -> None:
    app.keys.revoke(app.key.split("_")[1])
    assert app.post("requests", {**POTHOLE, "api_key": app.key}).status == 403
    assert app.mine("requests").status == 403
    _nothing_left(app)


def test_a_queue_outage_is_a_503_and_leaves_no_record(app: App) -> None:
    app.world.bus.fail_send = True
    response = app.post("requests", {**POTHOLE, "api_key": app.key})
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    app.world.bus.fail_send = False
    _nothing_left(app)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"a=" + b"x" * (64 * 1024), {}, 413),
        ("&".join(f"attribute[f{i}]=x" for i in range(101)).encode(), {}, 413),
        (b"api_key=%FF%FE", {}, 400),
        (b"\xff\xfe=1", {}, 400),
        (b"{}", {"Content-Type": "application/json"}, 415),
        (b"a=1", {"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"}, 415),
    ],
)
def test_hostile_bodies_are_refused_unread(
    app: App, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = app.post("requests", body, **headers)
    assert response.status == status
    assert response.json()[0]["code"] == status
    _nothing_left(app)


@pytest.mark.parametrize(
    "extra",
    [
        "&service_code=voirie.tags",  # an argument twice
        "&attribute[taille]=petit",  # an attribute twice
        "&attribute[taille][]=petit&attribute[taille][]=moyen",  # a list for one value
        "&description=a%00b",  # a control character
        "&unknown=1",  # not an argument of POST requests
    ],
)
def test_ambiguous_or_unreadable_forms_are_400(app: App, extra: str) -> None:
    body = urlencode({**POTHOLE, "api_key": app.key}).encode() + extra.encode()
    response = app.post("requests", body)
    assert response.status == 400, response.body
    _nothing_left(app)


def test_markup_and_quotes_are_text_in_xml_answers(app: App) -> None:
    hostile = "<script>alert('x')</script> & ]]> \"quoted\""
    token = app.file(description=hostile, media_url="")
    body = app.mine(f"requests/{token}", "xml").body
    assert b"<script>" not in body
    root = xml(app.mine(f"requests/{token}", "xml"))
    assert root.findtext("request/description") == hostile


def test_no_name_email_or_phone_reaches_the_logs(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app.file()
    app.post("requests", {**POTHOLE, "api_key": app.key, "email": "broken@"})
    app.post("requests", {**POTHOLE, "api_key": "o311_bad"})
    for secret in ("Camille", "Martin", "camille.martin", "0612345678", "+33612345678", app.key):
        assert secret not in caplog.text


def test_a_store_outage_is_a_503_error_list_with_retry_after(app: App) -> None:
    keys = ApiKeys(DownStore(), pepper=b"test-pepper", clock=app.world.clock)
    app.world.deps = dataclasses.replace(app.world.deps, open311=Open311Dependencies(keys=keys))
    app.world.api = build_api(app.world.deps)
    response = app.post("requests", {**POTHOLE, "api_key": app.key}, "xml")
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert b"<code>503</code>" in response.body
    assert app.mine("requests").status == 503
    assert app.world.queued() == []


def test_an_unexpected_failure_is_a_500_error_list_without_details(app: App) -> None:
    app.world.bus.send_error = RuntimeError("boom")
    response = app.post("requests", {**POTHOLE, "api_key": app.key})
    assert response.status == 500
    [error] = response.json()
    assert error["code"] == 500
    assert "boom" not in error["description"]

"""GET requests, GET requests/{id}, tokens and updates: an app reads the requests it filed and
nothing of another app's; filters and paging as GeoReport v2 and its pagination extension say,
every bad value a 400 naming the parameter (never bound into a query)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cityzen_connector.sync.intake import ApiKeys
from tests.support.open311 import App, open311_world, xml


@pytest.fixture
def app() -> App:
    return open311_world()


def _other_app(app: App) -> str:
    keys = ApiKeys(app.world.store, pepper=b"test-pepper", clock=app.world.clock)
    key, _ = keys.issue("Another app")
    return key


def test_a_filed_request_reads_open_with_its_service_place_and_team(app: App) -> None:
    token = app.file()
    [request] = app.mine(f"requests/{token}").json()
    assert request["service_request_id"] == token
    assert request["status"] == "open"
    assert request["service_code"] == "voirie.nid_de_poule"
    assert request["service_name"] == "Nid-de-poule et chaussée"
    assert request["agency_responsible"] == "Voirie"  # mappings/routing.toml
    assert request["requested_datetime"] == "2026-11-28T09:00:00Z"
    assert (request["lat"], request["long"]) == (48.8566, 2.3522)
    assert request["address"] == "1 place de l'Hôtel de Ville"
    assert request["media_url"] == "https://images.example.org/trou.jpg"
    # No name, e-mail or phone in any answer: GeoReport has no such field to read back.
    assert "camille" not in str(request).lower()
    root = xml(app.mine(f"requests/{token}", "xml"))
    assert root.tag == "service_requests"
    assert root.findtext("request/status") == "open"
    assert root.findtext("request/agency_responsible") == "Voirie"


def test_another_apps_key_never_sees_a_request_it_did_not_file(app: App) -> None:
    token = app.file()
    other = _other_app(app)
    assert app.get(f"requests/{token}", api_key=other).status == 404
    assert app.get(f"tokens/{token}", api_key=other).status == 404
    assert app.get("requests", api_key=other).json() == []
    assert app.get("servicerequestupdates", api_key=other).json() == []
    update = {"api_key": other, "service_request_id": token, "update_id": "1", "description": "x"}
    assert app.post("servicerequestupdates", update).status == 404
    # Without a key, nothing at all: requests name places and people's words.
    assert app.get("requests").status == 403
    assert app.get(f"requests/{token}").status == 403


def test_the_list_is_newest_first_with_filters_and_pages(app: App) -> None:
    first = app.file()
    app.world.clock.advance(timedelta(hours=1))
    second = app.file(
        service_code="voirie.tags", **{"attribute[taille]": "", "attribute[danger]": ""}
    )
    app.world.clock.advance(timedelta(hours=1))
    third = app.file()
    ids = [r["service_request_id"] for r in app.mine("requests").json()]
    assert ids == [third, second, first]
    only = app.mine("requests", service_code="voirie.tags").json()
    assert [r["service_request_id"] for r in only] == [second]
    picked = app.mine("requests", service_request_id=f"{first},{third}").json()
    assert {r["service_request_id"] for r in picked} == {first, third}
    paged = app.mine("requests", page="2", page_size="2").json()
    assert [r["service_request_id"] for r in paged] == [first]
    window = app.mine(
        "requests", start_date="2026-11-28T09:30:00Z", end_date="2026-11-28T10:30:00+00:00"
    ).json()
    assert [r["service_request_id"] for r in window] == [second]
    assert app.mine("requests", status="closed").json() == []
    assert len(app.mine("requests", status="open,closed").json()) == 3


def test_the_default_span_is_90_days(app: App) -> None:
    app.file()
    app.world.clock.advance(timedelta(days=91))
    assert app.mine("requests").json() == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("status", "pending"),
        ("status", "open' or 1 eq 1"),
        ("service_code", "voirie.tags' or statecode eq 0 or '"),
        ("service_request_id", "1 or 1=1"),
        ("start_date", "yesterday"),
        ("end_date", "2026-11-28"),
        ("page", "0"),
        ("page_size", "101"),
        ("page", "1e3"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(app: App, name: str, value: str) -> None:
    response = app.mine("requests", **{name: value})
    assert response.status == 400
    [error] = response.json()
    assert error["description"].startswith(f"{name}:")
    if len(value) > 3:  # never echoed (short ones are digits of the rule itself)
        assert value not in error["description"]


def test_a_citizens_update_becomes_a_message_on_the_case(app: App) -> None:
    token = app.file()
    form = {
        "api_key": app.key,
        "service_request_id": token,
        "update_id": "fms-42",
        "updated_datetime": "2026-11-28T10:00:00Z",
        "status": "OPEN",
        "description": "Le trou s'agrandit.",
        "email": "camille.martin@example.org",
    }
    first = app.post("servicerequestupdates", form)
    assert first.status == 200
    [accepted] = first.json()
    messages = [m for m in app.world.queued() if m["schema"] == "cityzen.case-message/v1"]
    assert [m["payload"]["text"] for m in messages] == ["Le trou s'agrandit."]
    assert messages[0]["payload"]["request_id"] == token
    # The same update again is the same message; another text under its id is refused.
    assert app.post("servicerequestupdates", form).json() == [accepted]
    assert app.post("servicerequestupdates", {**form, "description": "Autre"}).status == 409
    root = xml(app.post("servicerequestupdates", form, "xml"))
    assert root.tag == "service_request_updates"
    assert root.findtext("request_update/update_id") == accepted["update_id"]


def test_an_update_needs_its_arguments(app: App) -> None:
    token = app.file()
    response = app.post("servicerequestupdates", {"api_key": app.key, "service_request_id": token})
    assert response.status == 400
    named = {e["description"].split(":")[0] for e in response.json()}
    assert named == {"update_id", "description"}

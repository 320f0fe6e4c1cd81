"""``GET /api/v1/address`` and ``/address/reverse`` as the portal calls them: suggestions from
the embedded geocoder (served on 127.0.0.1) through the real adapter, each query parameter
checked (a 422 listing them), and a bilingual 503 with Retry-After when the geocoder cannot
answer — a 429 from the service held and passed on, never hammered."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest
import responses

from cityzen_connector.api import ApiRequest, ApiResponse, Headers
from cityzen_connector.models import Location
from cityzen_connector.portal import AddressHelp
from cityzen_connector.testing import FakeClock
from tests.portal import recorded
from tests.support.geocoder import VALBRUME_12, address_help, served_geocoder
from tests.support.world import World, make_world


@pytest.fixture(scope="module")
def geocoder_url() -> Iterator[str]:
    with served_geocoder() as url:
        yield url


def world_with(help: AddressHelp | None) -> World:
    return make_world(addresses=help)


def get(world: World, path: str, query: str = "", *, key: bool = True) -> ApiResponse:
    params = dict(parse_qsl(query, keep_blank_values=True))
    return world.api.handle(
        ApiRequest("GET", path, Headers({}), b"", params, function_key_valid=key)
    )


@pytest.fixture
def world(geocoder_url: str) -> World:
    return world_with(address_help(geocoder_url))


def test_suggestions_are_normalised_locations_best_first(world: World) -> None:
    response = get(world, "/v1/address", "q=12 rue de la république valbrume&limit=3")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, max-age=300"
    results = response.json()["results"]
    assert 1 <= len(results) <= 3
    first = results[0]
    assert first == {
        "id": VALBRUME_12["id"],
        "type": "housenumber",
        "score": first["score"],
        "label": VALBRUME_12["label"],
        "house_number": "12",
        "street": "Rue de la République",
        "postcode": "00100",
        "citycode": "00101",
        "city": "Valbrume",
        "latitude": VALBRUME_12["latitude"],
        "longitude": VALBRUME_12["longitude"],
        "distance": None,
    }


def test_a_suggestion_is_what_a_submission_location_takes(world: World) -> None:
    first = get(world, "/v1/address", "q=12 rue de la république valbrume").json()["results"][0]
    location = {k: first[k] for k in ("label", "house_number", "street", "postcode", "citycode")}
    location.update(geocoder_id=first["id"], geocoder_score=first["score"])
    assert Location.model_validate(location).geocoder_id == VALBRUME_12["id"]


def test_use_my_location_answers_the_nearest_address_with_its_distance(world: World) -> None:
    response = get(world, "/v1/address/reverse", "lat=46.39995&lon=2.60285")
    assert response.status == 200
    (nearest,) = response.json()["results"]
    assert nearest["id"] == VALBRUME_12["id"]
    assert 0 <= nearest["distance"] < 10


def test_nothing_matching_and_nothing_searchable_are_empty_answers(world: World) -> None:
    assert get(world, "/v1/address", "q=zzqxw vvqkk").json() == {"results": []}
    assert get(world, "/v1/address", "q=★★★").json() == {"results": []}


def test_the_function_key_parameter_is_not_a_query_parameter(world: World) -> None:
    assert get(world, "/v1/address", "q=valbrume&code=the-key").status == 200


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("", {"q": "missing"}),
        ("q=ab", {"q": "string_too_short"}),
        ("q=" + "a" * 201, {"q": "string_too_long"}),
        ("q=rue&limit=0", {"limit": "greater_than_equal"}),
        ("q=rue&limit=21", {"limit": "less_than_equal"}),
        ("q=rue&limit=deux", {"limit": "int_parsing"}),
        ("q=rue&postcode=7500", {"postcode": "string_pattern_mismatch"}),
        ("q=rue&citycode=2C004", {"citycode": "string_pattern_mismatch"}),
        ("q=rue&lat=91&lon=2", {"lat": "less_than_equal"}),
        ("q=rue&lat=nan&lon=inf", {"lat": "finite_number", "lon": "finite_number"}),
        ("q=rue&type=street", {"type": "extra_forbidden"}),
    ],
)
def test_each_invalid_parameter_is_listed(world: World, query: str, fields: dict[str, str]) -> None:
    response = get(world, "/v1/address", query)
    assert response.status == 422
    problem = response.json()
    assert problem["code"] == "validation_failed"
    assert {e["field"]: e["code"] for e in problem["errors"]} == fields


def test_reverse_needs_both_coordinates(world: World) -> None:
    problem = get(world, "/v1/address/reverse", "lat=46.4").json()
    assert {e["field"]: e["code"] for e in problem["errors"]} == {"lon": "missing"}


def test_a_caller_without_a_key_is_refused(world: World) -> None:
    assert get(world, "/v1/address", "q=valbrume", key=False).status == 401


def unreachable() -> AddressHelp:
    return address_help("http://127.0.0.1:9/geocodage")  # the discard port: nobody listens


def test_an_unreachable_geocoder_is_a_bilingual_503_with_retry_after(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = get(world_with(unreachable()), "/v1/address", "q=12 rue du secret")
    assert response.status == 503
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"] == "30"
    problem = response.json()
    assert problem["code"] == "address_help_unavailable"
    assert problem["messages"]["fr"].startswith("L’aide à la saisie d’adresse est")
    assert problem["messages"]["en"].startswith("Address suggestions are temporarily")
    assert "address help unavailable: the geocoder cannot be reached" in caplog.text
    assert "secret" not in caplog.text


def test_no_address_help_configured_is_the_same_503() -> None:
    assert get(world_with(None), "/v1/address", "q=valbrume").status == 503


def scripted(mock: responses.RequestsMock, status: int, **kw: Any) -> AddressHelp:
    mock.get(f"{recorded.BASE}/search", status=status, **kw)
    mock.get(f"{recorded.BASE}/reverse", status=status, **kw)
    return address_help(recorded.BASE, FakeClock())


def test_a_429_is_passed_on_as_busy_and_holds_every_request_until_it_may_ask() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        help = scripted(
            mock,
            429,
            body=recorded.RATE_LIMITED_PAGE,
            content_type="text/html",
            headers={"Retry-After": "12"},
        )
        world = world_with(help)
        first = get(world, "/v1/address", "q=avenue de paris")
        again = get(world, "/v1/address/reverse", "lat=48.84&lon=2.41")
        assert len(mock.calls) == 1  # the second never reached the service
    for response in (first, again):
        assert response.status == 503
        assert response.json()["code"] == "address_help_busy"
    assert first.headers["Retry-After"] == "12"
    assert again.headers["Retry-After"] == "12"  # the fake clock has not moved


def test_a_429_without_retry_after_waits_the_documented_block() -> None:
    with responses.RequestsMock() as mock:
        help = scripted(mock, 429, body=recorded.RATE_LIMITED_PAGE, content_type="text/html")
        mock.remove(responses.GET, f"{recorded.BASE}/reverse")
        response = get(world_with(help), "/v1/address", "q=avenue de paris")
    assert response.headers["Retry-After"] == "5"


@pytest.mark.parametrize("status", [400, 500, 503])
def test_a_refusal_or_a_server_error_is_unavailable(status: int) -> None:
    with responses.RequestsMock() as mock:
        help = scripted(mock, status, json=recorded.REFUSED)
        mock.remove(responses.GET, f"{recorded.BASE}/reverse")
        response = get(world_with(help), "/v1/address", "q=avenue de paris")
    assert (response.status, response.json()["code"]) == (503, "address_help_unavailable")


def test_the_routes_are_in_the_document_with_their_query_parameters(world: World) -> None:
    document = get(world, "/v1/openapi.json").json()
    search = document["paths"]["/api/v1/address"]["get"]
    assert [p["name"] for p in search["parameters"]] == [
        "q",
        "limit",
        "postcode",
        "citycode",
        "lat",
        "lon",
    ]
    assert search["parameters"][0] == {
        "name": "q",
        "in": "query",
        "required": True,
        "description": search["parameters"][0]["description"],
        "schema": {"type": "string", "minLength": 3, "maxLength": 200},
    }
    reverse = document["paths"]["/api/v1/address/reverse"]["get"]
    assert [(p["name"], p["required"]) for p in reverse["parameters"]] == [
        ("lat", True),
        ("lon", True),
        ("limit", False),
    ]
    assert set(search["responses"]) == {"200", "400", "401", "403", "405", "422", "500", "503"}
    assert search["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AddressResults"
    }
    # This deployment's territory: a location's citycode is one of its communes.
    citycode = document["components"]["schemas"]["Location"]["properties"]["citycode"]
    assert citycode["anyOf"][0] == {"enum": ["00101", "00102", "00103"]}

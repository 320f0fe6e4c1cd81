"""GET /api/v1/search, /search/suggestions and /search/popular through the HTTP core: what a
portal gets, what it is refused (400 problems naming the parameter, in French and English),
and that every answer is one the OpenAPI document declares."""

from __future__ import annotations

import logging

import pytest

from cityzen_connector.api import openapi_document
from cityzen_connector.portal import KnowledgeCache
from tests.support.schema_check import check_response
from tests.support.world import DownStore, World, make_world, search_service


@pytest.fixture
def world() -> World:
    made = make_world()
    KnowledgeCache(made.store, made.clock).refresh(made.client)
    return made


def get(world: World, path: str, **query: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = world.request("GET", path, query=query, key=False)
    check_response("GET", path, response)
    return response.status, response.json()


def test_a_search_finds_procedures_and_published_articles_highlighted(world: World) -> None:
    status, body = get(world, "/v1/search", q="poubelles")
    assert status == 200
    kinds = {hit["kind"] for hit in body["results"]}
    assert kinds == {"procedure", "article"}
    article = next(h for h in body["results"] if h["kind"] == "article")
    assert article["article_number"].startswith("KA-")
    assert "<mark>poubelle</mark>" in article["snippet_html"].lower()
    procedure = next(h for h in body["results"] if h["sub_theme"] == "bacs")
    assert procedure["id"] == "dechets/bacs"


def test_only_published_latest_external_french_articles_are_found(world: World) -> None:
    # The seed hides drafts, scheduled, expired, internal, English and older versions, each
    # full of these very words.
    for q in ("encombrants", "acte de naissance", "stationnement", "urbanisme", "poubelle"):
        _, body = get(world, "/v1/search", q=q, per_page="50")
        titles = [h["title"] for h in body["results"] if h["kind"] == "article"]
        assert titles, q
        for title in titles:
            assert "brouillon" not in title
            assert "interne" not in title.lower()
            assert "2025" not in title
            assert "Requesting" not in title
            assert "archivée" not in title


def test_the_answer_echoes_the_query_and_pages(world: World) -> None:
    _, first = get(world, "/v1/search", q="stationnement", per_page="2")
    _, second = get(world, "/v1/search", q="stationnement", per_page="2", page="2")
    assert first["query"] == "stationnement"
    assert (first["page"], first["per_page"], second["page"]) == (1, 2, 2)
    assert first["total"] == second["total"] > 2
    ids = [h["id"] for h in first["results"] + second["results"]]
    assert len(set(ids)) == 4


def test_search_answers_may_be_cached_briefly_by_anyone(world: World) -> None:
    response = world.request("GET", "/v1/search", query={"q": "tri"}, key=False)
    assert response.headers["Cache-Control"] == "public, max-age=30"


def test_suggestions_complete_the_last_word(world: World) -> None:
    status, body = get(world, "/v1/search/suggestions", q="stationnem", limit="3")
    assert status == 200
    assert len(body["suggestions"]) == 3
    assert all("<mark>" in s["title_html"] for s in body["suggestions"])
    assert body["suggestions"][0]["title"] == "Stationnement"


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/v1/search", {}, "q: required"),
        ("/v1/search", {"q": ""}, "q: required"),
        ("/v1/search", {"q": "x" * 201}, "q: at most 200 characters"),
        ("/v1/search", {"q": "tri", "page": "0"}, "page: an integer from 1 to 100"),
        ("/v1/search", {"q": "tri", "page": "101"}, "page: an integer from 1 to 100"),
        ("/v1/search", {"q": "tri", "page": "un"}, "page: an integer"),
        ("/v1/search", {"q": "tri", "per_page": "51"}, "per_page: an integer from 1 to 50"),
        ("/v1/search", {"q": "tri", "per_page": "-1"}, "per_page: an integer"),
        ("/v1/search", {"q": "tri", "per_page": "1e3"}, "per_page: an integer"),
        ("/v1/search/suggestions", {"q": "x" * 201}, "q: at most 200 characters"),
        ("/v1/search/suggestions", {"q": "tri", "limit": "21"}, "limit: an integer from 1 to 20"),
        ("/v1/search/popular", {"limit": "0"}, "limit: an integer from 1 to 50"),
        ("/v1/search", {"q": "tri\ud800"}, "q: must be text"),
    ],
)
def test_bad_parameters_are_400_problems_naming_the_parameter_never_the_value(
    world: World, path: str, query: dict[str, str], named: str
) -> None:
    response = world.request("GET", path, query=query, key=False)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "invalid_parameter"
    assert problem["detail"].startswith(named)
    assert set(problem["messages"]) == {"fr", "en"}
    assert "xxxxx" not in problem["detail"]
    if "\ud800" not in str(query):
        check_response("GET", path, response)


def test_the_longest_query_is_the_deployments(world: World) -> None:
    narrow = make_world(max_query_chars=20)
    assert narrow.request("GET", "/v1/search", query={"q": "x" * 21}).status == 400
    assert narrow.request("GET", "/v1/search", query={"q": "x" * 20}).status == 200


def test_a_store_that_is_down_still_lets_procedures_be_found(world: World) -> None:
    down = make_world(search=search_service(DownStore(), world.clock))
    response = down.request("GET", "/v1/search", query={"q": "encombrants"})
    assert response.status == 200
    assert {h["kind"] for h in response.json()["results"]} == {"procedure"}
    popular = down.request("GET", "/v1/search/popular")
    assert popular.status == 503
    assert popular.headers["Retry-After"] == "30"


def test_without_a_search_service_the_routes_answer_503(world: World) -> None:
    bare = make_world(search=None)
    for path, query in (("/v1/search", {"q": "tri"}), ("/v1/search/popular", {})):
        response = bare.request("GET", path, query=query)
        assert response.status == 503
        check_response("GET", path, response)


def test_the_document_lists_the_routes_and_their_parameters() -> None:
    paths = openapi_document()["paths"]
    search = paths["/api/v1/search"]["get"]
    assert [(p["name"], p["required"]) for p in search["parameters"]] == [
        ("q", True),
        ("page", False),
        ("per_page", False),
    ]
    assert search["parameters"][0]["schema"]["maxLength"] == 200
    assert search["security"] == []
    assert "400" in search["responses"]
    assert "/api/v1/search/suggestions" in paths
    assert "/api/v1/search/popular" in paths


def test_searches_are_never_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    world.request("GET", "/v1/search", query={"q": "Jeanne Durand 12 rue des Lilas"})
    world.request("GET", "/v1/search/suggestions", query={"q": "Jeanne Dur"})
    assert "Jeanne" not in caplog.text
    assert "Lilas" not in caplog.text

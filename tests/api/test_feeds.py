"""``GET /api/v1/news`` and ``GET /api/v1/agenda`` as a portal calls them: the document's shapes,
pages, days and categories, ETag and 304, and a 400 problem in French and English for a query
it cannot read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import responses

from cityzen_connector.api import ApiRequest, ApiResponse, Headers
from cityzen_connector.portal import FeedsConfig, FeedsReader, RequestsFeedFetcher, refresh_feeds
from cityzen_connector.testing import FakeClock
from tests.portal.feeds import AGENDA_URL, NEWS_URL, NOW, RSS_TYPE, CountingStore, sample
from tests.support.schema_check import check_response
from tests.support.world import World, make_world


def feeds_api(*, store_down_before_first_read: bool = False) -> World:
    clock = FakeClock(NOW)
    world = make_world()
    store = CountingStore(world.store)
    config = FeedsConfig.of((NEWS_URL,), (AGENDA_URL,))
    with responses.RequestsMock() as mock:
        mock.get(NEWS_URL, body=sample("actualites.xml"), content_type=RSS_TYPE)
        mock.get(AGENDA_URL, body=sample("agenda.xml"), content_type=RSS_TYPE)
        refresh_feeds(config, RequestsFeedFetcher(monotonic=clock), store, clock)
    store.down = store_down_before_first_read
    return make_world(feeds=FeedsReader(config, store, clock))


def get(world: World, path: str, query: Mapping[str, str] | None = None, **headers: str) -> Any:
    request = ApiRequest("GET", path, Headers(headers), b"", dict(query or {}))
    return world.api.handle(request)


@pytest.fixture(scope="module")
def api() -> World:
    return feeds_api()


def test_news_is_a_page_of_the_document_s_shape_newest_first(api: World) -> None:
    response: ApiResponse = get(api, "/v1/news", {"page_size": "2"})
    assert response.status == 200
    check_response("GET", "/v1/news", response)
    body = response.json()
    assert (body["page"], body["page_size"], body["total"], body["stale"]) == (1, 2, 6, False)
    assert [i["title"] for i in body["items"]] == [
        "Collecte des sapins de Noël du 4 au 18 janvier",
        "Inscriptions scolaires 2027-2028 : c’est parti",
    ]
    assert body["items"][0]["published"] == "2026-12-03T07:30:00Z"
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_the_agenda_between_two_days_in_a_category(api: World) -> None:
    response = get(
        api, "/v1/agenda", {"from": "2027-01-01", "to": "2027-06-30", "category": "fetes"}
    )
    assert response.status == 200
    check_response("GET", "/v1/agenda", response)
    items = response.json()["items"]
    assert [(i["title"], i["start"], i["all_day"]) for i in items] == [
        ("Carnaval des écoles", "2027-03-20T13:30:00Z", False)
    ]


def test_the_agenda_by_default_starts_today(api: World) -> None:
    body = get(api, "/v1/agenda", {"page_size": "1"}).json()
    assert body["items"][0]["title"] == "Marché de Noël"
    assert body["items"][0]["place"] == "Place de la Mairie"


@pytest.mark.parametrize("path", ["/v1/news", "/v1/agenda"])
def test_an_etag_of_the_same_answer_gives_a_304(api: World, path: str) -> None:
    first = get(api, path, {"page": "1"})
    etag = first.headers["ETag"]
    again = get(api, path, {"page": "1"}, **{"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["ETag"] == etag
    check_response("GET", path, again)
    other_page = get(api, path, {"page": "2"}, **{"If-None-Match": etag})
    assert other_page.status == 200


DETAILS = {
    "page": "page must be an integer from 1 to 1000",
    "page_size": "page_size must be an integer from 1 to 50",
    "category": "category must be 1 to 100 characters",
    "from": "from must be a day, YYYY-MM-DD",
    "to": "to must be a day, YYYY-MM-DD",
}


@pytest.mark.parametrize(
    ("path", "query", "named"),
    [
        ("/v1/news", {"page": "0"}, "page"),
        ("/v1/news", {"page": "abc"}, "page"),
        ("/v1/news", {"page": "1001"}, "page"),
        ("/v1/news", {"page": "-1"}, "page"),
        ("/v1/news", {"page": "1.5"}, "page"),
        ("/v1/news", {"page_size": "51"}, "page_size"),
        ("/v1/news", {"page_size": ""}, "page_size"),
        ("/v1/news", {"page_size": "99999999999999999999"}, "page_size"),
        ("/v1/news", {"category": ""}, "category"),
        ("/v1/news", {"category": "x" * 101}, "category"),
        ("/v1/agenda", {"from": "demain"}, "from"),
        ("/v1/agenda", {"from": "2027-02-30"}, "from"),
        ("/v1/agenda", {"to": "12/12/2026"}, "to"),
        ("/v1/agenda", {"to": "2026-12-12T10:00:00"}, "to"),
        ("/v1/agenda", {"from": "２０２６-12-12"}, "from"),  # full-width digits
    ],
)
def test_a_query_it_cannot_read_is_a_400_problem_in_french_and_english(
    api: World, path: str, query: dict[str, str], named: str
) -> None:
    response = get(api, path, query)
    assert response.status == 400
    assert response.content_type == "application/problem+json"
    check_response("GET", path, response)
    problem = response.json()
    assert problem["code"] == "invalid_parameter"
    assert problem["messages"] == {
        "fr": "Un paramètre de la requête est absent ou invalide.",
        "en": "A query parameter is missing or not valid.",
    }
    assert problem["detail"] == DETAILS[named]  # a fixed text: never the value sent


def test_days_in_the_wrong_order_are_an_empty_page_not_an_error(api: World) -> None:
    response = get(api, "/v1/agenda", {"from": "2027-02-01", "to": "2027-01-01"})
    assert response.status == 200
    assert response.json()["items"] == []


def test_with_the_store_down_and_nothing_read_yet_the_answer_is_a_503() -> None:
    world = feeds_api(store_down_before_first_read=True)
    response = get(world, "/v1/news")
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    check_response("GET", "/v1/news", response)


def test_without_feeds_the_pages_are_empty() -> None:
    world = make_world()
    body = get(world, "/v1/news").json()
    assert (body["total"], body["items"], body["stale"]) == (0, [], False)
    assert get(world, "/v1/agenda").json()["items"] == []

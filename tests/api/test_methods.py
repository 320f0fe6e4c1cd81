"""Which methods a path has, as ``OPTIONS``, ``HEAD`` and a 405 say it: exactly those the OpenAPI
document gives the path, plus ``HEAD`` beside ``GET`` and ``OPTIONS`` itself."""

from __future__ import annotations

import pytest

from cityzen_connector.api import ROUTES, openapi_document
from tests.support.schema_check import check_response
from tests.support.world import World

PATHS = {
    "/v1/requests": "POST, OPTIONS",
    "/v1/requests/{id}": "GET, HEAD, OPTIONS",
    "/v1/requests/{id}/messages": "GET, POST, HEAD, OPTIONS",
    "/v1/requests/{id}/messages/{message_id}/attachments/{n}": "GET, HEAD, OPTIONS",
    "/v1/citizens/me/requests": "GET, HEAD, OPTIONS",
    "/v1/citizens/me/data-export": "POST, OPTIONS",
    "/v1/citizens/me/data-export/{id}": "GET, HEAD, OPTIONS",
    "/v1/citizens/me/data-export/{id}/file": "GET, HEAD, OPTIONS",
    "/v1/citizens/me/erasure-request": "POST, OPTIONS",
    "/v1/citizens/me": "GET, PATCH, HEAD, OPTIONS",
    "/v1/themes": "GET, HEAD, OPTIONS",
    "/v1/address": "GET, HEAD, OPTIONS",
    "/v1/address/reverse": "GET, HEAD, OPTIONS",
    "/v1/search": "GET, HEAD, OPTIONS",
    "/v1/search/suggestions": "GET, HEAD, OPTIONS",
    "/v1/search/popular": "GET, HEAD, OPTIONS",
    "/v1/news": "GET, HEAD, OPTIONS",
    "/v1/agenda": "GET, HEAD, OPTIONS",
    "/v1/health": "GET, HEAD, OPTIONS",
    "/v1/health/ready": "GET, HEAD, OPTIONS",
    "/v1/openapi.json": "GET, HEAD, OPTIONS",
    "/v1/ops/queues": "GET, HEAD, OPTIONS",
    "/v1/ops/dead-letters": "GET, HEAD, OPTIONS",
    "/v1/ops/dead-letters/replay": "POST, OPTIONS",
    "/v1/ops/agents/plan": "GET, HEAD, OPTIONS",
    "/v1/ops/agents/apply": "POST, OPTIONS",
    "/v1/stats": "GET, HEAD, OPTIONS",
    "/v1/open-data/requests.csv": "GET, HEAD, OPTIONS",
    "/v1/open-data/requests.json": "GET, HEAD, OPTIONS",
    "/open311/v2/discovery.{format}": "GET, HEAD, OPTIONS",
    "/open311/v2/services.{format}": "GET, HEAD, OPTIONS",
    "/open311/v2/services/{service_code}.{format}": "GET, HEAD, OPTIONS",
    "/open311/v2/requests.{format}": "POST, GET, HEAD, OPTIONS",
    "/open311/v2/requests/{service_request_id}.{format}": "GET, HEAD, OPTIONS",
    "/open311/v2/tokens/{token}.{format}": "GET, HEAD, OPTIONS",
    "/open311/v2/servicerequestupdates.{format}": "GET, POST, HEAD, OPTIONS",
}


def _concrete(template: str) -> str:
    for name in ("{id}", "{service_request_id}", "{token}"):
        template = template.replace(name, "6f1c2b9e-4c2a-4a39-9a53-0d7f7b0c9f10")
    return template.replace("{service_code}", "voirie.tags").replace("{format}", "json")


def test_every_path_is_listed() -> None:
    assert {route.template for route in ROUTES} == set(PATHS)


@pytest.mark.parametrize(("template", "allow"), PATHS.items())
def test_options_answers_204_with_the_methods_of_the_document(
    world: World, template: str, allow: str
) -> None:
    response = world.request("OPTIONS", _concrete(template))
    assert response.status == 204
    assert response.body == b""
    assert response.headers["Allow"] == allow
    documented = {m.upper() for m in openapi_document()["paths"]["/api" + template]}
    assert set(allow.split(", ")) - {"HEAD", "OPTIONS"} == documented


@pytest.mark.parametrize("method", ["PUT", "DELETE", "TRACE", "QUERY", "CONNECT"])
@pytest.mark.parametrize(("template", "allow"), PATHS.items())
def test_any_other_method_is_a_405_problem_naming_the_same_methods(
    world: World, template: str, allow: str, method: str
) -> None:
    response = world.request(method, _concrete(template))
    assert response.status == 405
    assert response.headers["Allow"] == allow
    documented = next(iter(openapi_document()["paths"]["/api" + template]))
    check_response(documented.upper(), template, response)


def test_head_answers_as_get_does(world: World) -> None:
    get = world.request("GET", "/v1/themes")
    head = world.request("HEAD", "/v1/themes")
    assert (head.status, head.headers) == (get.status, get.headers)
    # The host drops the content of a HEAD; its Content-Length stays a GET's (RFC 9110 9.3.2).
    assert head.body == get.body


def test_head_on_a_post_only_path_is_a_405(world: World) -> None:
    response = world.request("HEAD", "/v1/requests")
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"

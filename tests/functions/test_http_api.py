"""The Blueprint: its binding JSON once per auth mode, and triggers driven with real
``func.HttpRequest`` objects (no Functions host needed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from cityzen_connector import app
from cityzen_connector.settings import Settings
from functions.http_api import blueprint
from tests.support.open311 import open311_world
from tests.support.world import JPEG, World, make_world, submission, upload

# No "methods" in a binding: the host hands the function every method (the API answers them).
ALL = None


def functions_of(bp: func.Blueprint) -> dict[str, Any]:
    app = func.FunctionApp()
    app.register_functions(bp)
    return {f.get_function_name(): f for f in app.get_functions()}


def bindings(bp: func.Blueprint) -> dict[str, tuple[str, str, list[str] | None]]:
    result = {}
    for name, function in functions_of(bp).items():
        trigger, out = json.loads(function.get_function_json())["bindings"]
        assert trigger["type"] == "httpTrigger"
        assert trigger["name"] == "req"
        assert out == {"direction": "OUT", "type": "http", "name": "$return"}
        result[name] = (trigger["route"], trigger["authLevel"], trigger.get("methods"))
    return result


def test_binding_json_in_function_key_mode() -> None:
    assert bindings(blueprint(lambda: make_world().api, auth_mode="function_key")) == {
        "submit_request": ("v1/requests", "FUNCTION", ALL),
        "request_status": ("v1/requests/{id}", "FUNCTION", ALL),
        "request_messages": ("v1/requests/{id}/messages", "FUNCTION", ALL),
        "request_message_attachment": (
            "v1/requests/{id}/messages/{message_id}/attachments/{n}",
            "FUNCTION",
            ALL,
        ),
        "my_requests": ("v1/citizens/me/requests", "FUNCTION", ALL),
        "data_export": ("v1/citizens/me/data-export", "FUNCTION", ALL),
        "data_export_status": ("v1/citizens/me/data-export/{id}", "FUNCTION", ALL),
        "data_export_file": ("v1/citizens/me/data-export/{id}/file", "FUNCTION", ALL),
        "erasure_request": ("v1/citizens/me/erasure-request", "FUNCTION", ALL),
        "my_profile": ("v1/citizens/me", "FUNCTION", ALL),
        "themes": ("v1/themes", "ANONYMOUS", ALL),
        "address_search": ("v1/address", "FUNCTION", ALL),
        "address_reverse": ("v1/address/reverse", "FUNCTION", ALL),
        "search": ("v1/search", "ANONYMOUS", ALL),
        "search_suggestions": ("v1/search/suggestions", "ANONYMOUS", ALL),
        "search_popular": ("v1/search/popular", "ANONYMOUS", ALL),
        "news": ("v1/news", "ANONYMOUS", ALL),
        "agenda": ("v1/agenda", "ANONYMOUS", ALL),
        "health": ("v1/health", "ANONYMOUS", ALL),
        "health_ready": ("v1/health/ready", "FUNCTION", ALL),
        "openapi": ("v1/openapi.json", "ANONYMOUS", ALL),
        # The ops token is the check, in the API: the host must let the request through.
        "ops_queues": ("v1/ops/queues", "ANONYMOUS", ALL),
        "ops_dead_letters": ("v1/ops/dead-letters", "ANONYMOUS", ALL),
        "ops_replay": ("v1/ops/dead-letters/replay", "ANONYMOUS", ALL),
        "ops_agents_plan": ("v1/ops/agents/plan", "ANONYMOUS", ALL),
        "ops_agents_apply": ("v1/ops/agents/apply", "ANONYMOUS", ALL),
        "stats": ("v1/stats", "ANONYMOUS", ALL),
        "open_data_csv": ("v1/open-data/requests.csv", "ANONYMOUS", ALL),
        "open_data_json": ("v1/open-data/requests.json", "ANONYMOUS", ALL),
        # Every Open311 route through one function: the facade checks the app's api_key.
        "open311": ("open311/{*rest}", "ANONYMOUS", ALL),
        "not_found": ("v1/{*rest}", "ANONYMOUS", ALL),
    }


def test_the_open311_function_serves_every_georeport_route_by_its_path() -> None:
    app = open311_world()
    services = call(
        app.world,
        "open311",
        func.HttpRequest("GET", "http://localhost:7071/api/open311/v2/services.xml", body=b""),
    )
    assert services.status_code == 200
    assert services.mimetype == "text/xml"
    assert services.get_body().startswith(b'<?xml version="1.0" encoding="utf-8"?><services>')
    form = f"api_key={app.key}&service_code=voirie.tags&address_string=1+rue+Haute".encode()
    posted = call(
        app.world,
        "open311",
        func.HttpRequest(
            "POST",
            "http://localhost:7071/api/open311/v2/requests.json",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=form,
        ),
    )
    assert posted.status_code == 200, posted.get_body()
    assert list(json.loads(posted.get_body())[0]) == ["token"]


@pytest.mark.parametrize("mode", ["bearer", "both"])
def test_caller_routes_are_anonymous_when_tokens_are_accepted(mode: str) -> None:
    found = bindings(blueprint(lambda: make_world().api, auth_mode=mode))  # type: ignore[arg-type]
    assert found["submit_request"][1] == "ANONYMOUS"
    assert found["request_status"][1] == "ANONYMOUS"
    assert found["address_search"][1] == "ANONYMOUS"  # a citizen's token, checked by the API
    assert found["health_ready"][1] == "FUNCTION"  # ops keep their key
    assert found["ops_replay"][1] == "ANONYMOUS"  # an ops token, whatever the mode


def test_from_settings_builds_nothing_until_the_first_request(tmp_path: Path) -> None:
    settings = Settings(
        store_url="sqlite:///" + str(tmp_path / "never" / "state.db"),
        queue_url="sqlite:///" + str(tmp_path / "never" / "queue.db"),
    )
    deps = app.Container(settings)
    triggers = functions_of(blueprint(lambda: deps.http_api, auth_mode=settings.auth_mode))
    live = triggers["health"].get_user_function()(
        func.HttpRequest("GET", "http://localhost:7071/api/v1/health", body=b"")
    )
    assert live.status_code == 200
    assert not (tmp_path / "never").exists()


def call(world: World, name: str, req: func.HttpRequest, mode: str = "function_key") -> Any:
    triggers = functions_of(blueprint(lambda: world.api, auth_mode=mode))  # type: ignore[arg-type]
    return triggers[name].get_user_function()(req)


def test_submit_through_the_trigger() -> None:
    world = make_world()
    body = submission(attachments=[upload(JPEG)])
    req = func.HttpRequest(
        "POST",
        "http://localhost:7071/api/v1/requests?code=the-key",
        headers={"content-type": "application/json", "idempotency-key": body["id"]},
        body=json.dumps(body).encode(),
    )
    response = call(world, "submit_request", req)
    assert response.status_code == 202
    assert response.mimetype == "application/json"
    assert response.headers["Location"] == f"/api/v1/requests/{body['id']}"
    assert json.loads(response.get_body()) == {"id": body["id"], "status": "queued"}
    assert len(world.queued()) == 1


def test_on_anonymous_routes_the_trigger_does_not_vouch_for_a_key() -> None:
    world = make_world(auth_mode="bearer")
    req = func.HttpRequest(
        "POST",
        "http://localhost:7071/api/v1/requests",
        headers={"content-type": "application/json", "x-functions-key": "anything"},
        body=json.dumps(submission()).encode(),
    )
    response = call(world, "submit_request", req, mode="bearer")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert world.queued() == []


def test_wrong_method_and_unknown_path_answer_problems() -> None:
    world = make_world()
    req = func.HttpRequest("PATCH", "http://localhost:7071/api/v1/themes", body=b"")
    response = call(world, "themes", req)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    req = func.HttpRequest(
        "GET", "http://localhost:7071/api/v1/nope", route_params={"rest": "nope"}, body=b""
    )
    response = call(world, "not_found", req)
    assert response.status_code == 404
    assert json.loads(response.get_body())["code"] == "not_found"


def test_status_and_304_through_the_triggers() -> None:
    world = make_world()
    first = call(world, "themes", func.HttpRequest("GET", "http://h/api/v1/themes", body=b""))
    etag = first.headers["ETag"]
    again = call(
        world,
        "themes",
        func.HttpRequest(
            "GET", "http://h/api/v1/themes", headers={"If-None-Match": etag}, body=b""
        ),
    )
    assert again.status_code == 304
    assert again.get_body() == b""

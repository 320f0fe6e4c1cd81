"""Every status the API answers, with its body, each checked against the OpenAPI document."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from cityzen_connector.api import ApiContract, ApiRequest, ApiResponse, build_api
from cityzen_connector.models import PROBLEM_CONTENT_TYPE
from cityzen_connector.store import SUBMISSIONS_PARTITION
from tests.support.schema_check import check_response
from tests.support.world import (
    EXE,
    JPEG,
    PNG,
    DownStore,
    World,
    make_world,
    multipart,
    submission,
    upload,
)

REQUESTS = "/v1/requests"


def problem(response: ApiResponse, status: int, code: str) -> dict[str, Any]:
    assert response.status == status, response.body
    assert response.content_type == PROBLEM_CONTENT_TYPE
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["messages"]["fr"]
    assert body["messages"]["en"]
    assert "Traceback" not in response.body.decode()
    return body


def untouched(world: World) -> None:
    assert world.queued() == []
    assert world.blob_names() == set()


def test_202_with_location_then_the_same_answer_on_resubmission(world: World) -> None:
    body = submission(attachments=[upload(JPEG)])
    first = world.post_json(body)
    check_response("POST", REQUESTS, first)
    assert first.status == 202
    assert first.json() == {"id": body["id"], "status": "queued"}
    assert first.headers["Location"] == f"/api/v1/requests/{body['id']}"
    again = world.post_json(body)
    assert (again.status, again.body, again.headers) == (202, first.body, first.headers)
    assert len(world.queued()) == 1
    status = world.request("GET", f"{REQUESTS}/{body['id']}")
    check_response("GET", "/v1/requests/{id}", status)
    assert status.json() == {"id": body["id"], "status": "queued"}
    assert status.headers["Cache-Control"] == "private, no-store"


def test_202_for_multipart_with_files(world: World) -> None:
    body = submission()
    data, content_type = multipart(body, [("photo.jpg", JPEG), ("plan.png", PNG)])
    response = world.request("POST", REQUESTS, data, {"Content-Type": content_type})
    check_response("POST", REQUESTS, response)
    assert response.status == 202
    payload = world.queued()[0]["payload"]
    assert [a["file_name"] for a in payload["attachments"]] == ["photo.jpg", "plan.png"]
    assert len(world.blob_names()) == 2


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b'{"a": 1, "a": 2}',  # duplicate member
        b'{"a": NaN}',
        b"\xff\xfe{}",  # not UTF-8
        b"[" * 100 + b"]" * 100,  # too deep
        b"",
    ],
)
def test_400_invalid_json(world: World, raw: bytes) -> None:
    response = world.request("POST", REQUESTS, raw, {"Content-Type": "application/json"})
    check_response("POST", REQUESTS, response)
    problem(response, 400, "invalid_json")
    untouched(world)


def test_401_without_credentials_carries_www_authenticate(world: World) -> None:
    response = world.request(
        "POST", REQUESTS, json.dumps(submission()).encode(), {"Content-Type": "application/json"},
        key=False,
    )  # fmt: skip
    check_response("POST", REQUESTS, response)
    problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="cityzen"'
    untouched(world)
    status = world.request("GET", f"{REQUESTS}/{uuid.uuid4()}", key=False)
    problem(status, 401, "unauthorized")


def test_404_for_unknown_ids_and_paths(world: World) -> None:
    for path in (f"{REQUESTS}/{uuid.uuid4()}", f"{REQUESTS}/not-an-id"):
        response = world.request("GET", path)
        check_response("GET", "/v1/requests/{id}", response)
        problem(response, 404, "not_found")
    nowhere = world.request("GET", "/v1/nowhere/at/all")
    problem(nowhere, 404, "not_found")


def test_405_lists_the_allowed_methods(world: World) -> None:
    response = world.request("DELETE", REQUESTS)
    check_response("POST", REQUESTS, response)
    problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert world.request("PUT", "/v1/themes").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_409_same_id_different_body(world: World) -> None:
    body = submission()
    world.post_json(body)
    response = world.post_json({**body, "description": "autre"})
    check_response("POST", REQUESTS, response)
    problem(response, 409, "idempotency_conflict")
    assert len(world.queued()) == 1


def test_413_for_the_body_cap_and_for_an_attachment(world: World) -> None:
    small = make_world(max_body_bytes=2048)
    response = small.post_json(submission(attachments=[upload(JPEG + b"\x00" * 2000)]))
    check_response("POST", REQUESTS, response)
    problem(response, 413, "payload_too_large")
    untouched(small)
    big = upload(JPEG + b"\x00" * (10 * 1024 * 1024))
    response = world.post_json(submission(attachments=[big]))
    problem(response, 413, "payload_too_large")
    untouched(world)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/plain", "application/xml", "application/json; charset=latin-1", "multipart/mixed"],
)
def test_415_for_content_types(world: World, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = world.request("POST", REQUESTS, json.dumps(submission()).encode(), headers)
    check_response("POST", REQUESTS, response)
    problem(response, 415, "unsupported_media_type")
    untouched(world)


def test_415_for_a_file_type(world: World) -> None:
    response = world.post_json(submission(attachments=[upload(JPEG), upload(EXE, "a.jpg")]))
    check_response("POST", REQUESTS, response)
    problem(response, 415, "unsupported_file_type")
    untouched(world)


def test_422_lists_each_field(world: World) -> None:
    body = submission(subject="", fields={"taille": "énorme"}, surprise=True)
    response = world.post_json(body)
    check_response("POST", REQUESTS, response)
    doc = problem(response, 422, "validation_failed")
    fields = {e["field"]: e["code"] for e in doc["errors"]}
    assert fields["subject"] == "too_short"
    assert fields["surprise"] == "extra_forbidden"
    untouched(world)
    # The form fields are checked with the sub-theme's own form, in the same way.
    response = world.post_json(submission(fields={"taille": "énorme"}))
    assert problem(response, 422, "validation_failed")["errors"][0]["field"] == "fields.taille"
    not_object = world.post_json([1, 2])
    assert problem(not_object, 422, "validation_failed")["errors"][0]["field"] == "(body)"


def test_500_never_shows_the_error_and_leaves_nothing(world: World) -> None:
    world.bus.send_error = RuntimeError("secret internals /srv/app.py line 42")
    response = world.post_json(submission(attachments=[upload(PNG)]))
    check_response("POST", REQUESTS, response)
    doc = problem(response, 500, "internal_error")
    assert "secret" not in response.body.decode()
    assert "detail" not in doc
    assert world.blob_names() == set()
    assert world.store.query(SUBMISSIONS_PARTITION) == []


def test_503_when_the_store_is_unavailable() -> None:
    world = make_world(store=DownStore())
    response = world.post_json(submission(attachments=[upload(PNG)]))
    check_response("POST", REQUESTS, response)
    problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "30"
    assert world.queued() == []
    # Whether the record was written cannot be told with the store down: the blob it would
    # reference is kept (a retry resends with it); unreferenced, the retention purge takes it.
    assert len(world.blob_names()) == 1
    status = world.request("GET", f"{REQUESTS}/{uuid.uuid4()}")
    check_response("GET", "/v1/requests/{id}", status)
    problem(status, 503, "service_unavailable")


def test_themes_200_then_304_with_the_etag(world: World) -> None:
    first = world.request("GET", "/v1/themes", key=False)
    check_response("GET", "/v1/themes", first)
    assert first.status == 200
    assert first.headers["ETag"].startswith('"')
    again = world.request("GET", "/v1/themes", headers={"If-None-Match": first.headers["ETag"]})
    check_response("GET", "/v1/themes", again)
    assert (again.status, again.body, again.headers["ETag"]) == (304, b"", first.headers["ETag"])


def test_themes_503_when_dataverse_is_down_and_nothing_is_cached(world: World) -> None:
    world.transport.down = True
    response = world.request("GET", "/v1/themes", key=False)
    check_response("GET", "/v1/themes", response)
    problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "30"


def test_health_needs_nothing_and_ready_reports(world: World) -> None:
    world.transport.down = True
    world.bus.fail_stats = True
    live = world.request("GET", "/v1/health", key=False)
    check_response("GET", "/v1/health", live)
    assert live.json() == {"status": "ok"}
    ready = world.request("GET", "/v1/health/ready")
    check_response("GET", "/v1/health/ready", ready)
    assert ready.status == 503
    assert ready.json()["status"] == "unavailable"


def test_openapi_document_is_served(world: World) -> None:
    response = world.request("GET", "/v1/openapi.json", key=False)
    assert response.status == 200
    assert response.json()["openapi"] == "3.1.0"


def test_liveness_answers_even_when_the_dependencies_cannot_be_built() -> None:
    def cannot_build() -> Any:
        raise RuntimeError("bad configuration")

    # The document needs only the contract (settings and mappings), never the dependencies.
    api = build_api(cannot_build, contract=ApiContract)
    assert api.handle(ApiRequest("GET", "/v1/health")).status == 200
    assert api.handle(ApiRequest("GET", "/v1/openapi.json")).status == 200
    failed = api.handle(ApiRequest("GET", "/v1/themes"))
    assert failed.status == 500
    assert b"bad configuration" not in failed.body

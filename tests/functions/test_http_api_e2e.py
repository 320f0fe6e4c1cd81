"""End to end over real HTTP on 127.0.0.1: the Blueprint in a ``function_app.py`` served by the
local Functions host, the emulator as Dataverse, the embedded SQLite queue and store, file blobs.
Every response is checked against the OpenAPI document."""

from __future__ import annotations

import contextlib
import json
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from cityzen_connector import app
from cityzen_connector.api import ApiResponse
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.messaging import decode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA, Submission
from tests.support.paths import ROOT
from tests.support.schema_check import check_response
from tests.support.tokens import (
    AUDIENCE,
    CLIENT_ID,
    ISSUER,
    KEY_1,
    KEY_2,
    b64,
    jwk_of,
)
from tests.support.world import JPEG, PNG, multipart, submission, upload

pytestmark = pytest.mark.e2e
TIMEOUT = 10
FUNCTION_APP = """
import azure.functions as func

from cityzen_connector import app as cityzen
from functions import http_api

app = func.FunctionApp()
app.register_functions(
    http_api.blueprint(
        lambda: cityzen.current().http_api, auth_mode=cityzen.current().settings.auth_mode
    )
)
"""


class Running:
    def __init__(self, url: str, key: str, data: Path) -> None:
        self.url, self.key, self.data = url, key, data
        self.http = requests.Session()

    def call(self, method: str, path: str, *, key: bool = True, **kwargs: Any) -> requests.Response:
        headers = {**kwargs.pop("headers", {}), **({"x-functions-key": self.key} if key else {})}
        return self.http.request(
            method, self.url + "/api" + path, headers=headers, timeout=TIMEOUT, **kwargs
        )


def as_api(response: requests.Response) -> ApiResponse:
    return ApiResponse(response.status_code, response.content, dict(response.headers))


@contextlib.contextmanager
def hosted(data: Path, **settings: str) -> Iterator[Running]:
    """The Blueprint's function_app.py on the local host, configured by the environment (as in
    Azure) with the embedded backends under ``data`` plus ``settings``."""
    app_dir = data / "app"
    app_dir.mkdir()
    (app_dir / "function_app.py").write_text(FUNCTION_APP)
    (app_dir / "host.json").write_text(json.dumps({"version": "2.0"}))
    env = {
        "CITYZEN_QUEUE_URL": f"sqlite:///{data / 'queue.db'}",
        "CITYZEN_STORE_URL": f"sqlite:///{data / 'state.db'}",
        "CITYZEN_BLOB_URL": f"file://{data / 'blobs'}",
        "CITYZEN_MAPPINGS_DIR": str(ROOT / "mappings"),
        **settings,
    }
    config = LocalHostConfig(
        port=0, key_file=data / "keys.json", state_dir=data / "host", stop_timeout_seconds=5
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        sys.modules.pop("function_app", None)
        previous = app.install(None)  # a new "worker process": the container reads this env
        try:
            with LocalHost(app_dir, open_bus(env["CITYZEN_QUEUE_URL"]), config) as host:
                yield Running(host.url, host.function_key, data)
        finally:
            sys.modules.pop("function_app", None)
            app.install(previous)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    data = tmp_path_factory.mktemp("e2e")
    emulator_app = create_app(EmulatorConfig(database=str(data / "dataverse.db")))
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    try:
        with hosted(data, CITYZEN_DATAVERSE_URL=emulator.url) as running:
            yield running
    finally:
        emulator.stop()


def queued(running: Running) -> list[Submission]:
    bus = open_bus(f"sqlite:///{running.data / 'queue.db'}")
    return [
        Submission.model_validate(decode(m, accept=(SUBMISSION_SCHEMA,)).payload)
        for m in bus.peek("submissions", max_messages=100)
    ]


def test_submit_json_then_read_its_status(running: Running) -> None:
    body = submission(attachments=[upload(JPEG)])
    response = running.call("POST", "/v1/requests", json=body)
    check_response("POST", "/v1/requests", as_api(response))
    assert response.status_code == 202
    assert response.headers["Location"] == f"/api/v1/requests/{body['id']}"
    status = running.call("GET", f"/v1/requests/{body['id']}")
    check_response("GET", "/v1/requests/{id}", as_api(status))
    assert status.json() == {"id": body["id"], "status": "queued"}
    [mine] = [s for s in queued(running) if str(s.id) == body["id"]]
    blob = running.data / "blobs"
    assert mine.attachments[0].size == len(JPEG)
    assert any(blob.rglob("*"))


def test_idempotent_resubmission_and_conflict(running: Running) -> None:
    body = submission()
    first = running.call("POST", "/v1/requests", json=body)
    again = running.call("POST", "/v1/requests", json=body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.content == first.content
    conflict = running.call("POST", "/v1/requests", json={**body, "subject": "Autre"})
    check_response("POST", "/v1/requests", as_api(conflict))
    assert conflict.status_code == 409
    assert conflict.headers["Content-Type"].startswith("application/problem+json")
    assert [str(s.id) for s in queued(running)].count(body["id"]) == 1


def test_submit_multipart(running: Running) -> None:
    body = submission()
    raw, content_type = multipart(body, [("photo.jpg", JPEG), ("plan.png", PNG)])
    response = running.call(
        "POST", "/v1/requests", data=raw, headers={"Content-Type": content_type}
    )
    check_response("POST", "/v1/requests", as_api(response))
    assert response.status_code == 202
    [mine] = [s for s in queued(running) if str(s.id) == body["id"]]
    assert [a.media_type for a in mine.attachments] == ["image/jpeg", "image/png"]


def test_the_host_enforces_the_function_key(running: Running) -> None:
    response = running.call("POST", "/v1/requests", key=False, json=submission())
    assert response.status_code == 401
    assert running.call("GET", "/v1/health/ready", key=False).status_code == 401


def test_errors_are_problems_from_the_api(running: Running) -> None:
    as_json = {"Content-Type": "application/json"}
    as_xml = {"Content-Type": "application/xml"}
    for method, path, kwargs, status in [
        ("POST", "/v1/requests", {"data": b"{oops", "headers": as_json}, 400),
        ("POST", "/v1/requests", {"data": b"<xml/>", "headers": as_xml}, 415),
        ("POST", "/v1/requests", {"json": submission(subject="")}, 422),
        ("DELETE", "/v1/requests", {}, 405),
        ("GET", f"/v1/requests/{uuid.uuid4()}", {}, 404),
    ]:  # fmt: skip
        response = running.call(method, path, **kwargs)
        template = "/v1/requests/{id}" if path.count("/") == 3 else "/v1/requests"
        check_response("POST" if template == "/v1/requests" else "GET", template, as_api(response))
        assert response.status_code == status
        assert response.json()["code"]
    nowhere = running.call("GET", "/v1/nowhere", key=False)
    assert nowhere.status_code == 404
    assert nowhere.json()["code"] == "not_found"


def test_over_the_host_allow_names_only_the_methods_each_path_has(running: Running) -> None:
    options = running.call("OPTIONS", "/v1/requests")
    assert options.status_code == 204
    assert options.headers["Allow"] == "POST, OPTIONS"
    for method in ("TRACE", "PUT"):
        refused = running.call(method, "/v1/health", key=False)
        check_response("GET", "/v1/health", as_api(refused))
        assert refused.status_code == 405
        assert refused.headers["Allow"] == "GET, HEAD, OPTIONS"
    get, head = (running.call(m, "/v1/health", key=False) for m in ("GET", "HEAD"))
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_themes_health_and_openapi(running: Running) -> None:
    themes = running.call("GET", "/v1/themes", key=False)
    check_response("GET", "/v1/themes", as_api(themes))
    assert themes.status_code == 200
    etag = themes.headers["ETag"]
    cached = running.call("GET", "/v1/themes", key=False, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    live = running.call("GET", "/v1/health", key=False)
    assert live.json() == {"status": "ok"}
    ready = running.call("GET", "/v1/health/ready")
    check_response("GET", "/v1/health/ready", as_api(ready))
    assert ready.status_code == 200
    assert ready.json()["checks"]["dataverse"]["state"] == "ok"
    document = running.call("GET", "/v1/openapi.json", key=False).json()
    assert "/api/v1/requests" in document["paths"]


# -- bearer tokens over HTTP: the provider's JWKS served on 127.0.0.1 ---------------------------


class Jwks:
    """A WSGI identity provider publishing whichever keys the test chooses."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {"k1": KEY_1}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = json.dumps({"keys": [jwk_of(kid, k) for kid, k in self.keys.items()]}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


@pytest.fixture(scope="module")
def bearer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Jwks]]:
    jwks = Jwks()
    provider = serve(jwks, "127.0.0.1", 0)
    try:
        with hosted(
            tmp_path_factory.mktemp("e2e-bearer"),
            CITYZEN_AUTH_MODE="bearer",
            CITYZEN_AUTH_OIDC_ISSUER=ISSUER,
            CITYZEN_AUTH_OIDC_AUDIENCE=AUDIENCE,
            CITYZEN_AUTH_OIDC_CLIENT_IDS=CLIENT_ID,
            CITYZEN_AUTH_OIDC_JWKS_URI=provider.url + "/keys",  # plain http: loopback only
            CITYZEN_AUTH_JWKS_MIN_REFRESH_SECONDS="0",
        ) as running:
            yield running, jwks
    finally:
        provider.stop()


def signed(key: Any = KEY_1, kid: str = "k1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": "sub-e2e", "iat": now, "nbf": now,
        "exp": now + 300, "scp": "requests.submit", "family_name": "Delacroix",
    }  # fmt: skip
    claims.update(overrides)
    present = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(present, key, algorithm="RS256", headers={"kid": kid})


def post_as(running: Running, token: str, body: dict[str, Any]) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return running.call("POST", "/v1/requests", key=False, json=body, headers=headers)


def citizen_body() -> dict[str, Any]:
    body = submission()
    del body["citizen"]
    return body


def test_bearer_tokens_over_http(bearer: tuple[Running, Jwks]) -> None:
    running, jwks = bearer
    body = citizen_body()
    accepted = post_as(running, signed(), body)
    check_response("POST", "/v1/requests", as_api(accepted))
    assert accepted.status_code == 202
    mine = running.call(
        "GET", f"/v1/requests/{body['id']}", key=False,
        headers={"Authorization": f"Bearer {signed()}"},
    )  # fmt: skip
    assert mine.status_code == 200
    theirs = running.call(
        "GET", f"/v1/requests/{body['id']}", key=False,
        headers={"Authorization": f"Bearer {signed(sub='sub-other')}"},
    )  # fmt: skip
    assert theirs.status_code == 404
    header = b64(json.dumps({"alg": "none", "kid": "k1"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": "x"}).encode())
    for forged in (
        signed(key=KEY_2),  # signature by another key
        signed(aud="api://other"),
        signed(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200),
        signed(aud=CLIENT_ID, nonce="n", scp=None),  # an ID token
        f"{header}.{payload}.",  # alg none
    ):
        refused = post_as(running, forged, citizen_body())
        check_response("POST", "/v1/requests", as_api(refused))
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    # Rotation: a token under a key the provider does not publish yet, then does.
    rotated = signed(key=KEY_2, kid="k2")
    assert post_as(running, rotated, citizen_body()).status_code == 401
    jwks.keys["k2"] = KEY_2
    assert post_as(running, rotated, citizen_body()).status_code == 202
    ids = {str(s.id) for s in queued(running)}
    assert body["id"] in ids
    assert len(ids) == 2  # the accepted ones only

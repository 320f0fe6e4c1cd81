"""Who may call the ops routes: an Entra ID access token of the ops tenant, for our API, with the
ops app role. Everything else is a 401 problem (``WWW-Authenticate`` per RFC 6750) or, for a
valid token without the role, a 403; a function key never opens them, a citizen's token never
passes them, and an ops token never files a request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization

from cityzen_connector.api import ApiResponse
from tests.api.test_tokens import citizen_body, world_with_tokens
from tests.api.test_tokens import token as citizen_token
from tests.support.ops import (
    API_ID_URI,
    KID,
    OID,
    PERSONAL,
    TENANT,
    V1_KEYS,
    V2_KEYS,
    call,
    ops_token,
    with_ops,
)
from tests.support.schema_check import check_response
from tests.support.tokens import KEY_1, KEY_2, b64
from tests.support.world import World, make_world

OPS_ROUTES = [
    ("GET", "/v1/ops/queues", None),
    ("GET", "/v1/ops/dead-letters", None),
    ("POST", "/v1/ops/dead-letters/replay", {"queue": "submissions", "all": True}),
    ("GET", "/v1/ops/agents/plan", None),
    ("POST", "/v1/ops/agents/apply", None),
]


def queues(world: World, token: str | None, **headers: str) -> ApiResponse:
    return call(world, "GET", "/v1/ops/queues", token, headers=headers)


def refused(response: ApiResponse, status: int = 401, error: str = "invalid_token") -> None:
    check_response("GET", "/v1/ops/queues", response)
    assert response.status == status, response.body
    assert response.headers["WWW-Authenticate"] == f'Bearer realm="cityzen", error="{error}"'
    body = response.json()
    assert body["code"] == ("forbidden" if status == 403 else "unauthorized")
    assert set(body["messages"]) == {"fr", "en"}


@pytest.fixture
def world() -> World:
    world = make_world()
    with_ops(world)
    return world


def test_a_valid_ops_token_opens_the_ops_routes(world: World) -> None:
    response = queues(world, ops_token(world))
    check_response("GET", "/v1/ops/queues", response)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert [q["name"] for q in response.json()["queues"]] == [
        "submissions",
        "case-events",
        "webhooks",
    ]


def test_the_tenants_keys_come_from_the_v2_keys_url_derived_from_the_tenant() -> None:
    world = make_world()
    tenant = with_ops(world)
    assert queues(world, ops_token(world)).status == 200
    assert tenant.calls == [V2_KEYS]


def test_no_token_is_a_401_with_a_bare_bearer_challenge(world: World) -> None:
    response = queues(world, None)
    check_response("GET", "/v1/ops/queues", response)
    assert response.status == 401
    # RFC 6750 section 3.1: no error code when the request carried no credentials at all.
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="cityzen"'


def test_a_function_key_alone_never_opens_an_ops_route(world: World) -> None:
    for method, path, body in OPS_ROUTES:
        response = call(
            world, method, path, None, body=body, key=True, headers={"x-functions-key": "k"}
        )
        assert response.status == 401, path


def test_another_tenant_is_a_wrong_issuer(world: World) -> None:
    other = "9188040d-6c67-4c5b-b112-36a304b66dad"
    refused(queues(world, ops_token(world, iss=f"https://login.microsoftonline.com/{other}/v2.0")))


def test_the_right_issuer_with_another_tenant_id_is_refused(world: World) -> None:
    refused(queues(world, ops_token(world, tid="9188040d-6c67-4c5b-b112-36a304b66dad")))


def test_a_token_for_another_api_is_refused(world: World) -> None:
    refused(queues(world, ops_token(world, aud="00000003-0000-0000-c000-000000000000")))


def test_an_expired_token_is_refused_after_the_clock_skew(world: World) -> None:
    token = ops_token(world)
    world.clock.advance(3600 + 59)  # within the 60 s skew
    assert queues(world, token).status == 200
    world.clock.advance(2)
    refused(queues(world, token))


def test_a_token_not_valid_yet_is_refused_beyond_the_clock_skew(world: World) -> None:
    now = int(world.clock.now())
    assert queues(world, ops_token(world, nbf=now + 50)).status == 200
    refused(queues(world, ops_token(world, nbf=now + 120)))


def test_a_bad_signature_is_refused(world: World) -> None:
    refused(queues(world, ops_token(world, key=KEY_2, kid=KID)))


def test_alg_none_is_refused(world: World) -> None:
    header = b64(json.dumps({"alg": "none", "kid": KID, "typ": "JWT"}))
    payload = b64(_payload(ops_token(world)))
    refused(queues(world, f"{header}.{payload}."))


def test_hs256_keyed_with_the_tenants_public_key_is_refused(world: World) -> None:
    public_pem = KEY_1.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "kid": KID, "typ": "JWT"}))
    payload = b64(_payload(ops_token(world)))
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    refused(queues(world, f"{header}.{payload}.{b64(signature)}"))


def test_a_valid_token_without_the_ops_role_is_a_403(world: World) -> None:
    refused(queues(world, ops_token(world, roles=[])), 403, "insufficient_scope")
    refused(queues(world, ops_token(world, roles=["CityZen.Reader"])), 403, "insufficient_scope")


def test_an_object_id_that_is_not_a_guid_is_refused(world: World) -> None:
    refused(queues(world, ops_token(world, oid="marianne")))
    refused(queues(world, ops_token(world, oid=None)))


def test_v1_tokens_only_when_configured() -> None:
    world = make_world()
    v1 = {"iss": f"https://sts.windows.net/{TENANT}/", "aud": API_ID_URI, "ver": "1.0"}
    with_ops(world)
    refused(queues(world, ops_token(world, **v1)))
    world = make_world()
    tenant = with_ops(world, accept_v1=True)
    assert queues(world, ops_token(world, **v1)).status == 200
    assert tenant.calls == [V1_KEYS]  # v1.0 tokens: the v1.0 keys document


def test_a_citizens_token_never_passes_the_ops_routes() -> None:
    world, _ = world_with_tokens()
    with_ops(world)
    for method, path, body in OPS_ROUTES:
        response = call(world, method, path, citizen_token(world), body=body)
        assert response.status == 401, path
        assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_an_ops_token_never_files_a_request() -> None:
    world, _ = world_with_tokens()
    with_ops(world)
    response = call(world, "POST", "/v1/requests", ops_token(world), body=citizen_body())
    assert response.status == 401
    assert world.queued() == []


def test_without_an_ops_tenant_every_ops_call_is_refused() -> None:
    world = make_world()
    with_ops(world, configured=False)
    refused(queues(world, ops_token(world)))
    assert queues(world, None).headers["WWW-Authenticate"] == 'Bearer realm="cityzen"'
    bare = make_world()  # dependencies built without any ops part at all
    refused(queues(bare, ops_token(bare)))


def test_the_tenant_unreachable_with_no_keys_is_a_503_not_a_401() -> None:
    world = make_world()
    tenant = with_ops(world)
    tenant.down = True
    response = queues(world, ops_token(world))
    check_response("GET", "/v1/ops/queues", response)
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"


def test_logs_show_the_object_id_and_never_a_name_a_upn_or_the_token(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    token = ops_token(world)
    with caplog.at_level(logging.DEBUG):
        assert queues(world, token).status == 200
        queues(world, ops_token(world, roles=[]))
        queues(world, ops_token(world, key=KEY_2))
    text = caplog.text
    assert f"ops action=queues.read oid={OID}" in text
    for secret in (*PERSONAL.values(), token, token.split(".")[2]):
        assert secret not in text


def _payload(token: str) -> str:
    segment = token.split(".")[1]
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)).decode()

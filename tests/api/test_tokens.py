"""Bearer tokens end to end through the API: a JWKS served by a scripted provider, and every
forgery a 401 that enqueues nothing and stores nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cityzen_connector.api import ApiResponse
from cityzen_connector.identity import (
    BearerAuthenticator,
    HttpJwksSource,
    KeysUnavailable,
    TokenVerifier,
    VerifierConfig,
)
from tests.support.schema_check import check_response
from tests.support.tokens import AUDIENCE, CLIENT_ID, ISSUER, JWKS_URI, KEY_1, KEY_2, b64, jwk_of
from tests.support.world import JPEG, World, make_world, submission, upload


@dataclass
class Provider:
    """The identity provider as the verifier sees it: JWKS documents by URL, calls recorded."""

    keys: dict[str, Any] = field(default_factory=dict)
    calls: int = 0
    down: bool = False

    def __call__(self, url: str) -> object:
        self.calls += 1
        if self.down or url != JWKS_URI:
            raise KeysUnavailable("provider unreachable (test)")
        return {"keys": [jwk_of(kid, key) for kid, key in self.keys.items()]}


def world_with_tokens(mode: str = "bearer", **deps: Any) -> tuple[World, Provider]:
    provider = Provider({"k1": KEY_1})
    holder: dict[str, World] = {}

    def clock() -> datetime:  # the world's clock (the world is built below)
        return holder["world"].clock()

    config = VerifierConfig(
        issuer=ISSUER,
        audiences=frozenset({AUDIENCE}),
        client_ids=frozenset({CLIENT_ID}),
        required_scopes=frozenset({"requests.submit"}),
    )
    source = HttpJwksSource(
        provider, clock=clock, issuer=ISSUER, jwks_uri=JWKS_URI, min_refresh_interval_seconds=30
    )
    authenticator = BearerAuthenticator([TokenVerifier(config, source, clock=clock)])
    world = make_world(auth_mode=mode, authenticator=authenticator, **deps)
    holder["world"] = world
    return world, provider


def claims(world: World, **overrides: Any) -> dict[str, Any]:
    now = int(world.clock.now())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "sub-marianne",
        "iat": now - 5,
        "nbf": now - 5,
        "exp": now + 600,
        "scp": "requests.submit",
        "given_name": "Marianne",
        "family_name": "Delacroix",
        "birthdate": "1987-03-14",
        "acr": "eidas1",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(world: World, key: Any = KEY_1, kid: str = "k1", **overrides: Any) -> str:
    return jwt.encode(claims(world, **overrides), key, algorithm="RS256", headers={"kid": kid})


def post(world: World, bearer: str | None, body: dict[str, Any] | None = None) -> ApiResponse:
    headers = {"Content-Type": "application/json"}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    document = body if body is not None else citizen_body()
    return world.request("POST", "/v1/requests", json.dumps(document).encode(), headers, key=False)


def citizen_body() -> dict[str, Any]:
    body = submission(attachments=[upload(JPEG)])
    del body["citizen"]
    return body


def refused(world: World, response: ApiResponse, status: int = 401) -> None:
    check_response("POST", "/v1/requests", response)
    assert response.status == status, response.body
    assert "error=" in response.headers["WWW-Authenticate"]
    assert world.queued() == []
    assert world.blob_names() == set()


def test_a_valid_access_token_files_in_the_citizens_name() -> None:
    world, _ = world_with_tokens()
    body = citizen_body()
    response = post(world, token(world), body)
    check_response("POST", "/v1/requests", response)
    assert response.status == 202
    citizen = world.queued()[0]["payload"]["citizen"]
    assert (citizen["issuer"], citizen["sub"]) == (ISSUER, "sub-marianne")
    assert citizen["family_name"] == "Delacroix"
    mine = world.request(
        "GET", f"/v1/requests/{body['id']}", headers={"Authorization": f"Bearer {token(world)}"},
        key=False,
    )  # fmt: skip
    assert mine.status == 200
    other = token(world, sub="sub-someone-else")
    theirs = world.request(
        "GET", f"/v1/requests/{body['id']}", headers={"Authorization": f"Bearer {other}"},
        key=False,
    )  # fmt: skip
    check_response("GET", "/v1/requests/{id}", theirs)
    assert theirs.status == 404


def test_claims_in_the_body_are_refused_with_a_token() -> None:
    world, _ = world_with_tokens()
    response = post(world, token(world), submission())
    check_response("POST", "/v1/requests", response)
    assert response.status == 422
    assert response.json()["errors"][0]["field"] == "citizen"
    assert world.queued() == []


def test_forged_signature() -> None:
    world, _ = world_with_tokens()
    refused(world, post(world, token(world, key=KEY_2, kid="k1")))


def test_wrong_audience() -> None:
    world, _ = world_with_tokens()
    refused(world, post(world, token(world, aud="api://someone-else")))


def test_expired() -> None:
    world, _ = world_with_tokens()
    stale = token(world)
    world.clock.advance(600 + 61)  # past exp and the 60 s clock skew
    refused(world, post(world, stale))


def test_alg_none() -> None:
    world, _ = world_with_tokens()
    header = b64(json.dumps({"alg": "none", "kid": "k1", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims(world)).encode())
    refused(world, post(world, f"{header}.{payload}."))


def test_hs256_signed_with_the_public_key() -> None:
    world, _ = world_with_tokens()
    public_pem = KEY_1.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64(json.dumps({"alg": "HS256", "kid": "k1", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims(world)).encode())
    signature = hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    refused(world, post(world, f"{header}.{payload}.{b64(signature)}"))


def test_unknown_kid_is_refused_then_accepted_once_the_provider_rotates() -> None:
    world, provider = world_with_tokens()
    rotated = token(world, key=KEY_2, kid="k2")
    refused(world, post(world, rotated))  # one re-fetch, still unknown
    provider.keys["k2"] = KEY_2  # the provider publishes its new key
    world.clock.advance(31)  # past the floor between two fetches
    accepted = post(world, rotated)
    assert accepted.status == 202
    assert len(world.queued()) == 1


def test_an_id_token_is_not_an_access_token() -> None:
    world, _ = world_with_tokens()
    id_token = token(world, aud=CLIENT_ID, nonce="n-0S6_WzA2Mj", scp=None)
    refused(world, post(world, id_token))


def test_missing_scope_is_403_insufficient_scope() -> None:
    world, _ = world_with_tokens()
    response = post(world, token(world, scp="profile"))
    refused(world, response, status=403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert response.json()["code"] == "forbidden"


def test_provider_down_with_no_keys_is_503_not_401() -> None:
    world, provider = world_with_tokens()
    provider.down = True
    response = post(world, token(world))
    check_response("POST", "/v1/requests", response)
    assert response.status == 503
    assert world.queued() == []


def test_both_mode_the_portal_key_works_and_never_rescues_a_bad_token() -> None:
    world, _ = world_with_tokens("both", portal_key="portal-secret-key")
    raw = json.dumps(submission()).encode()
    with_key = {"Content-Type": "application/json", "x-functions-key": "portal-secret-key"}
    assert world.request("POST", "/v1/requests", raw, with_key, key=False).status == 202
    wrong = {**with_key, "x-functions-key": "guess"}
    assert world.request("POST", "/v1/requests", raw, wrong, key=False).status == 401
    forged = token(world, key=KEY_2)
    bad_token = {**with_key, "Authorization": f"Bearer {forged}"}
    response = world.request("POST", "/v1/requests", raw, bad_token, key=False)
    assert response.status == 401
    assert len(world.queued()) == 1


def test_bearer_mode_ignores_function_keys() -> None:
    world, _ = world_with_tokens("bearer", portal_key="portal-secret-key")
    raw = json.dumps(submission()).encode()
    headers = {"Content-Type": "application/json", "x-functions-key": "portal-secret-key"}
    response = world.request("POST", "/v1/requests", raw, headers, key=False)
    assert response.status == 401
    assert world.queued() == []


@pytest.mark.parametrize(
    "authorization",
    ["Bearer", "Bearer a.b", "Bearer " + "A" * 20000, "Bearer ä.ö.ü", "Bearer a.b.c.d.e"],
)
def test_malformed_authorization_headers(authorization: str) -> None:
    world, _ = world_with_tokens()
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    raw = json.dumps(citizen_body()).encode()
    response = world.request("POST", "/v1/requests", raw, headers, key=False)
    check_response("POST", "/v1/requests", response)
    assert response.status == 401
    assert world.queued() == []

"""The local sign-in provider over real HTTP on 127.0.0.1, with the whole connector behind it:
the emulator, the local Functions host running ``function_app.py`` in auth mode ``both``, and
the API verifying the provider's tokens with ``identity``'s verifier, whose keys it fetches
through the provider's discovery documents like any other provider's."""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import logging
import re
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.cli._signin import login as cli_login
from cityzen_connector.dataverse import Query, eq
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, serve
from cityzen_connector.identity import InvalidToken
from cityzen_connector.localhost import LocalHost, LocalHostConfig
from cityzen_connector.mapping import load_mappings
from cityzen_connector.settings import Settings
from cityzen_connector.signin import (
    ACCOUNTS_FILE,
    KEY_FILE,
    LOCAL_API_AUDIENCE,
    LOCAL_CLIENT_ID,
    issuer_urls,
    login,
)
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from tests.support.paths import ROOT
from tests.support.world import submission

pytestmark = pytest.mark.e2e
TIMEOUT = 10
PASSWORD = "correct horse battery staple"


@dataclass
class Offset:
    """The provider's clock: the wall clock plus what a test adds (expired codes)."""

    seconds: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.seconds


@dataclass
class World:
    api: str
    settings: Settings
    issuers: dict[str, str]
    clock: Offset
    links: list[str] = field(default_factory=list)

    @property
    def redirect(self) -> str:
        return f"{self.issuers['franceconnect']}/cli/callback"


class Deferred:
    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.target(environ, start_response)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("signin")
    emulator_app = create_app(
        EmulatorConfig(database=str(data / "dataverse.db"), key_activation_seconds=0)
    )
    seed(emulator_app)
    emulator = serve(emulator_app, "127.0.0.1", 0)
    deferred = Deferred()
    provider = serve(deferred, "127.0.0.1", 0, threads=4)
    port = int(provider.url.rsplit(":", 1)[1].rstrip("/"))
    settings = Settings(
        data_dir=data,
        dataverse_url=emulator.url,
        queue_url=f"sqlite:///{data / 'queue.db'}",
        store_url=f"sqlite:///{data / 'state.db'}",
        blob_url=f"file://{data / 'blobs'}",
        mappings_dir=ROOT / "mappings",
        identity_pepper="e2e-pepper",
        localhost_poll_interval_seconds=0.05,
        auth_mode="both",
        signin_provider=True,
        signin_port=port,
        auth_jwks_min_refresh_seconds=0,
        case_requests_cache_seconds=0.001,
    )
    clock = Offset()
    links: list[str] = []
    deferred.target = configured.signin_app(settings, outbox=links.append, clock=clock)
    client = app.Container(settings).api_client
    mappings = load_mappings(settings.mappings_dir)
    report = apply_provisioning(
        client,
        plan_provisioning(client, mappings.schema(), mappings.catalog),
        now=time.monotonic,
        sleep=time.sleep,
        key_deadline_seconds=30,
        create_catalog=True,
    )
    assert report.ok
    deps = app.Container(settings)
    previous = app.install(deps)
    config = LocalHostConfig(
        port=0,
        key_file=data / "keys.json",
        state_dir=data / "localhost",
        poll_interval_seconds=0.05,
    )
    try:
        with LocalHost(ROOT, deps.bus, config) as host:
            yield World(
                f"{host.url}/api/v1", settings, dict(issuer_urls(provider.url)), clock, links
            )
    finally:
        deps.close()
        app.install(previous)
        sys.modules.pop("function_app", None)
        provider.stop()
        emulator.stop()
        emulator_app.close()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Started:
    """An authorization request on its way: the browser's session, its secrets, the form."""

    http: requests.Session
    verifier: str
    state: str
    nonce: str
    page: requests.Response
    fields: dict[str, str]


def authorize(world: World, issuer: str = "franceconnect", **overrides: str) -> Started:
    http = requests.Session()
    meta = http.get(f"{world.issuers[issuer]}/.well-known/openid-configuration", timeout=TIMEOUT)
    verifier, state, nonce = (
        secrets.token_urlsafe(48),
        secrets.token_urlsafe(8),
        "n-" + secrets.token_hex(4),
    )
    params = {
        "response_type": "code",
        "client_id": LOCAL_CLIENT_ID,
        "redirect_uri": world.redirect,
        "scope": "openid profile email",
        "state": state,
        "nonce": nonce,
        "code_challenge": b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
        **overrides,
    }
    page = http.get(
        meta.json()["authorization_endpoint"], params=params, allow_redirects=False, timeout=TIMEOUT
    )
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return Started(http, verifier, state, nonce, page, fields)


def consent(
    world: World, started: Started, identity: str = "angela", **extra: str
) -> requests.Response:
    form = {**started.fields, "decision": "allow", "identity": identity, **extra}
    return started.http.post(
        f"{world.issuers['franceconnect']}/authorize",
        data=form,
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def code_of(response: requests.Response) -> dict[str, list[str]]:
    assert response.status_code == 302, response.text
    return parse_qs(urlsplit(response.headers["Location"]).query)


def exchange(
    world: World, code: str, verifier: str, issuer: str = "franceconnect", **extra: str
) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": world.redirect,
        "client_id": LOCAL_CLIENT_ID,
        "code_verifier": verifier,
        **extra,
    }
    return requests.post(f"{world.issuers[issuer]}/token", data=form, timeout=TIMEOUT)


def signed_in(world: World, identity: str = "angela") -> tuple[Started, dict[str, Any]]:
    started = authorize(world)
    code = code_of(consent(world, started, identity))["code"][0]
    reply = exchange(world, code, started.verifier)
    assert reply.status_code == 200, reply.text
    return started, reply.json()


def sign_up(url: str, email: str, password: str) -> requests.Response:
    """As a browser does: the form first (its anti-CSRF cookie and field), then the post."""
    http = requests.Session()
    form = http.get(url, timeout=TIMEOUT)
    assert form.status_code == 200, form.text
    [csrf] = re.findall(r'name="csrf" value="([^"]*)"', form.text)
    return http.post(
        url, data={"csrf": csrf, "email": email, "password": password}, timeout=TIMEOUT
    )


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


# -- discovery and keys ----------------------------------------------------------------------------
@pytest.mark.parametrize("issuer", ["franceconnect", "external"])
def test_discovery_names_every_required_field_and_keys_of_both_algorithms(
    world: World, issuer: str
) -> None:
    url = world.issuers[issuer]
    meta = requests.get(f"{url}/.well-known/openid-configuration", timeout=TIMEOUT).json()
    # OpenID Connect Discovery 1.0 section 3: the REQUIRED members.
    for name in (
        "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
        "response_types_supported", "subject_types_supported",
        "id_token_signing_alg_values_supported",
    ):  # fmt: skip
        assert meta[name], name
    assert meta["issuer"] == url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()["keys"]
    assert sorted((k["kty"], k["alg"]) for k in keys) == [("EC", "ES256"), ("RSA", "RS256")]
    assert all(k["kid"] and k["use"] == "sig" and "d" not in k for k in keys)


def test_the_two_issuers_publish_different_keys(world: World) -> None:
    kids = [
        {k["kid"] for k in requests.get(f"{u}/jwks", timeout=TIMEOUT).json()["keys"]}
        for u in world.issuers.values()
    ]
    assert not kids[0] & kids[1]


# -- the whole flow, then the API ------------------------------------------------------------------
def test_sign_in_then_file_a_request_and_find_it_in_my_requests(world: World) -> None:
    started = authorize(world)
    assert started.page.status_code == 200
    assert started.page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "Continuer sur votre espace particulier avec" in started.page.text
    assert "<script" not in started.page.text
    answer = consent(world, started)
    query = code_of(answer)
    assert answer.headers["Location"].startswith(world.redirect + "?")
    assert query["state"] == [started.state]  # echoed
    assert query["iss"] == [world.issuers["franceconnect"]]  # RFC 9207
    reply = exchange(world, query["code"][0], started.verifier)
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    tokens = reply.json()
    access, id_token = claims(tokens["access_token"]), claims(tokens["id_token"])
    assert id_token["nonce"] == started.nonce  # round trip
    assert id_token["aud"] == LOCAL_CLIENT_ID
    assert access["aud"] == LOCAL_API_AUDIENCE
    digest = hashlib.sha256(tokens["access_token"].encode()).digest()
    assert id_token["at_hash"] == b64(digest[:16])  # OIDC Core 3.1.3.6
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "at+jwt"
    assert access["acr"] == "eidas1"
    assert access["family_name"] == "DUBOIS"
    assert access["exp"] > access["iat"]

    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = submission()
    del body["citizen"]  # the identity comes from the token
    filed = requests.post(f"{world.api}/requests", json=body, headers=bearer, timeout=TIMEOUT)
    assert filed.status_code == 202, filed.text
    deadline = time.monotonic() + 30
    while True:  # the status route answers the citizen the token names
        status = requests.get(f"{world.api}/requests/{body['id']}", headers=bearer, timeout=TIMEOUT)
        assert status.status_code == 200, status.text
        if status.json()["status"] == "created":
            break
        assert time.monotonic() < deadline, status.text
        time.sleep(0.1)
    mine = requests.get(f"{world.api}/citizens/me/requests", headers=bearer, timeout=TIMEOUT)
    assert mine.status_code == 200, mine.text
    assert [item["request_id"] for item in mine.json()["items"]] == [body["id"]]
    # Another identity sees none of them.
    _, other = signed_in(world, "pierre")
    theirs = requests.get(
        f"{world.api}/citizens/me/requests",
        headers={"Authorization": f"Bearer {other['access_token']}"},
        timeout=TIMEOUT,
    )
    assert all(item["request_id"] != body["id"] for item in theirs.json()["items"])


def test_the_id_token_is_not_an_access_token_for_the_api(world: World) -> None:
    _, tokens = signed_in(world)
    refused = requests.get(
        f"{world.api}/citizens/me/requests",
        headers={"Authorization": f"Bearer {tokens['id_token']}"},
        timeout=TIMEOUT,
    )
    assert refused.status_code == 401
    assert "invalid_token" in refused.headers["WWW-Authenticate"]


def test_userinfo_answers_the_identity_of_the_access_token(world: World) -> None:
    _, tokens = signed_in(world, "nour")
    url = f"{world.issuers['franceconnect']}/userinfo"
    info = requests.get(
        url, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=TIMEOUT
    )
    assert info.status_code == 200
    assert info.json()["family_name"] == "BENSAÏD"
    assert info.json()["sub"] == claims(tokens["access_token"])["sub"]
    assert (
        requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=TIMEOUT).status_code
        == 401
    )


def test_subjects_are_pairwise_stable_and_differ_between_identities(world: World) -> None:
    first = claims(signed_in(world, "angela")[1]["access_token"])["sub"]
    again = claims(signed_in(world, "angela")[1]["access_token"])["sub"]
    other = claims(signed_in(world, "pierre")[1]["access_token"])["sub"]
    assert first == again != other
    assert re.fullmatch(r"[0-9a-f]{64}v1", first)


# -- strictness ------------------------------------------------------------------------------------
def test_a_wrong_pkce_verifier_is_refused_and_spends_the_code(world: World) -> None:
    started = authorize(world)
    code = code_of(consent(world, started))["code"][0]
    wrong = exchange(world, code, secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert exchange(world, code, started.verifier).json()["error"] == "invalid_grant"


def test_a_code_is_used_once(world: World) -> None:
    started = authorize(world)
    code = code_of(consent(world, started))["code"][0]
    assert exchange(world, code, started.verifier).status_code == 200
    replay = exchange(world, code, started.verifier)
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_a_code_older_than_sixty_seconds_is_refused(world: World) -> None:
    started = authorize(world)
    code = code_of(consent(world, started))["code"][0]
    world.clock.seconds = 61
    try:
        expired = exchange(world, code, started.verifier)
    finally:
        world.clock.seconds = 0
    assert expired.status_code == 400
    assert expired.json()["error"] == "invalid_grant"


def test_the_token_request_must_name_the_same_redirect_uri(world: World) -> None:
    started = authorize(world)
    code = code_of(consent(world, started))["code"][0]
    other = exchange(world, code, started.verifier, redirect_uri=world.redirect + "x")
    assert other.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://127.0.0.1:7071/evil"},
        {"redirect_uri": "http://127.0.0.1:7071/signin/callback/"},  # not an exact match
        {"client_id": "someone-else"},
    ],
    ids=["unregistered", "prefix", "unknown-client"],
)
def test_an_unregistered_redirect_or_unknown_client_is_an_error_page_never_a_redirect(
    world: World, overrides: dict[str, str]
) -> None:
    started = authorize(world, **overrides)
    assert started.page.status_code == 400
    assert "Location" not in started.page.headers


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),  # OIDC Core 3.1.2.6: silent, no session
    ],
)
def test_a_bad_request_to_a_known_redirect_goes_back_with_the_error_and_state(
    world: World, overrides: dict[str, str], error: str
) -> None:
    started = authorize(world, **overrides)
    query = code_of(started.page)
    assert query["error"] == [error]
    assert query["state"] == [started.state]


def test_the_consent_form_needs_its_csrf_token_in_form_and_cookie(world: World) -> None:
    started = authorize(world)
    forged = consent(world, started, csrf="forged")
    assert forged.status_code == 400
    started.http.cookies.clear()  # a cross-site post carries no SameSite=Strict cookie
    assert consent(world, started).status_code == 400


def test_cancel_goes_back_with_access_denied(world: World) -> None:
    started = authorize(world)
    query = code_of(consent(world, started, decision="deny"))
    assert query["error"] == ["access_denied"]
    assert "code" not in query


def test_values_in_pages_are_escaped(world: World) -> None:
    page = requests.get(
        f"{world.issuers['franceconnect']}/<script>alert(1)</script>", timeout=TIMEOUT
    )
    assert page.status_code == 404
    assert "<script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_logout_redirects_only_to_a_registered_uri_with_the_state(world: World) -> None:
    _, tokens = signed_in(world)
    url = f"{world.issuers['franceconnect']}/logout"
    back = f"http://127.0.0.1:{world.settings.localhost_port}/"
    ok = requests.get(
        url,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": back,
            "state": "s1",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert ok.status_code == 302
    assert ok.headers["Location"] == back + "?state=s1"
    evil = requests.get(
        url,
        params={
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "https://evil.example/",
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert evil.status_code == 400
    assert "Location" not in evil.headers


# -- the API's verifier, independently -------------------------------------------------------------
def test_the_verifier_accepts_both_issuers_and_refuses_an_unknown_key(world: World) -> None:
    authenticator = app.Container(world.settings).authenticator
    assert authenticator is not None
    fc_token = signed_in(world)[1]["access_token"]
    caller = authenticator.authenticate(fc_token)
    assert caller.issuer == world.issuers["franceconnect"]
    assert caller.citizen is not None
    assert caller.citizen.is_certified("family_name")
    account = login(
        world.issuers["external"],
        redirect_uri=world.redirect,
        email=_confirmed_account(world),
        password=PASSWORD,
    )
    external = authenticator.authenticate(account["access_token"])
    assert external.issuer == world.issuers["external"]
    assert external.citizen is not None
    assert external.citizen.certified == frozenset({"email"})  # email_verified, nothing else
    # The same claims, signed by a key the provider never published: under its kid, then a new one.
    header = jwt.get_unverified_header(fc_token)
    stranger = rsa.generate_private_key(65537, 2048)
    for kid, reason in ((header["kid"], "bad_signature"), ("not-published", "unknown_kid")):
        forged = jwt.encode(
            claims(fc_token), stranger, "RS256", headers={"kid": kid, "typ": "at+jwt"}
        )
        with pytest.raises(InvalidToken) as refused:
            authenticator.authenticate(forged)
        assert refused.value.reason == reason


# -- the portal's own accounts ---------------------------------------------------------------------
def _confirmed_account(world: World) -> str:
    email = f"compte-{secrets.token_hex(4)}@example.fr"
    signup = f"{world.issuers['external']}/signup"
    created = sign_up(signup, email, PASSWORD)
    assert created.status_code == 200, created.text
    link = world.links[-1]
    assert email not in link
    assert requests.get(link, timeout=TIMEOUT).status_code == 200
    return email


def test_sign_up_confirm_then_sign_in_and_file_a_request(world: World, tmp_path: Any) -> None:
    email = f"nouveau-{secrets.token_hex(4)}@example.fr"
    signup = f"{world.issuers['external']}/signup"
    assert sign_up(signup, email, "short").status_code == 400
    assert sign_up(signup, email, PASSWORD).status_code == 200
    again = sign_up(signup, email, PASSWORD)
    assert again.status_code == 400  # one account per address
    link = world.links[-1]
    # Before confirmation: refused, with the form shown again and no code.
    with pytest.raises(Exception, match="sign-in refused"):
        login(
            world.issuers["external"], redirect_uri=world.redirect, email=email, password=PASSWORD
        )
    assert requests.get(link, timeout=TIMEOUT).status_code == 200
    assert requests.get(link, timeout=TIMEOUT).status_code == 400  # single use
    with pytest.raises(Exception, match="sign-in refused"):
        login(
            world.issuers["external"],
            redirect_uri=world.redirect,
            email=email,
            password="wrong password!!",
        )
    tokens = login(
        world.issuers["external"], redirect_uri=world.redirect, email=email, password=PASSWORD
    )
    assert claims(tokens["access_token"])["email"] == email
    assert claims(tokens["access_token"])["iss"] == world.issuers["external"]
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    body = submission()
    del body["citizen"]
    filed = requests.post(f"{world.api}/requests", json=body, headers=bearer, timeout=TIMEOUT)
    assert filed.status_code == 202, filed.text
    # The accounts file is private, and holds no password.
    accounts = world.settings.data_dir / ACCOUNTS_FILE
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert PASSWORD not in accounts.read_text()
    assert stat.S_IMODE((world.settings.data_dir / KEY_FILE).stat().st_mode) == 0o600


def test_no_password_code_or_token_reaches_the_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    email = _confirmed_account(world)
    tokens = login(
        world.issuers["external"], redirect_uri=world.redirect, email=email, password=PASSWORD
    )
    started, fc = signed_in(world)
    requests.get(
        f"{world.api}/citizens/me/requests",
        headers={"Authorization": f"Bearer {fc['access_token']}"},
        timeout=TIMEOUT,
    )
    text = caplog.text
    assert "signin" in text  # the provider did log its requests
    secrets_seen = [
        PASSWORD,
        email,
        tokens["access_token"],
        tokens["id_token"],
        fc["access_token"],
        world.links[-1].split("=", 1)[1],
    ]
    assert not [s for s in secrets_seen if s in text]
    assert json.dumps(started.verifier) not in text


def test_the_cli_login_prints_an_access_token_the_api_accepts(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = argparse.Namespace(identity="corse", email=None, id_token=False)
    assert cli_login(world.settings, args, "", out, err) == 0, err.getvalue()
    token = out.getvalue().strip()
    mine = requests.get(
        f"{world.api}/citizens/me/requests",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    assert mine.status_code == 200, mine.text


# -- two kinds of identity, one person: never merged ---------------------------------------------
def _file_and_wait(world: World, token: str) -> str:
    bearer = {"Authorization": f"Bearer {token}"}
    body = submission()
    del body["citizen"]
    filed = requests.post(f"{world.api}/requests", json=body, headers=bearer, timeout=TIMEOUT)
    assert filed.status_code == 202, filed.text
    deadline = time.monotonic() + 30
    while True:
        status = requests.get(f"{world.api}/requests/{body['id']}", headers=bearer, timeout=TIMEOUT)
        if status.json()["status"] == "created":
            return str(body["id"])
        assert time.monotonic() < deadline, status.text
        time.sleep(0.1)


def _case(world: World, submission_id: str) -> dict[str, Any]:
    client = app.Container(world.settings).api_client
    query = (
        Query("incidents")
        .select("_customerid_value", "cz_lookalikecontact")
        .where(eq("cz_submissionid", submission_id))
    )
    [case] = list(client.query(query))
    return case


def test_a_franceconnect_identity_and_an_account_with_its_email_stay_two_contacts(
    world: World,
) -> None:
    franceconnect = _file_and_wait(world, signed_in(world, "pierre")[1]["access_token"])
    signup = f"{world.issuers['external']}/signup"
    email = "pierre.mercier@example.fr"  # the sandbox identity's own address
    created = sign_up(signup, email, PASSWORD)
    assert created.status_code == 200
    assert requests.get(world.links[-1], timeout=TIMEOUT).status_code == 200
    tokens = login(
        world.issuers["external"], redirect_uri=world.redirect, email=email, password=PASSWORD
    )
    account = _file_and_wait(world, tokens["access_token"])
    first, second = _case(world, franceconnect), _case(world, account)
    assert first["_customerid_value"] != second["_customerid_value"]  # not merged
    deadline = time.monotonic() + 30
    while not second["cz_lookalikecontact"]:  # the agent is told they may be one person
        assert time.monotonic() < deadline, second
        time.sleep(0.1)
        second = _case(world, account)


# -- hostile and malformed input -------------------------------------------------------------------
def test_a_repeated_parameter_is_refused(world: World) -> None:
    url = f"{world.issuers['franceconnect']}/authorize?client_id={LOCAL_CLIENT_ID}&client_id=x"
    page = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 400
    assert "Location" not in page.headers


@pytest.mark.parametrize(
    ("request_kwargs", "error"),
    [
        ({"json": {"grant_type": "authorization_code"}}, "invalid_request"),  # not a form
        ({"data": {"grant_type": "authorization_code", "code": "x" * 20000}}, "invalid_request"),
        ({"data": {"grant_type": "client_credentials"}}, "unsupported_grant_type"),
        ({"data": {"grant_type": "authorization_code", "code": "nope"}}, "invalid_grant"),
    ],
    ids=["json", "oversized", "grant-type", "unknown-code"],
)
def test_the_token_endpoint_answers_oauth_errors_as_json(
    world: World, request_kwargs: dict[str, Any], error: str
) -> None:
    reply = requests.post(
        f"{world.issuers['franceconnect']}/token", timeout=TIMEOUT, **request_kwargs
    )
    assert reply.status_code == 400
    assert reply.json()["error"] == error
    assert reply.headers["Cache-Control"] == "no-store"


def test_a_code_is_redeemed_only_at_the_issuer_that_issued_it(world: World) -> None:
    started = authorize(world)
    code = code_of(consent(world, started))["code"][0]
    elsewhere = exchange(world, code, started.verifier, issuer="external")
    assert elsewhere.json()["error"] == "invalid_grant"


# -- the browser portal: CSRF on sign-up, CORS for fetch -------------------------------------------
def test_a_sign_up_post_without_the_forms_token_is_refused_and_creates_nothing(
    world: World,
) -> None:
    signup = f"{world.issuers['external']}/signup"
    email = f"forge-{secrets.token_hex(4)}@example.fr"
    links = len(world.links)
    # A cross-site form post: no cookie, no token (or a token of the attacker's own form).
    bare = requests.post(signup, data={"email": email, "password": PASSWORD}, timeout=TIMEOUT)
    own = requests.get(signup, timeout=TIMEOUT)
    [token] = re.findall(r'name="csrf" value="([^"]*)"', own.text)
    replayed = requests.post(
        signup, data={"csrf": token, "email": email, "password": PASSWORD}, timeout=TIMEOUT
    )
    mismatched = requests.post(
        signup,
        data={"csrf": token, "email": email, "password": PASSWORD},
        cookies={"cz_signup_csrf": token + "x"},
        timeout=TIMEOUT,
    )
    for refused in (bare, replayed, mismatched):
        assert refused.status_code == 403
        assert "Formulaire expiré" in refused.text
        assert 'name="csrf"' in refused.text  # a fresh form to send again
    assert len(world.links) == links  # no account, no confirmation link
    assert own.cookies["cz_signup_csrf"] == token
    assert "SameSite=Strict" in own.headers["Set-Cookie"]
    assert "HttpOnly" in own.headers["Set-Cookie"]
    assert sign_up(signup, email, PASSWORD).status_code == 200  # the real form still works


PORTAL = "http://127.0.0.1:7071"  # the registered redirect URIs' origin (settings' host port)


@pytest.mark.parametrize("issuer", ["franceconnect", "external"])
def test_the_token_endpoint_answers_the_portals_exact_origin_and_no_other(
    world: World, issuer: str
) -> None:
    started = authorize(world, issuer="franceconnect")
    code = code_of(consent(world, started))["code"][0]
    granted = requests.post(
        f"{world.issuers['franceconnect']}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": world.redirect,
            "client_id": LOCAL_CLIENT_ID,
            "code_verifier": started.verifier,
        },
        headers={"Origin": PORTAL},
        timeout=TIMEOUT,
    )
    assert granted.status_code == 200
    assert granted.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "Access-Control-Allow-Credentials" not in granted.headers
    base = world.issuers[issuer]
    for origin in (
        "http://127.0.0.1:7071.evil.example",
        "http://127.0.0.1:7072",
        "https://127.0.0.1:7071",
        "null",
        "*",
    ):
        other = requests.get(
            f"{base}/.well-known/openid-configuration", headers={"Origin": origin}, timeout=TIMEOUT
        )
        assert "Access-Control-Allow-Origin" not in other.headers, origin
        assert other.headers["Vary"] == "Origin"
    meta = requests.get(
        f"{base}/.well-known/openid-configuration", headers={"Origin": PORTAL}, timeout=TIMEOUT
    )
    assert meta.headers["Access-Control-Allow-Origin"] == PORTAL
    # userinfo is read with Authorization: the preflight allows that header for the portal.
    preflight = requests.options(
        f"{base}/userinfo",
        headers={
            "Origin": PORTAL,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
        timeout=TIMEOUT,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    # The pages a browser navigates to are never readable cross-origin.
    page = authorize(world, issuer=issuer)
    assert "Access-Control-Allow-Origin" not in page.page.headers

"""Agents sign in at the local provider's agents' issuer (embedded mode), as at an Entra ID
tenant: authorization code + PKCE with the agents' pages' client, an Entra ID v2.0-shaped access
token that the ops and stats routes accept and the citizens' routes refuse — over real HTTP on
127.0.0.1, with the whole connector behind it (the world of ``test_flow_e2e``)."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

import jwt
import pytest
import requests

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.emulator import agent_id, agent_object_id, serve
from cityzen_connector.identity import LOCAL_OPS_AUDIENCE, LOCAL_OPS_TENANT_ID
from cityzen_connector.settings import Settings
from cityzen_connector.signin import LOCAL_CLIENT_ID, LOCAL_DESK_CLIENT_ID, login
from tests.cli.agent import Emulator
from tests.signin import test_flow_e2e as flow
from tests.signin.test_flow_e2e import TIMEOUT, Started, World, b64, claims, code_of, signed_in

pytestmark = pytest.mark.e2e
world = flow.world  # the same servers, started once more for this module


def agents_url(world: World) -> str:
    return f"{world.issuers['franceconnect']}/agents"


def start(world: World, **overrides: str) -> Started:
    http = requests.Session()
    verifier, state, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(8), "n-1"
    params = {
        "response_type": "code",
        "client_id": LOCAL_DESK_CLIENT_ID,
        "redirect_uri": world.redirect,
        "scope": "openid profile access_as_user",
        "state": state,
        "nonce": nonce,
        "code_challenge": b64(hashlib.sha256(verifier.encode()).digest()),
        "code_challenge_method": "S256",
        **overrides,
    }
    page = http.get(
        f"{agents_url(world)}/authorize", params=params, allow_redirects=False, timeout=TIMEOUT
    )
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page.text))
    return Started(http, verifier, state, nonce, page, fields)


def choose(world: World, started: Started, agent: str = "agnes.martin") -> requests.Response:
    form = {**started.fields, "decision": "allow", "agent": agent}
    return started.http.post(
        f"{agents_url(world)}/authorize", data=form, allow_redirects=False, timeout=TIMEOUT
    )


def redeem(world: World, started: Started, code: str, **extra: str) -> requests.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": world.redirect,
        "client_id": LOCAL_DESK_CLIENT_ID,
        "code_verifier": started.verifier,
        **extra,
    }
    return requests.post(f"{agents_url(world)}/token", data=form, timeout=TIMEOUT)


def agent_tokens(world: World, agent: str = "agnes.martin") -> dict[str, Any]:
    started = start(world)
    reply = redeem(world, started, code_of(choose(world, started, agent))["code"][0])
    assert reply.status_code == 200, reply.text
    tokens: dict[str, Any] = reply.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_discovery_names_the_agents_issuer_its_rs256_key_and_scopes(world: World) -> None:
    meta = requests.get(
        f"{agents_url(world)}/.well-known/openid-configuration", timeout=TIMEOUT
    ).json()
    assert meta["issuer"] == agents_url(world)
    assert meta["scopes_supported"] == ["openid", "profile", "access_as_user"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    keys = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()["keys"]
    assert [(k["kty"], k["alg"]) for k in keys] == [("RSA", "RS256")]


def test_the_page_offers_the_emulators_agents_with_their_roles(world: World) -> None:
    started = start(world)
    assert started.page.status_code == 200, started.page.text
    assert "<script" not in started.page.text
    for login_name in ("agnes.martin", "bruno.lefevre"):
        assert f'value="{login_name}"' in started.page.text
    assert "CityZen.Ops" in started.page.text
    assert "CityZen.Agent" in started.page.text


def test_an_agent_gets_an_entra_shaped_token_named_by_its_emulator_object_id(
    world: World,
) -> None:
    started = start(world)
    query = code_of(choose(world, started, "bruno.lefevre"))
    assert query["state"] == [started.state]
    assert query["iss"] == [agents_url(world)]
    tokens = redeem(world, started, query["code"][0]).json()
    access, id_token = claims(tokens["access_token"]), claims(tokens["id_token"])
    assert jwt.get_unverified_header(tokens["access_token"])["typ"] == "JWT"
    assert access["iss"] == agents_url(world)
    assert access["aud"] == LOCAL_OPS_AUDIENCE
    assert access["tid"] == LOCAL_OPS_TENANT_ID
    assert access["oid"] == agent_object_id("bruno.lefevre")
    assert access["roles"] == ["CityZen.Agent"]
    assert access["scp"] == "access_as_user"
    assert access["ver"] == "2.0"
    assert not {"name", "preferred_username", "email"} & set(access)  # the API needs none
    assert id_token["name"] == "Bruno Lefèvre"
    assert id_token["nonce"] == started.nonce
    assert id_token["aud"] == LOCAL_DESK_CLIENT_ID


def test_the_token_opens_the_stats_and_the_managers_the_ops_routes(world: World) -> None:
    agent = agent_tokens(world, "bruno.lefevre")["access_token"]
    stats = requests.get(f"{world.api}/stats", headers=bearer(agent), timeout=TIMEOUT)
    assert stats.status_code == 200, stats.text
    # An agent is no ops: the queues stay closed to the stats role alone.
    queues = requests.get(f"{world.api}/ops/queues", headers=bearer(agent), timeout=TIMEOUT)
    assert queues.status_code == 403, queues.text
    manager = agent_tokens(world, "agnes.martin")["access_token"]
    queues = requests.get(f"{world.api}/ops/queues", headers=bearer(manager), timeout=TIMEOUT)
    assert queues.status_code == 200, queues.text


def test_an_agents_token_is_refused_by_the_citizens_routes(world: World) -> None:
    token = agent_tokens(world)["access_token"]
    mine = requests.get(f"{world.api}/citizens/me/requests", headers=bearer(token), timeout=TIMEOUT)
    assert mine.status_code == 401
    assert "invalid_token" in mine.headers["WWW-Authenticate"]


def test_a_citizens_token_and_an_agents_id_token_are_refused_by_the_ops_routes(
    world: World,
) -> None:
    _, citizen = signed_in(world)
    for token in (citizen["access_token"], agent_tokens(world)["id_token"]):
        stats = requests.get(f"{world.api}/stats", headers=bearer(token), timeout=TIMEOUT)
        assert stats.status_code == 401, stats.text
        assert stats.headers["Content-Type"].startswith("application/problem+json")


def test_the_clients_are_kept_to_their_own_issuers(world: World) -> None:
    # The citizens' portal asks the agents' issuer, the agents' pages the citizens' one.
    portal = start(world, client_id=LOCAL_CLIENT_ID)
    assert portal.page.status_code == 400
    assert "Client inconnu" in portal.page.text
    desk = requests.get(
        f"{world.issuers['franceconnect']}/authorize",
        params={"client_id": LOCAL_DESK_CLIENT_ID, "redirect_uri": world.redirect},
        timeout=TIMEOUT,
    )
    assert desk.status_code == 400
    assert "Client inconnu" in desk.text


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"scope": "openid profile"}, "invalid_scope"),  # no API permission asked
        ({"scope": "openid cityzen.requests access_as_user"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
    ],
)
def test_a_bad_authorization_request_goes_back_with_the_error_and_state(
    world: World, overrides: dict[str, str], error: str
) -> None:
    started = start(world, **overrides)
    query = code_of(started.page)
    assert query["error"] == [error]
    assert query["state"] == [started.state]


def test_a_wrong_verifier_an_unknown_agent_and_a_missing_csrf_are_refused(world: World) -> None:
    started = start(world)
    code = code_of(choose(world, started))["code"][0]
    wrong = redeem(world, started, code, code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    assert redeem(world, started, code).json()["error"] == "invalid_grant"  # spent
    unknown = choose(world, start(world), "mallory")
    assert unknown.status_code == 400
    assert "Agent inconnu" in unknown.text
    forged = start(world)
    forged.http.cookies.clear()
    assert choose(world, forged).status_code == 400


def test_the_cli_login_helper_signs_an_agent_in(world: World) -> None:
    tokens = login(agents_url(world), redirect_uri=world.redirect, agent="agnes.martin")
    stats = requests.get(
        f"{world.api}/stats", headers=bearer(tokens["access_token"]), timeout=TIMEOUT
    )
    assert stats.status_code == 200, stats.text


def test_without_the_provider_or_with_an_ops_tenant_no_agents_issuer_is_trusted() -> None:
    assert configured.signin_agent_issuer(Settings(_env_file=None)) is None
    tenant = Settings(
        _env_file=None,
        signin_provider=True,
        auth_mode="both",
        ops_tenant_id="11111111-1111-4111-8111-111111111111",
        ops_audience="api://x",
    )
    assert configured.signin_agent_issuer(tenant) is None
    local = Settings(_env_file=None, signin_provider=True, auth_mode="both", signin_port=7999)
    issuer = configured.signin_agent_issuer(local)
    assert issuer is not None
    assert issuer.config.issuer == "http://127.0.0.1:7999/agents"
    assert issuer.config.algorithms == frozenset({"RS256"})
    assert issuer.config.tenant_id == LOCAL_OPS_TENANT_ID


def test_an_agent_signed_in_acts_on_the_desk_as_themself_and_a_citizen_cannot(
    world: World,
) -> None:
    deps = app.Container(world.settings)
    server = serve(app.desk_app(deps), "127.0.0.1", 0)
    try:
        emulator = Emulator(world.settings.dataverse_url, None, [])  # type: ignore[arg-type]
        ticket = emulator.new_case()
        desk = f"{server.url.rstrip('/')}/desk/api"
        agent = agent_tokens(world, "bruno.lefevre")["access_token"]
        held = requests.post(
            f"{desk}/cases/{ticket}/hold",
            json={"text": "Quel numéro ?"},
            headers=bearer(agent),
            timeout=TIMEOUT,
        )
        assert held.status_code == 200, held.text
        assert emulator.by_ticket(ticket)["_modifiedby_value"] == agent_id("bruno.lefevre")
        _, citizen = signed_in(world)
        refused = requests.get(
            f"{desk}/cases", headers=bearer(citizen["access_token"]), timeout=TIMEOUT
        )
        assert refused.status_code == 401
        assert refused.headers["Content-Type"] == "application/problem+json"
    finally:
        server.stop()
        deps.close()

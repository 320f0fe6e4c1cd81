"""From the Authorization header to a caller: header parsing, modes, issuers, Entra ID agents."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.identity import (
    BearerAuthenticator,
    CallerIdentity,
    IdentityConfigError,
    InvalidToken,
    JwkSet,
    KeysUnavailable,
    StaticJwksSource,
    TokenVerifier,
    authenticate_request,
    bearer_token,
    entra_agent_config,
)
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock
from tests.support.tokens import AUDIENCE, ISSUER, JWKS_URI, NOW, START, Fetcher, Signer, claims

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ENTRA_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
ENTRA_API = "8f2c2b4e-1d3a-4c55-9c1e-6a1f0f6d2b10"
ENTRA_DISCOVERY = ENTRA_ISSUER + "/.well-known/openid-configuration"
ENTRA_KEYS = f"https://login.microsoftonline.com/{TENANT}/discovery/v2.0/keys"


def entra_claims(**overrides: Any) -> dict[str, Any]:
    # Shape of a Microsoft identity platform v2.0 access token (access-token-claims-reference).
    base: dict[str, Any] = {
        "aud": ENTRA_API,
        "iss": ENTRA_ISSUER,
        "iat": int(NOW) - 60,
        "nbf": int(NOW) - 60,
        "exp": int(NOW) + 3600,
        "azp": "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        "name": "Agent Name",
        "oid": "00000000-0000-0000-66f3-3332eca7ea81",
        "roles": ["Cases.Ops"],
        "sub": "pairwise-sub",
        "tid": TENANT,
        "ver": "2.0",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def agent_verifier(signer: Signer, clock: FakeClock, **kw: Any) -> TokenVerifier:
    config = entra_agent_config(TENANT, frozenset({ENTRA_API}), **kw)
    return TokenVerifier(config, StaticJwksSource(JwkSet((signer.jwk(),))), clock=clock)


# -- header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc.def.ghi", "abc.def.ghi"),
        ("BEARER   abc.def-_~+/=", "abc.def-_~+/="),
    ],
)
def test_bearer_token_from_header(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "Bearer <script>", "Bearer é"]
)
def test_malformed_bearer_header(header: str) -> None:
    with pytest.raises(InvalidToken) as info:
        bearer_token(header)
    assert info.value.reason == "malformed"


# -- Entra ID agents -------------------------------------------------------------------------


def test_entra_agent_token_gives_an_agent_keyed_by_oid(
    rsa_signer: Signer, clock: FakeClock
) -> None:
    verifier = agent_verifier(rsa_signer, clock)
    identity = verifier.verify(rsa_signer.sign(entra_claims(), kid=rsa_signer.kid, typ="JWT"))
    assert identity.kind == "agent"
    assert identity.subject == "00000000-0000-0000-66f3-3332eca7ea81"
    assert identity.tenant_id == TENANT
    assert identity.roles == frozenset({"Cases.Ops"})
    assert identity.citizen is None


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"tid": "another-tenant"}, "wrong_issuer"),
        ({"iss": f"https://sts.windows.net/{TENANT}/"}, "wrong_issuer"),  # a v1.0 token
        ({"aud": "00000003-0000-0000-c000-000000000000"}, "wrong_audience"),  # Graph's token
        ({"oid": None}, "missing_claim"),
        ({"roles": None, "scp": None}, "id_token_refused"),
        ({"roles": "Cases.Ops"}, "malformed"),
    ],
)
def test_entra_tokens_refused(
    rsa_signer: Signer, clock: FakeClock, overrides: dict[str, Any], reason: str
) -> None:
    verifier = agent_verifier(rsa_signer, clock)
    with pytest.raises(InvalidToken) as info:
        verifier.verify(rsa_signer.sign(entra_claims(**overrides), kid=rsa_signer.kid))
    assert info.value.reason == reason


def test_entra_role_requirement(rsa_signer: Signer, clock: FakeClock) -> None:
    verifier = agent_verifier(rsa_signer, clock, accepted_roles=frozenset({"Cases.Admin"}))
    with pytest.raises(InvalidToken) as info:
        verifier.verify(rsa_signer.sign(entra_claims(), kid=rsa_signer.kid))
    assert info.value.reason == "insufficient_scope"


def test_entra_accepts_only_rs256(ec_signer: Signer, clock: FakeClock) -> None:
    verifier = agent_verifier(ec_signer, clock)
    with pytest.raises(InvalidToken) as info:
        verifier.verify(ec_signer.sign(entra_claims(), kid=ec_signer.kid))
    assert info.value.reason == "alg_not_allowed"


# -- routing by issuer and modes -------------------------------------------------------------


@pytest.fixture
def authenticator(
    verifier: TokenVerifier, rsa_signer: Signer, clock: FakeClock
) -> BearerAuthenticator:
    return BearerAuthenticator([verifier, agent_verifier(rsa_signer, clock)])


def test_tokens_go_to_their_issuers_verifier(
    authenticator: BearerAuthenticator, rsa_signer: Signer
) -> None:
    citizen = authenticator.authenticate(rsa_signer.sign(claims(), kid=rsa_signer.kid))
    agent = authenticator.authenticate(rsa_signer.sign(entra_claims(), kid=rsa_signer.kid))
    assert (citizen.kind, agent.kind) == ("citizen", "agent")


def test_unknown_issuer_is_refused(authenticator: BearerAuthenticator, rsa_signer: Signer) -> None:
    with pytest.raises(InvalidToken) as info:
        authenticator.authenticate(rsa_signer.sign(claims(iss="https://x.example"), kid="k"))
    assert info.value.reason == "wrong_issuer"


def test_two_verifiers_for_one_issuer_is_a_config_error(verifier: TokenVerifier) -> None:
    with pytest.raises(IdentityConfigError):
        BearerAuthenticator([verifier, verifier])


def test_function_key_mode_gives_the_portal(authenticator: BearerAuthenticator) -> None:
    identity = authenticate_request(
        "function_key", authorization=None, function_key_valid=True, authenticator=None
    )
    assert identity == CallerIdentity.trusted_portal()
    with pytest.raises(InvalidToken) as info:
        authenticate_request(
            "function_key", authorization=None, function_key_valid=False, authenticator=None
        )
    assert info.value.reason == "missing"
    assert info.value.www_authenticate == 'Bearer realm="cityzen"'


def test_bearer_mode_ignores_a_function_key(
    authenticator: BearerAuthenticator, rsa_signer: Signer
) -> None:
    with pytest.raises(InvalidToken) as info:
        authenticate_request(
            "bearer", authorization=None, function_key_valid=True, authenticator=authenticator
        )
    assert info.value.http_status == 401
    token = rsa_signer.sign(claims(), kid=rsa_signer.kid)
    identity = authenticate_request(
        "bearer",
        authorization=f"Bearer {token}",
        function_key_valid=False,
        authenticator=authenticator,
    )
    assert identity.kind == "citizen"


def test_both_mode_never_rescues_a_bad_token_with_the_key(
    authenticator: BearerAuthenticator, rsa_signer: Signer
) -> None:
    expired = rsa_signer.sign(claims(exp=int(NOW) - 9999), kid=rsa_signer.kid)
    with pytest.raises(InvalidToken) as info:
        authenticate_request(
            "both",
            authorization=f"Bearer {expired}",
            function_key_valid=True,
            authenticator=authenticator,
        )
    assert info.value.reason == "expired"
    assert info.value.www_authenticate == 'Bearer realm="cityzen", error="invalid_token"'
    portal = authenticate_request(
        "both", authorization=None, function_key_valid=True, authenticator=authenticator
    )
    assert portal.kind == "portal"


# -- from settings ---------------------------------------------------------------------------


def test_default_settings_need_no_identity_provider() -> None:
    settings = Settings(_env_file=None)
    assert settings.auth_mode == "function_key"
    container = app.Container(settings, fetch=Fetcher(), clock=FakeClock(START))
    assert container.authenticator is None


def test_bearer_mode_without_an_issuer_fails_at_start_up() -> None:
    with pytest.raises(app.ConfigurationError, match="CITYZEN_AUTH_OIDC_ISSUER"):
        app.load_settings(auth_mode="bearer")


def test_settings_build_working_verifiers(
    fetcher: Fetcher, rsa_signer: Signer, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYZEN_AUTH_MODE", "both")
    monkeypatch.setenv("CITYZEN_AUTH_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("CITYZEN_AUTH_OIDC_AUDIENCE", f"{AUDIENCE}, api://cityzen-v2")
    monkeypatch.setenv("CITYZEN_AUTH_OIDC_ALGORITHMS", "RS256")
    monkeypatch.setenv("CITYZEN_AUTH_OIDC_CLAIM_MAP", '{"birthplace": "ext_birthplace"}')
    monkeypatch.setenv("CITYZEN_AUTH_ENTRA_TENANT_ID", TENANT)
    monkeypatch.setenv("CITYZEN_AUTH_ENTRA_AUDIENCE", ENTRA_API)
    settings = Settings()
    citizen = configured.citizen_config(settings)
    agents = configured.agent_config(settings)
    assert citizen is not None
    assert agents is not None
    assert citizen.audiences == frozenset({AUDIENCE, "api://cityzen-v2"})
    assert citizen.algorithms == frozenset({"RS256"})
    assert citizen.claim_map["birthplace"] == "ext_birthplace"
    assert agents.issuer == ENTRA_ISSUER
    fetcher.documents[ISSUER + "/.well-known/openid-configuration"] = {
        "issuer": ISSUER,
        "jwks_uri": JWKS_URI,
    }
    fetcher.documents[ENTRA_DISCOVERY] = {"issuer": ENTRA_ISSUER, "jwks_uri": ENTRA_KEYS}
    fetcher.documents[ENTRA_KEYS] = {"keys": [rsa_signer.jwk()]}
    authenticator = app.Container(settings, fetch=fetcher, clock=clock).authenticator
    assert authenticator is not None
    assert authenticator.authenticate(rsa_signer.sign(claims(), kid=rsa_signer.kid)).kind == (
        "citizen"
    )
    assert authenticator.authenticate(rsa_signer.sign(entra_claims(), kid=rsa_signer.kid)).kind == (
        "agent"
    )


def test_unsafe_algorithm_setting_fails_at_start_up() -> None:
    settings = Settings(
        _env_file=None,
        auth_oidc_issuer=ISSUER,
        auth_oidc_audience=AUDIENCE,
        auth_oidc_algorithms="RS256,HS256",
    )
    with pytest.raises(IdentityConfigError, match="HS256"):
        configured.citizen_config(settings)
    with pytest.raises(app.ConfigurationError, match="CITYZEN_AUTH_OIDC_ALGORITHMS"):
        app.check(settings.model_copy(update={"auth_mode": "bearer"}))


@settings(max_examples=200, deadline=None)
@given(header=st.text(max_size=200))
def test_any_authorization_header_gives_a_token_none_or_a_typed_refusal(header: str) -> None:
    reasons: list[str] = []
    try:
        token = bearer_token(header)
    except InvalidToken as exc:
        reasons.append(exc.reason)
        token = None
    assert reasons in ([], ["malformed"])
    assert token is None or (token and " " not in token)


def test_refusal_maps_to_problem_codes() -> None:
    assert InvalidToken("expired").problem_code == "unauthorized"
    assert InvalidToken("insufficient_scope").problem_code == "forbidden"
    assert KeysUnavailable("down").http_status == 503

"""``cityzen identity check|verify|ops-token``: useful answers, never a claim value on screen,
and in local mode an ops token the local routes accept."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from cityzen_connector import app
from cityzen_connector._types import Headers
from cityzen_connector.api import ApiRequest
from cityzen_connector.cli import main
from cityzen_connector.cli._identity import check_providers, verify_token
from cityzen_connector.identity import LOCAL_OPS_KEY_FILE
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock
from tests.support.ops import API_CLIENT_ID, KID, TENANT, Tenant
from tests.support.tokens import (
    AUDIENCE,
    ISSUER,
    JWKS_URI,
    NOW,
    SECRET_CLAIMS,
    Fetcher,
    Signer,
    claims,
)


def bearer_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "auth_mode": "bearer",
        "auth_oidc_issuer": ISSUER,
        "auth_oidc_audience": AUDIENCE,
        "auth_oidc_jwks_uri": JWKS_URI,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_check_lists_each_provider_and_its_key_ids(fetcher: Fetcher, clock: FakeClock) -> None:
    out = io.StringIO()
    assert check_providers(bearer_settings(), fetcher, clock, out) == 0
    assert f"ok     citizen {ISSUER}: 2 keys (rsa-2026-01, ec-2026-01)" in out.getvalue()


def test_check_reports_an_unreachable_provider(fetcher: Fetcher, clock: FakeClock) -> None:
    fetcher.failing = True
    out = io.StringIO()
    assert check_providers(bearer_settings(), fetcher, clock, out) == 1
    assert f"FAILED citizen {ISSUER}" in out.getvalue()


def test_check_in_bearer_mode_without_providers_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITYZEN_AUTH_MODE", "bearer")
    assert main(["identity", "check"]) == 2
    assert "CITYZEN_AUTH_MODE: bearer needs CITYZEN_AUTH_OIDC_ISSUER" in capsys.readouterr().err


def test_verify_prints_claim_names_never_values(
    fetcher: Fetcher, clock: FakeClock, rsa_signer: Signer
) -> None:
    out = io.StringIO()
    token = rsa_signer.sign(claims(), kid=rsa_signer.kid)
    assert verify_token(bearer_settings(), f"{token}\n", fetcher, clock, out) == 0
    text = out.getvalue()
    assert f"accepted: citizen from {ISSUER}" in text
    assert "certified: birthcountry birthdate birthplace family_name gender given_name" in text
    assert "eIDAS level (acr): eidas1" in text
    for value in SECRET_CLAIMS.values():
        assert value not in text


def test_verify_explains_a_refusal(fetcher: Fetcher, clock: FakeClock, rsa_signer: Signer) -> None:
    out = io.StringIO()
    token = rsa_signer.sign(claims(exp=int(NOW) - 999), kid=rsa_signer.kid)
    assert verify_token(bearer_settings(), token, fetcher, clock, out) == 1
    assert out.getvalue() == "refused (401): expired: the token has expired\n"


def test_verify_in_function_key_mode_says_so(fetcher: Fetcher, clock: FakeClock) -> None:
    out = io.StringIO()
    assert verify_token(Settings(_env_file=None), "x.y.z", fetcher, clock, out) == 2
    assert "function_key" in out.getvalue()


def test_command_is_registered(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CITYZEN_AUTH_MODE", raising=False)
    monkeypatch.delenv("CITYZEN_AUTH_OIDC_ISSUER", raising=False)
    monkeypatch.delenv("CITYZEN_AUTH_ENTRA_TENANT_ID", raising=False)
    assert main(["identity", "check"]) == 0  # local defaults: nothing to fetch
    assert "only function keys are accepted" in capsys.readouterr().out


# -- ops tokens ---------------------------------------------------------------------------------
def test_ops_token_prints_a_token_the_local_ops_routes_accept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CITYZEN_OPS_TENANT_ID", raising=False)
    assert main(["identity", "ops-token"]) == 0
    token = capsys.readouterr().out.strip()
    memory = {"queue_url": "memory://", "store_url": "memory://", "blob_url": "memory://"}
    container = app.Container(Settings(_env_file=None, data_dir=tmp_path, **memory))
    request = ApiRequest("GET", "/v1/ops/queues", Headers({"Authorization": f"Bearer {token}"}))
    assert container.http_api.handle(request).status == 200
    assert main(["identity", "ops-token", "--no-role"]) == 0
    no_role = capsys.readouterr().out.strip()
    request = ApiRequest("GET", "/v1/ops/queues", Headers({"Authorization": f"Bearer {no_role}"}))
    assert container.http_api.handle(request).status == 403


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--oid", "marianne"], "--oid must be an object id"),
        (["--minutes", "0"], "--minutes must be between 1 and 1440"),
        (["--minutes", "1441"], "--minutes must be between 1 and 1440"),
    ],
)
def test_ops_token_refuses_bad_arguments(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    assert main(["identity", "ops-token", *argv]) == 2
    assert message in capsys.readouterr().out
    assert not (tmp_path / LOCAL_OPS_KEY_FILE).exists()


def test_ops_token_outside_local_mode_points_to_entra_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CITYZEN_OPS_TENANT_ID", TENANT)
    monkeypatch.setenv("CITYZEN_OPS_AUDIENCE", API_CLIENT_ID)
    assert main(["identity", "ops-token"]) == 2
    out = capsys.readouterr().out
    assert "CITYZEN_OPS_TENANT_ID is set: ops tokens come from Entra ID" in out
    assert "az account get-access-token" in out
    assert not (tmp_path / LOCAL_OPS_KEY_FILE).exists()


def test_check_fetches_the_ops_tenants_keys_too(clock: FakeClock) -> None:
    tenant = Tenant()
    settings = Settings(_env_file=None, ops_tenant_id=TENANT, ops_audience=API_CLIENT_ID)
    out = io.StringIO()
    assert check_providers(settings, tenant, clock, out) == 0
    assert f"ok     ops https://login.microsoftonline.com/{TENANT}/v2.0: 1 keys ({KID})" in (
        out.getvalue()
    )
    tenant.down = True
    out = io.StringIO()
    assert check_providers(settings, tenant, clock, out) == 1
    assert "FAILED ops" in out.getvalue()


def test_check_in_local_mode_names_the_local_key(fetcher: Fetcher, clock: FakeClock) -> None:
    out = io.StringIO()
    assert check_providers(Settings(_env_file=None), fetcher, clock, out) == 0
    assert "ops    the local key (cityzen identity ops-token)" in out.getvalue()

"""Token providers: caching, refresh before expiry, eviction on 401, msal errors typed.

msal itself runs for real here; only its HTTP client is a fake answering on behalf of Entra
ID and the managed identity endpoint (msal's own ``http_client`` seam), so nothing leaves the
process.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import msal  # type: ignore[import-untyped]
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from cityzen_connector.dataverse import (
    AuthenticationError,
    ManagedIdentityProvider,
    MsalClientCredentialsProvider,
    StaticTokenProvider,
    scope_for,
)
from cityzen_connector.testing import FakeClock
from tests.support.entra import CLIENT, TENANT, FakeEntra

from .conftest import ORG


def test_scope_is_the_org_url_default() -> None:
    assert scope_for(ORG + "/") == ORG + "/.default"


def test_client_secret_tokens_are_cached_and_evicted_on_invalidate() -> None:
    entra = FakeEntra()
    provider = MsalClientCredentialsProvider(
        ORG, tenant_id=TENANT, client_id=CLIENT, client_secret="s3cret", http_client=entra,
        clock=FakeClock(),
    )  # fmt: skip
    assert provider.get_token() == "app-token-1"
    assert provider.get_token() == "app-token-1"
    assert entra.issued == 1
    assert entra.token_requests[0]["scope"] == [ORG + "/.default"]
    provider.invalidate()
    # Without remove_tokens_for_client() msal would return app-token-1 from its cache.
    assert provider.get_token() == "app-token-2"
    assert "s3cret" not in repr(provider)


def test_refresh_before_expiry_through_the_clock() -> None:
    class App:
        def __init__(self) -> None:
            self.calls = 0

        def acquire_token_for_client(self, scopes: list[str]) -> dict[str, Any]:
            self.calls += 1
            return {"access_token": f"t{self.calls}", "expires_in": 3600}

        def remove_tokens_for_client(self) -> None:
            pass

    app, clock = App(), FakeClock()
    provider = MsalClientCredentialsProvider(ORG, app=app, clock=clock, refresh_margin=300)
    assert provider.get_token() == "t1"
    clock.advance(3600 - 301)
    assert provider.get_token() == "t1"
    clock.advance(2)  # now inside the 5-minute margin
    assert provider.get_token() == "t2"


def test_msal_error_dicts_become_typed_errors_without_secrets() -> None:
    entra = FakeEntra(fail_with={
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x",
        "correlation_id": "corr-1",
    })  # fmt: skip
    provider = MsalClientCredentialsProvider(
        ORG, tenant_id=TENANT, client_id=CLIENT, client_secret="wrong-s3cret", http_client=entra
    )
    with pytest.raises(AuthenticationError) as caught:
        provider.get_token()
    assert caught.value.code == "invalid_client"
    assert "AADSTS7000215" in str(caught.value)
    assert "wrong-s3cret" not in str(caught.value)
    assert "Trace ID" not in str(caught.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tenant_id": TENANT, "client_id": CLIENT}, "secret or a certificate"),
        ({"client_id": CLIENT, "client_secret": "x"}, "tenant id"),
        (
            {
                "tenant_id": TENANT,
                "client_id": CLIENT,
                "certificate_path": Path("/nonexistent.pem"),
            },
            "cannot read",
        ),
    ],
)
def test_misconfiguration_fails_at_construction(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(AuthenticationError, match=match):
        MsalClientCredentialsProvider(ORG, **kwargs)


def _write_pem(path: Path, *, with_cert: bool = True) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cityzen-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(1)
        .not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    if with_cert:
        pem += cert.public_bytes(serialization.Encoding.PEM)
    path.write_bytes(pem)
    return path


def test_certificate_credentials_sign_a_client_assertion(tmp_path: Path) -> None:
    entra = FakeEntra()
    provider = MsalClientCredentialsProvider(
        ORG, tenant_id=TENANT, client_id=CLIENT, certificate_path=_write_pem(tmp_path / "c.pem"),
        http_client=entra,
    )  # fmt: skip
    assert provider.get_token() == "app-token-1"
    sent = entra.token_requests[0]
    assert sent["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]
    assert "client_secret" not in sent


def test_a_pem_without_its_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuthenticationError, match="private key and a certificate"):
        MsalClientCredentialsProvider(
            ORG, tenant_id=TENANT, client_id=CLIENT,
            certificate_path=_write_pem(tmp_path / "k.pem", with_cert=False),
        )  # fmt: skip


def test_managed_identity_evicts_msal_cache_on_invalidate() -> None:
    endpoint = FakeEntra()
    cache = msal.TokenCache()
    client = msal.ManagedIdentityClient(
        msal.UserAssignedManagedIdentity(client_id=CLIENT), http_client=endpoint, token_cache=cache
    )
    provider = ManagedIdentityProvider(ORG, client=client, token_cache=cache, clock=FakeClock())
    assert provider.get_token() == "mi-token-1"
    assert provider.get_token() == "mi-token-1"
    assert endpoint.token_requests[0]["resource"] == [ORG]
    provider.invalidate()
    assert provider.get_token() == "mi-token-2"


def test_static_provider() -> None:
    provider = StaticTokenProvider("local-dev-token")
    provider.invalidate()
    assert provider.get_token() == "local-dev-token"
    assert "local-dev-token" not in repr(provider)
    with pytest.raises(AuthenticationError):
        StaticTokenProvider("")

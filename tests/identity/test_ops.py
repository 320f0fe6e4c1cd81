"""Ops tokens: the Entra ID issuers the ops authenticator trusts, and the local mode's signing
key that stands in for a tenant (0600, created once, never quoted)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from cityzen_connector.identity import (
    ENTRA_V1_ISSUER,
    ENTRA_V2_ISSUER,
    LOCAL_OPS_AGENT_OID,
    LOCAL_OPS_AUDIENCE,
    LOCAL_OPS_TENANT_ID,
    BearerAuthenticator,
    IdentityConfigError,
    InvalidToken,
    KeysUnavailable,
    LocalKeySource,
    LocalSigningKey,
    OpsAuthenticator,
    TokenVerifier,
    entra_ops_issuers,
    entra_style_claims,
)
from cityzen_connector.testing import FakeClock
from tests.support.tokens import START

TENANT = "8EAEF023-2B34-4DA1-9BAA-8BC8C9D6A490"


def test_v2_issuer_only_unless_v1_is_asked_for_each_with_its_keys_document() -> None:
    (v2,) = entra_ops_issuers(TENANT, frozenset({"api-client-id"}), "CityZen.Ops")
    tenant = TENANT.lower()  # as Entra writes it in iss and tid
    assert v2.config.issuer == f"https://login.microsoftonline.com/{tenant}/v2.0"
    assert v2.jwks_uri == f"https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"
    assert v2.config.algorithms == frozenset({"RS256"})
    assert v2.config.accepted_roles == frozenset({"CityZen.Ops"})
    assert (v2.config.subject_claim, v2.config.tenant_id) == ("oid", tenant)
    both = entra_ops_issuers(TENANT, frozenset({"api://x"}), "CityZen.Ops", accept_v1=True)
    assert [i.config.issuer for i in both] == [
        ENTRA_V2_ISSUER.format(tenant=tenant),
        ENTRA_V1_ISSUER.format(tenant=tenant),
    ]
    assert both[1].jwks_uri == f"https://login.microsoftonline.com/{tenant}/discovery/keys"
    pinned = entra_ops_issuers(TENANT, frozenset({"a"}), "R", jwks_uri="https://proxy/keys")
    assert pinned[0].jwks_uri == "https://proxy/keys"


@pytest.mark.parametrize(
    ("tenant", "role"),
    [
        ("contoso.onmicrosoft.com", "CityZen.Ops"),  # tokens carry the id, never the domain
        ("common", "CityZen.Ops"),  # a multi-tenant endpoint would trust every tenant
        (TENANT, "CityZen Ops"),
        (TENANT, "CityZen.Ops,Admin"),
        (TENANT, ""),
    ],
)
def test_a_tenant_that_is_not_an_id_or_a_role_that_is_not_one_value_is_refused(
    tenant: str, role: str
) -> None:
    with pytest.raises(IdentityConfigError):
        entra_ops_issuers(tenant, frozenset({"a"}), role)


def test_the_local_key_is_created_private_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ops-signing-key.pem"
    first = LocalSigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    again = LocalSigningKey.load_or_create(path)
    assert again.kid == first.kid
    assert len(first.kid) == 43  # an RFC 7638 SHA-256 thumbprint, base64url
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary left


def test_two_processes_starting_together_keep_one_key(tmp_path: Path) -> None:
    path = tmp_path / "ops-signing-key.pem"
    kids: list[str] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        barrier.wait()
        kids.append(LocalSigningKey.load_or_create(path).kid)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(kids)) == 1
    assert kids[0] == LocalSigningKey.load_or_create(path).kid


def test_a_key_file_others_can_read_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "ops-signing-key.pem"
    LocalSigningKey.load_or_create(path)
    os.chmod(path, 0o644)
    LocalSigningKey.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_broken_key_file_is_named_never_quoted(tmp_path: Path) -> None:
    path = tmp_path / "ops-signing-key.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n")
    with pytest.raises(IdentityConfigError) as info:
        LocalSigningKey.load_or_create(path)
    assert str(path) in str(info.value)
    assert "c2VjcmV0" not in str(info.value)
    # The host answers 503 (not a traceback) and says which file to delete in its log.
    with pytest.raises(KeysUnavailable):
        LocalKeySource(path).get_keys()


def test_the_key_source_creates_nothing_before_a_token_is_verified(tmp_path: Path) -> None:
    path = tmp_path / "ops-signing-key.pem"
    source = LocalKeySource(path)
    assert not path.exists()
    keys = source.get_keys()
    assert path.exists()
    assert [k["kid"] for k in keys.keys] == [LocalSigningKey.load_or_create(path).kid]


def test_a_locally_signed_token_passes_the_very_verifier_a_tenant_uses(tmp_path: Path) -> None:
    clock = FakeClock(START)
    path = tmp_path / "ops-signing-key.pem"
    (issuer,) = entra_ops_issuers(
        LOCAL_OPS_TENANT_ID, frozenset({LOCAL_OPS_AUDIENCE}), "CityZen.Ops"
    )
    verifier = TokenVerifier(issuer.config, LocalKeySource(path), clock=clock)
    ops = OpsAuthenticator(BearerAuthenticator([verifier]))

    def token(roles: list[str]) -> str:
        claims = entra_style_claims(
            tenant_id=LOCAL_OPS_TENANT_ID,
            audience=LOCAL_OPS_AUDIENCE,
            object_id=LOCAL_OPS_AGENT_OID,
            roles=roles,
            now=clock.now(),
        )
        return LocalSigningKey.load_or_create(path).sign(claims)

    caller = ops.authenticate(f"Bearer {token(['CityZen.Ops'])}")
    assert caller.object_id == LOCAL_OPS_AGENT_OID
    with pytest.raises(InvalidToken) as info:
        ops.authenticate(f"Bearer {token([])}")
    assert info.value.http_status == 403
    # Another key file (the old one deleted): its tokens are refused, not trusted.
    other = LocalSigningKey.load_or_create(tmp_path / "other.pem")
    with pytest.raises(InvalidToken):
        ops.authenticate(f"Bearer {other.sign({'iss': issuer.config.issuer})}")

"""Settings → the ops tenant's issuers (``/api/v1/ops``) and, in local mode without an ops
tenant, the signing key in the data folder that stands in for Entra ID."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector.identity import LocalSigningKey, OpsIssuer


def items(value: str) -> frozenset[str]:
    """A setting's list: items separated by commas or spaces."""
    return frozenset(item.strip() for item in value.replace(" ", ",").split(",") if item.strip())


def uses_local_ops_key(settings: Settings) -> bool:
    """Local mode without an ops tenant: a key in the data folder stands in for Entra ID."""
    return settings.local_mode and not settings.ops_tenant_id


def ops_issuers(
    settings: Settings, also_roles: frozenset[str] = frozenset()
) -> tuple[OpsIssuer, ...]:
    """The ops tenant's issuers (v2.0, and v1.0 if accepted); none when no tenant is set.
    ``also_roles``: roles accepted besides the ops role (the stats route's)."""
    from cityzen_connector.identity import (
        LOCAL_OPS_AUDIENCE,
        LOCAL_OPS_TENANT_ID,
        entra_ops_issuers,
    )

    local = uses_local_ops_key(settings)
    if not settings.ops_tenant_id and not local:
        return ()
    return entra_ops_issuers(
        LOCAL_OPS_TENANT_ID if local else settings.ops_tenant_id,
        frozenset({LOCAL_OPS_AUDIENCE}) if local else items(settings.ops_audience),
        settings.ops_role,
        accept_v1=settings.ops_accept_v1_tokens and not local,
        jwks_uri=settings.ops_jwks_uri,
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        max_token_bytes=settings.auth_token_max_bytes,
        also_roles=also_roles,
    )


def local_ops_key(settings: Settings) -> LocalSigningKey:
    """The local mode's signing key, created (0600) in the data folder the first time."""
    from cityzen_connector.identity import LOCAL_OPS_KEY_FILE, LocalSigningKey

    return LocalSigningKey.load_or_create(settings.data_dir / LOCAL_OPS_KEY_FILE)


def mint_local_ops_token(
    settings: Settings,
    *,
    now: float,
    roles: tuple[str, ...] | None = None,
    object_id: str | None = None,
    lifetime_seconds: int = 3600,
) -> str:
    """An ops token the local mode's routes accept (``cityzen identity ops-token``)."""
    from cityzen_connector.identity import (
        LOCAL_OPS_AGENT_OID,
        LOCAL_OPS_AUDIENCE,
        LOCAL_OPS_TENANT_ID,
        IdentityConfigError,
        entra_style_claims,
    )

    if not uses_local_ops_key(settings):
        raise IdentityConfigError(
            "ops tokens are signed locally only in local mode without CITYZEN_OPS_TENANT_ID"
        )
    claims = entra_style_claims(
        tenant_id=LOCAL_OPS_TENANT_ID,
        audience=LOCAL_OPS_AUDIENCE,
        object_id=object_id or LOCAL_OPS_AGENT_OID,
        roles=(settings.ops_role,) if roles is None else roles,
        now=now,
        lifetime_seconds=lifetime_seconds,
    )
    return local_ops_key(settings).sign(claims)

"""Settings → the verifiers of the identity providers a deployment trusts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector._clock import WallClock
    from cityzen_connector.identity import (
        BearerAuthenticator,
        FetchJson,
        HttpJwksSource,
        VerifierConfig,
    )

__all__ = ["agent_config", "authenticator", "citizen_config", "issuers", "jwks_source"]


def _items(value: str) -> frozenset[str]:
    return frozenset(item.strip() for item in value.replace(" ", ",").split(",") if item.strip())


def citizen_config(settings: Settings) -> VerifierConfig | None:
    """The citizens' provider, or ``None`` when no issuer is configured."""
    from cityzen_connector.identity import VerifierConfig

    if not settings.auth_oidc_issuer:
        return None
    return VerifierConfig(
        issuer=settings.auth_oidc_issuer,
        audiences=_items(settings.auth_oidc_audience),
        kind="citizen",
        algorithms=_items(settings.auth_oidc_algorithms),
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        type_check=settings.auth_oidc_type_check,
        client_ids=_items(settings.auth_oidc_client_ids),
        required_scopes=_items(settings.auth_oidc_required_scopes),
        certified_claims=_items(settings.auth_oidc_certified_claims),
        claim_map=settings.auth_oidc_claim_map,
        max_token_bytes=settings.auth_token_max_bytes,
    )


def agent_config(settings: Settings) -> VerifierConfig | None:
    """Agents' and ops' Entra ID tenant, or ``None`` when no tenant is configured."""
    from cityzen_connector.identity import entra_agent_config

    if not settings.auth_entra_tenant_id:
        return None
    return entra_agent_config(
        settings.auth_entra_tenant_id,
        _items(settings.auth_entra_audience),
        accepted_roles=_items(settings.auth_entra_roles),
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        max_token_bytes=settings.auth_token_max_bytes,
    )


def issuers(settings: Settings) -> list[VerifierConfig]:
    """Every issuer this deployment trusts, citizens' first."""
    return [c for c in (citizen_config(settings), agent_config(settings)) if c is not None]


def jwks_source(
    settings: Settings, config: VerifierConfig, fetch: FetchJson, clock: WallClock
) -> HttpJwksSource:
    """Where one configured issuer's keys come from (citizens may pin a URL; Entra discovers)."""
    from cityzen_connector.identity import HttpJwksSource

    pinned = config.kind == "citizen"
    return HttpJwksSource(
        fetch,
        clock=clock,
        issuer=config.issuer,
        jwks_uri=settings.auth_oidc_jwks_uri if pinned else "",
        discovery_url=settings.auth_oidc_discovery_url if pinned else "",
        cache_ttl_seconds=settings.auth_jwks_cache_ttl_seconds,
        min_refresh_interval_seconds=settings.auth_jwks_min_refresh_seconds,
    )


def authenticator(settings: Settings, fetch: FetchJson, clock: WallClock) -> BearerAuthenticator:
    """Verifiers for every configured issuer (``Settings`` guarantees there is one when the
    auth mode takes bearer tokens). Fetches nothing yet: keys are fetched on first use."""
    from cityzen_connector.identity import BearerAuthenticator, TokenVerifier

    verifiers = [
        TokenVerifier(config, jwks_source(settings, config, fetch, clock), clock=clock)
        for config in issuers(settings)
    ]
    return BearerAuthenticator(verifiers)

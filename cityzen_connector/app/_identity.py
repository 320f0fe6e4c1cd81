"""Settings → the verifiers of the identity providers a deployment trusts: the citizens' (and
agents') for the portal routes, and apart from them the ops tenant's for ``/api/v1/ops``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

# The ops tenant's issuers and the local sign-in provider live apart; their names stay
# importable from here (``app._identity``), where the CLI, tests and benches find them.
from ._identity_ops import (
    items,
    local_ops_key,
    mint_local_ops_token,
    ops_issuers,
    uses_local_ops_key,
)
from ._identity_signin import (
    signin_agent_issuer,
    signin_agent_logins,
    signin_agents,
    signin_app,
    signin_configs,
    signin_url,
)

if TYPE_CHECKING:
    from cityzen_connector._clock import WallClock
    from cityzen_connector.identity import (
        BearerAuthenticator,
        FetchJson,
        HttpJwksSource,
        JwksSource,
        OpsAuthenticator,
        VerifierConfig,
    )

__all__ = [
    "agent_config",
    "authenticator",
    "checked_ops_authenticator",
    "citizen_config",
    "issuers",
    "jwks_source",
    "local_ops_key",
    "mint_local_ops_token",
    "ops_authenticator",
    "ops_issuers",
    "signin_agent_issuer",
    "signin_agent_logins",
    "signin_agents",
    "signin_app",
    "signin_configs",
    "signin_url",
    "uses_local_ops_key",
]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def citizen_config(settings: Settings) -> VerifierConfig | None:
    """The citizens' provider, or ``None`` when no issuer is configured."""
    from cityzen_connector.identity import VerifierConfig

    if not settings.auth_oidc_issuer:
        return None
    return VerifierConfig(
        issuer=settings.auth_oidc_issuer,
        audiences=items(settings.auth_oidc_audience),
        kind="citizen",
        algorithms=items(settings.auth_oidc_algorithms),
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        type_check=settings.auth_oidc_type_check,
        client_ids=items(settings.auth_oidc_client_ids),
        required_scopes=items(settings.auth_oidc_required_scopes),
        certified_claims=items(settings.auth_oidc_certified_claims),
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
        items(settings.auth_entra_audience),
        accepted_roles=items(settings.auth_entra_roles),
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        max_token_bytes=settings.auth_token_max_bytes,
    )


def issuers(settings: Settings) -> list[VerifierConfig]:
    """Every issuer this deployment trusts, citizens' first."""
    found = [c for c in (citizen_config(settings), agent_config(settings)) if c is not None]
    return [*found, *signin_configs(settings)]


def jwks_source(
    settings: Settings, config: VerifierConfig, fetch: FetchJson, clock: WallClock
) -> HttpJwksSource:
    """Where one configured issuer's keys come from (citizens may pin a URL; Entra discovers)."""
    from cityzen_connector.identity import HttpJwksSource

    # Only the configured citizens' provider may pin its URLs; the others (Entra ID, the local
    # sign-in provider's two issuers) are found through their discovery documents.
    pinned = config.issuer == settings.auth_oidc_issuer
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


# -- the ops routes ------------------------------------------------------------------------------
def ops_authenticator(
    settings: Settings,
    fetch: FetchJson,
    clock: WallClock,
    also_roles: frozenset[str] = frozenset(),
) -> OpsAuthenticator | None:
    """The ops routes' authenticator; ``None`` outside local mode without an ops tenant (then
    every ops call is refused). Fetches nothing yet: keys are fetched on the first token."""
    from cityzen_connector.identity import (
        LOCAL_OPS_KEY_FILE,
        BearerAuthenticator,
        HttpJwksSource,
        LocalKeySource,
        OpsAuthenticator,
        TokenVerifier,
    )

    found = ops_issuers(settings, also_roles)
    if not found:
        return None
    verifiers = []
    agents = signin_agent_issuer(settings, also_roles)
    if agents is not None:
        # The local sign-in provider's agents: keys from its discovery document, over HTTP,
        # as any provider's (the provider shares nothing with this verifier).
        discovered = HttpJwksSource(
            fetch,
            clock=clock,
            issuer=agents.config.issuer,
            cache_ttl_seconds=settings.auth_jwks_cache_ttl_seconds,
            min_refresh_interval_seconds=settings.auth_jwks_min_refresh_seconds,
        )
        verifiers.append(TokenVerifier(agents.config, discovered, clock=clock))
    for issuer in found:
        source: JwksSource
        if uses_local_ops_key(settings) and not settings.ops_jwks_uri:
            source = LocalKeySource(settings.data_dir / LOCAL_OPS_KEY_FILE)
        else:
            source = HttpJwksSource(
                fetch,
                clock=clock,
                issuer=issuer.config.issuer,
                jwks_uri=issuer.jwks_uri,
                cache_ttl_seconds=settings.auth_jwks_cache_ttl_seconds,
                min_refresh_interval_seconds=settings.auth_jwks_min_refresh_seconds,
            )
        verifiers.append(TokenVerifier(issuer.config, source, clock=clock))
    return OpsAuthenticator(BearerAuthenticator(verifiers))


def checked_ops_authenticator(settings: Settings) -> OpsAuthenticator | None:
    """The ops authenticator built for its rules alone (``app.check``): no fetch, no key file."""

    def never(url: str) -> object:
        raise AssertionError("a start-up check fetches nothing")

    return ops_authenticator(settings, never, lambda: _EPOCH)

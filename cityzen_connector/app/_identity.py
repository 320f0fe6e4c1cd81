"""Settings → the verifiers of the identity providers a deployment trusts: the citizens' (and
agents') for the portal routes, and apart from them the ops tenant's for ``/api/v1/ops``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

if TYPE_CHECKING:
    from cityzen_connector._clock import WallClock
    from cityzen_connector.identity import (
        BearerAuthenticator,
        FetchJson,
        HttpJwksSource,
        JwksSource,
        LocalSigningKey,
        OpsAuthenticator,
        OpsIssuer,
        VerifierConfig,
    )
    from cityzen_connector.signin import AgentTenant, SigninApp

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


def signin_url(settings: Settings) -> str:
    """Where ``cityzen run`` serves the local sign-in provider."""
    return f"http://127.0.0.1:{settings.signin_port}"


def signin_configs(settings: Settings) -> list[VerifierConfig]:
    """The local sign-in provider's two issuers (embedded mode with ``signin_provider``):
    FranceConnect-shaped identities (the pivot identity certified), and portal accounts (only a
    confirmed e-mail, certified through ``email_verified``). Both type their access tokens
    ``at+jwt`` (RFC 9068), and name the portal's client id, whose ID tokens are refused."""
    from cityzen_connector.identity import (
        DEFAULT_CERTIFIED_CLAIMS,
        IdentityConfigError,
        VerifierConfig,
    )
    from cityzen_connector.signin import LOCAL_API_AUDIENCE, LOCAL_CLIENT_ID, issuer_urls

    if not settings.signin_provider:
        return []
    if not settings.local_mode:  # Settings refuses it already; never trust one check alone
        raise IdentityConfigError("the local sign-in provider runs only in embedded mode")
    urls = issuer_urls(signin_url(settings))
    return [
        VerifierConfig(
            issuer=urls[name],
            audiences=frozenset({LOCAL_API_AUDIENCE}),
            client_ids=frozenset({LOCAL_CLIENT_ID}),
            kind="citizen",
            type_check="rfc9068",
            clock_skew_seconds=settings.auth_clock_skew_seconds,
            max_token_bytes=settings.auth_token_max_bytes,
            # Portal accounts certify nothing but a confirmed e-mail (email_verified).
            certified_claims=frozenset() if name == "external" else DEFAULT_CERTIFIED_CLAIMS,
        )
        for name in ("franceconnect", "external")
    ]


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
        frozenset({LOCAL_OPS_AUDIENCE}) if local else _items(settings.ops_audience),
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


def signin_agent_issuer(
    settings: Settings, also_roles: frozenset[str] = frozenset()
) -> OpsIssuer | None:
    """The local sign-in provider's agents' issuer, a second local ops issuer beside the local
    key: only in embedded mode with the provider on and no ops tenant (then ops and agents sign
    in at Entra ID). Same tenant id, audience and roles as ``cityzen identity ops-token``."""
    from cityzen_connector.identity import (
        LOCAL_OPS_AUDIENCE,
        LOCAL_OPS_TENANT_ID,
        IdentityConfigError,
        local_agents_issuer,
    )
    from cityzen_connector.signin import issuer_urls

    if not settings.signin_provider or not uses_local_ops_key(settings):
        return None
    if not settings.local_mode:  # Settings refuses it already; never trust one check alone
        raise IdentityConfigError("the local sign-in provider runs only in embedded mode")
    return local_agents_issuer(
        issuer_urls(signin_url(settings))["agents"],
        LOCAL_OPS_TENANT_ID,
        frozenset({LOCAL_OPS_AUDIENCE}),
        settings.ops_role,
        also_roles=also_roles,
        clock_skew_seconds=settings.auth_clock_skew_seconds,
        max_token_bytes=settings.auth_token_max_bytes,
    )


# -- the local sign-in provider ------------------------------------------------------------------
def signin_agent_logins() -> tuple[str, ...]:
    """The emulator's agents, as the agents' sign-in page offers them."""
    from cityzen_connector.emulator import AGENTS

    return tuple(AGENTS)


def signin_agents(settings: Settings) -> AgentTenant:
    """The emulator's seeded agents as the agents' issuer offers them, each with the object id
    the emulator knows (``CallerObjectId``): the first is a manager with the ops role and the
    agents' stats roles, the others agents with the stats roles alone."""
    from cityzen_connector.emulator import AGENTS, agent_object_id
    from cityzen_connector.identity import LOCAL_OPS_AUDIENCE, LOCAL_OPS_TENANT_ID
    from cityzen_connector.signin import Agent, AgentTenant

    stats = tuple(r for r in sorted(_items(settings.stats_roles)) if r != settings.ops_role)
    agents = tuple(
        Agent(
            login=login,
            name=f"{first} {last}",
            object_id=agent_object_id(login),
            roles=(settings.ops_role, *stats) if n == 0 else stats,
        )
        for n, (login, (first, last)) in enumerate(AGENTS.items())
    )
    return AgentTenant(LOCAL_OPS_TENANT_ID, LOCAL_OPS_AUDIENCE, agents)


def signin_app(
    settings: Settings, *, outbox: Callable[[str], None], clock: Callable[[], float]
) -> SigninApp:
    """The local sign-in provider (WSGI), its keys and accounts 0600 in the data folder; the
    reference portal (on the local host) and the CLI helper are its registered redirects."""
    from cityzen_connector.identity import IdentityConfigError
    from cityzen_connector.signin import (
        ACCOUNTS_FILE,
        KEY_FILE,
        AccountStore,
        SigninApp,
        SigninConfig,
        SigningKeys,
        desk_client,
        portal_client,
    )

    if not (settings.signin_provider and settings.local_mode):
        raise IdentityConfigError(
            "CITYZEN_SIGNIN_PROVIDER: the local sign-in provider runs only in embedded mode"
        )
    base = signin_url(settings)
    portal = f"http://127.0.0.1:{settings.localhost_port}"
    config = SigninConfig(
        base_url=base,
        clients=(portal_client(portal, base), desk_client(portal, base)),
        # The agents' issuer only while ops tokens are local (no ops tenant): its tokens are
        # accepted by the ops and stats routes then (signin_agent_issuer), never otherwise.
        agents=signin_agents(settings) if uses_local_ops_key(settings) else None,
    )
    return SigninApp(
        config,
        SigningKeys.load_or_create(settings.data_dir / KEY_FILE),
        AccountStore(settings.data_dir / ACCOUNTS_FILE),
        clock=clock,
        outbox=outbox,
    )

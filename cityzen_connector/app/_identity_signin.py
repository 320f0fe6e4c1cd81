"""Settings → the local sign-in provider (embedded mode with ``CITYZEN_SIGNIN_PROVIDER``): its
URL, its issuers as the API verifies them, its agents and the WSGI app ``cityzen run`` serves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cityzen_connector.settings import Settings

from ._identity_ops import items, uses_local_ops_key

if TYPE_CHECKING:
    from cityzen_connector.identity import OpsIssuer, VerifierConfig
    from cityzen_connector.signin import AgentTenant, SigninApp


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

    stats = tuple(r for r in sorted(items(settings.stats_roles)) if r != settings.ops_role)
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

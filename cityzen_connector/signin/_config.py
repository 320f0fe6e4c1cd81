"""What the local sign-in provider serves, and to whom: its three issuers, its two clients.

Three issuers on one origin, as the production picture has three providers: ``<base>`` issues
FranceConnect v2-shaped identities (what Entra External ID federating FranceConnect would hand
the API), ``<base>/external`` the portal's own e-mail and password accounts (what Entra External
ID's local accounts would), ``<base>/agents`` the town's agents, shaped as the agents' Entra ID
tenant issues them (v2.0 access tokens with ``oid``, ``tid`` and app ``roles``). Each has its
own discovery document, keys and tokens, so the API verifies them as separate issuers,
independently; the citizens' portal is registered at the first two, the agents' pages at the
third only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ._errors import SigninError

IssuerName = Literal["franceconnect", "external", "agents"]

#: The path of the portal accounts' issuer under the provider's origin.
EXTERNAL_PATH = "/external"
#: The path of the agents' issuer (the stand-in for the agents' Entra ID tenant).
AGENTS_PATH = "/agents"
#: The reference portal's client id, registered at both issuers (a public client: PKCE, no
#: secret — OAuth 2.0 for Browser-Based Apps, and RFC 8252 for the CLI helper).
LOCAL_CLIENT_ID = "cityzen-portal-local"
#: The audience of the access tokens: our API (never the client id, so an ID token sent as an
#: access token is refused as one: docs/identity.md, "ID tokens are refused").
LOCAL_API_AUDIENCE = "api://cityzen-local"
#: Scopes granted to the portal: OpenID Connect's, and the API's own.
LOCAL_SCOPES = ("openid", "profile", "email", "cityzen.requests")
#: The agents' pages' client id, registered at the agents' issuer only.
LOCAL_DESK_CLIENT_ID = "cityzen-desk-local"
#: The agents' issuer's scopes: OpenID Connect's and the API's delegated permission, named as
#: Entra ID puts it in ``scp`` ("Expose an API": ``api://<api>/access_as_user`` → ``scp``
#: ``access_as_user``, access-token-claims-reference).
AGENT_API_SCOPE = "access_as_user"
AGENT_SCOPES = ("openid", "profile", AGENT_API_SCOPE)

CODE_LIFETIME_SECONDS = 60  # RFC 6749 section 4.1.2: "a maximum ... of 10 minutes is RECOMMENDED"
TOKEN_LIFETIME_SECONDS = 3600


def issuer_urls(base_url: str) -> dict[IssuerName, str]:
    """The two issuers of a provider served at ``base_url`` (``http://127.0.0.1:7076``)."""
    base = base_url.rstrip("/")
    return {"franceconnect": base, "external": base + EXTERNAL_PATH, "agents": base + AGENTS_PATH}


@dataclass(frozen=True)
class Agent:
    """An agent the agents' issuer offers: the login (the page's key), the name shown on the
    page and put in the ID token, the Entra ID object id (``oid``) and the app roles."""

    login: str
    name: str
    object_id: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class AgentTenant:
    """What the agents' issuer stands in for: an Entra ID tenant (``tid``) issuing access
    tokens for our API (``aud``), and the agents it knows."""

    tenant_id: str
    audience: str
    agents: tuple[Agent, ...]

    def agent(self, login: str) -> Agent | None:
        return next((a for a in self.agents if a.login == login), None)


@dataclass(frozen=True)
class Client:
    """A registered client: redirect URIs are matched exactly (RFC 9700 section 2.1)."""

    client_id: str
    redirect_uris: frozenset[str]
    post_logout_redirect_uris: frozenset[str] = frozenset()
    #: The issuers the client is registered at: a citizen's portal never gets an agent's token.
    issuers: frozenset[IssuerName] = frozenset({"franceconnect", "external"})


@dataclass(frozen=True)
class SigninConfig:
    base_url: str
    clients: tuple[Client, ...]
    audience: str = LOCAL_API_AUDIENCE
    #: The agents' issuer's tenant; ``None``: that issuer refuses every request.
    agents: AgentTenant | None = None
    code_lifetime_seconds: int = CODE_LIFETIME_SECONDS
    token_lifetime_seconds: int = TOKEN_LIFETIME_SECONDS
    issuers: dict[IssuerName, str] = field(init=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith("http://127.0.0.1:"):
            raise SigninError("the local sign-in provider serves 127.0.0.1 only")
        object.__setattr__(self, "issuers", issuer_urls(self.base_url))

    def client(self, client_id: str) -> Client | None:
        return next((c for c in self.clients if c.client_id == client_id), None)

    def audience_of(self, issuer: IssuerName) -> str:
        """Our API as each issuer names it in ``aud``."""
        if issuer == "agents":
            return self.agents.audience if self.agents is not None else ""
        return self.audience

    def scopes_of(self, issuer: IssuerName) -> tuple[str, ...]:
        return AGENT_SCOPES if issuer == "agents" else LOCAL_SCOPES


def portal_client(portal_origin: str, provider_url: str) -> Client:
    """The reference portal's registration: its callback, and the CLI helper's (which follows
    no redirect: it reads the code from the ``Location`` header)."""
    portal = portal_origin.rstrip("/")
    return Client(
        client_id=LOCAL_CLIENT_ID,
        redirect_uris=frozenset(
            {f"{portal}/", f"{portal}/signin/callback", f"{provider_url.rstrip('/')}/cli/callback"}
        ),
        post_logout_redirect_uris=frozenset({f"{portal}/"}),
    )


def desk_client(portal_origin: str, provider_url: str) -> Client:
    """The agents' pages' registration (the desk and the dashboard, on the local host), at the
    agents' issuer only, and the CLI helper's callback."""
    portal = portal_origin.rstrip("/")
    return Client(
        client_id=LOCAL_DESK_CLIENT_ID,
        redirect_uris=frozenset(
            {
                f"{portal}/desk/",
                f"{portal}/desk/callback",
                f"{portal}/dashboard/",
                f"{portal}/dashboard/callback",
                f"{provider_url.rstrip('/')}/cli/callback",
            }
        ),
        post_logout_redirect_uris=frozenset({f"{portal}/desk/", f"{portal}/dashboard/"}),
        issuers=frozenset({"agents"}),
    )

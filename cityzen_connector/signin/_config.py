"""What the local sign-in provider serves, and to whom: its two issuers, its one client.

Two issuers on one origin, as the production picture has two providers: ``<base>`` issues
FranceConnect v2-shaped identities (what Entra External ID federating FranceConnect would hand
the API), ``<base>/external`` the portal's own e-mail and password accounts (what Entra External
ID's local accounts would). Each has its own discovery document, keys and tokens, so the API
verifies them as two issuers, independently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ._errors import SigninError

IssuerName = Literal["franceconnect", "external"]

#: The path of the portal accounts' issuer under the provider's origin.
EXTERNAL_PATH = "/external"
#: The reference portal's client id, registered at both issuers (a public client: PKCE, no
#: secret — OAuth 2.0 for Browser-Based Apps, and RFC 8252 for the CLI helper).
LOCAL_CLIENT_ID = "cityzen-portal-local"
#: The audience of the access tokens: our API (never the client id, so an ID token sent as an
#: access token is refused as one: docs/identity.md, "ID tokens are refused").
LOCAL_API_AUDIENCE = "api://cityzen-local"
#: Scopes granted to the portal: OpenID Connect's, and the API's own.
LOCAL_SCOPES = ("openid", "profile", "email", "cityzen.requests")

CODE_LIFETIME_SECONDS = 60  # RFC 6749 section 4.1.2: "a maximum ... of 10 minutes is RECOMMENDED"
TOKEN_LIFETIME_SECONDS = 3600


def issuer_urls(base_url: str) -> dict[IssuerName, str]:
    """The two issuers of a provider served at ``base_url`` (``http://127.0.0.1:7076``)."""
    base = base_url.rstrip("/")
    return {"franceconnect": base, "external": base + EXTERNAL_PATH}


@dataclass(frozen=True)
class Client:
    """A registered client: redirect URIs are matched exactly (RFC 9700 section 2.1)."""

    client_id: str
    redirect_uris: frozenset[str]
    post_logout_redirect_uris: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SigninConfig:
    base_url: str
    clients: tuple[Client, ...]
    audience: str = LOCAL_API_AUDIENCE
    code_lifetime_seconds: int = CODE_LIFETIME_SECONDS
    token_lifetime_seconds: int = TOKEN_LIFETIME_SECONDS
    issuers: dict[IssuerName, str] = field(init=False)

    def __post_init__(self) -> None:
        if not self.base_url.startswith("http://127.0.0.1:"):
            raise SigninError("the local sign-in provider serves 127.0.0.1 only")
        object.__setattr__(self, "issuers", issuer_urls(self.base_url))

    def client(self, client_id: str) -> Client | None:
        return next((c for c in self.clients if c.client_id == client_id), None)


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

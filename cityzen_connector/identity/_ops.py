"""Ops' Microsoft Entra ID access tokens for our API: the one credential the ops routes take.

A second authenticator beside the citizens' one, with its own issuers and rules, so that a
citizen's token never opens an ops route and an ops token never files a request. The same
``TokenVerifier`` does the work (signature with the tenant's published keys, RS256 only; exact
issuer and ``tid``; audience; ``exp``/``nbf``/``iat`` with skew; access token, not ID token),
configured from learn.microsoft.com/entra/identity-platform/access-tokens ("Validate tokens"):

- v2.0 tokens: issuer ``https://login.microsoftonline.com/{tenant}/v2.0``, keys at
  ``…/{tenant}/discovery/v2.0/keys``, ``aud`` "always the client ID of the API";
- v1.0 tokens, only when asked: issuer ``https://sts.windows.net/{tenant}/``, keys at
  ``…/{tenant}/discovery/keys``, ``aud`` the client id or the application ID URI;
- the ``roles`` claim must hold the ops app role ("for user tokens, the assigned roles of the
  user on the target application"); the caller is its ``oid``, "the immutable identifier for the
  requestor … unique across applications", which is what the audit log and Dataverse
  impersonation (``CallerObjectId``) take.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._bearer import BearerAuthenticator, bearer_token
from ._config import ENTRA_V2_ISSUER, VerifierConfig
from ._errors import IdentityConfigError, InvalidToken

ENTRA_V1_ISSUER = "https://sts.windows.net/{tenant}/"
ENTRA_V2_KEYS = "https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys"
ENTRA_V1_KEYS = "https://login.microsoftonline.com/{tenant}/discovery/keys"
# Entra ID object and tenant ids are GUIDs; ``iss`` carries the tenant's, never a domain name.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# An app role's value: "cannot contain spaces" (Entra admin centre, app roles), nor our list
# separator.
_ROLE = re.compile(r"[!-~]{1,120}")


@dataclass(frozen=True)
class OpsIssuer:
    """One issuer of ops tokens and where its signing keys are published."""

    config: VerifierConfig
    jwks_uri: str


def entra_ops_issuers(
    tenant_id: str,
    audiences: frozenset[str],
    role: str,
    *,
    accept_v1: bool = False,
    jwks_uri: str = "",
    clock_skew_seconds: float = 60.0,
    max_token_bytes: int = 16 * 1024,
    also_roles: frozenset[str] = frozenset(),
) -> tuple[OpsIssuer, ...]:
    """The v2.0 issuer of ``tenant_id`` (and its v1.0 issuer if ``accept_v1``), each verifying
    RS256 access tokens for ``audiences`` that carry ``role`` in ``roles``. ``jwks_uri``
    replaces the published keys' URL (a proxy, a national cloud); ``also_roles``: other roles
    that pass too (the stats route's agents' roles)."""
    if not _GUID.fullmatch(tenant_id):
        raise IdentityConfigError("the ops tenant must be its id (a GUID), as tokens' iss carry it")
    tenant = tenant_id.lower()
    versions = [(ENTRA_V2_ISSUER, ENTRA_V2_KEYS)]
    if accept_v1:
        versions.append((ENTRA_V1_ISSUER, ENTRA_V1_KEYS))
    roles = frozenset({role, *also_roles})
    return tuple(
        OpsIssuer(
            _ops_config(
                issuer.format(tenant=tenant),
                tenant,
                audiences,
                roles,
                clock_skew_seconds,
                max_token_bytes,
            ),
            jwks_uri or keys.format(tenant=tenant),
        )
        for issuer, keys in versions
    )


def local_agents_issuer(
    issuer: str,
    tenant_id: str,
    audiences: frozenset[str],
    role: str,
    *,
    also_roles: frozenset[str] = frozenset(),
    clock_skew_seconds: float = 60.0,
    max_token_bytes: int = 16 * 1024,
) -> OpsIssuer:
    """The local sign-in provider's agents' issuer (embedded mode): an issuer URL of its own,
    verified by every rule an Entra ID tenant's tokens are (RS256, exact ``iss`` and ``tid``,
    audience, ``roles``, ``oid``), its keys found through its discovery document."""
    if not _GUID.fullmatch(tenant_id):
        raise IdentityConfigError("the agents' tenant must be its id (a GUID)")
    roles = frozenset({role, *also_roles})
    config = _ops_config(
        issuer, tenant_id.lower(), audiences, roles, clock_skew_seconds, max_token_bytes
    )
    return OpsIssuer(config, "")


def _ops_config(  # noqa: PLR0917 - one issuer's facts, named by the two callers
    issuer: str,
    tenant: str,
    audiences: frozenset[str],
    roles: frozenset[str],
    clock_skew_seconds: float,
    max_token_bytes: int,
) -> VerifierConfig:
    for value in roles:
        if not _ROLE.fullmatch(value) or "," in value:
            raise IdentityConfigError(
                "an ops role must be one app role value (no spaces or commas)"
            )
    return VerifierConfig(
        issuer=issuer,
        audiences=audiences,
        kind="agent",
        algorithms=frozenset({"RS256"}),  # what Entra ID signs with
        clock_skew_seconds=clock_skew_seconds,
        type_check="claims",  # Entra ID types access tokens "JWT", never "at+jwt"
        accepted_roles=roles,
        subject_claim="oid",
        tenant_id=tenant,
        certified_claims=frozenset(),
        max_token_bytes=max_token_bytes,
    )


@dataclass(frozen=True)
class OpsCaller:
    """A verified ops caller: the Entra ID object id (``oid``) of the agent or, for automation,
    of the service principal. It is what the audit log shows and Dataverse impersonates; never
    a name, a UPN or an e-mail address."""

    object_id: str
    tenant_id: str


class OpsAuthenticator:
    """From an ``Authorization`` header to an ``OpsCaller``, or ``InvalidToken``.

    Only the ops issuers are known here: a citizen's token is ``wrong_issuer`` before any key
    is fetched. Function keys are never looked at.
    """

    def __init__(self, issuers: BearerAuthenticator) -> None:
        self._issuers = issuers

    def authenticate(self, authorization: str | None) -> OpsCaller:
        token = bearer_token(authorization)
        if token is None:
            raise InvalidToken("missing")
        identity = self._issuers.authenticate(token)
        # oid comes signed, and the log and the Dataverse header take it: a GUID, nothing else.
        if identity.kind != "agent" or not _GUID.fullmatch(identity.subject):
            raise InvalidToken("missing_claim", "oid")
        return OpsCaller(identity.subject.lower(), identity.tenant_id or "")

"""identity: who is calling the API, verified.

Citizens (browsers, mobile apps) present OAuth 2.0 access tokens from a configured OpenID
Connect provider; agents and ops present Microsoft Entra ID v2.0 access tokens; the trusted
portal back end presents a function key. The ops routes have their own authenticator
(``OpsAuthenticator``), which knows only the ops tenant; in local mode a ``LocalSigningKey``
stands in for it. See docs/identity.md and docs/ops-api.md.

Only the literals (``AuthMode``, ``TokenTypeCheck``) are imported eagerly: ``settings`` imports
them, and everything that imports ``settings`` (the Functions cold start, every CLI command)
would otherwise pay for PyJWT and cryptography. The rest loads on first use, as in ``api``.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports

from ._modes import DEFAULT_OPS_ROLE, AuthMode, TokenTypeCheck

if TYPE_CHECKING:
    from ._bearer import BearerAuthenticator, authenticate_request, bearer_token
    from ._claims import (
        CITIZEN_CLAIMS,
        DEFAULT_CERTIFIED_CLAIMS,
        CallerIdentity,
        CallerKind,
        CitizenClaims,
        citizen_claims_from_payload,
    )
    from ._config import (
        ALGORITHM_KEY_TYPES,
        DEFAULT_ALGORITHMS,
        ENTRA_V2_ISSUER,
        VerifierConfig,
        entra_agent_config,
    )
    from ._errors import (
        IdentityConfigError,
        IdentityError,
        InvalidToken,
        InvalidTokenReason,
        KeysUnavailable,
    )
    from ._fetch import requests_fetcher
    from ._jwks import FetchJson, HttpJwksSource, JwkSet, JwksSource, StaticJwksSource
    from ._local_issuer import (
        LOCAL_OPS_AGENT_OID,
        LOCAL_OPS_AUDIENCE,
        LOCAL_OPS_CLIENT_ID,
        LOCAL_OPS_KEY_FILE,
        LOCAL_OPS_TENANT_ID,
        LocalKeySource,
        LocalSigningKey,
        entra_style_claims,
    )
    from ._ops import (
        ENTRA_V1_ISSUER,
        ENTRA_V1_KEYS,
        ENTRA_V2_KEYS,
        OpsAuthenticator,
        OpsCaller,
        OpsIssuer,
        entra_ops_issuers,
        local_agents_issuer,
    )
    from ._verifier import TokenVerifier

_LAZY = {
    "BearerAuthenticator": "_bearer",
    "authenticate_request": "_bearer",
    "bearer_token": "_bearer",
    "CITIZEN_CLAIMS": "_claims",
    "DEFAULT_CERTIFIED_CLAIMS": "_claims",
    "CallerIdentity": "_claims",
    "CallerKind": "_claims",
    "CitizenClaims": "_claims",
    "citizen_claims_from_payload": "_claims",
    "ALGORITHM_KEY_TYPES": "_config",
    "DEFAULT_ALGORITHMS": "_config",
    "ENTRA_V2_ISSUER": "_config",
    "VerifierConfig": "_config",
    "entra_agent_config": "_config",
    "IdentityConfigError": "_errors",
    "IdentityError": "_errors",
    "InvalidToken": "_errors",
    "InvalidTokenReason": "_errors",
    "KeysUnavailable": "_errors",
    "requests_fetcher": "_fetch",
    "FetchJson": "_jwks",
    "HttpJwksSource": "_jwks",
    "JwkSet": "_jwks",
    "JwksSource": "_jwks",
    "StaticJwksSource": "_jwks",
    "LOCAL_OPS_AGENT_OID": "_local_issuer",
    "LOCAL_OPS_AUDIENCE": "_local_issuer",
    "LOCAL_OPS_CLIENT_ID": "_local_issuer",
    "LOCAL_OPS_KEY_FILE": "_local_issuer",
    "LOCAL_OPS_TENANT_ID": "_local_issuer",
    "LocalKeySource": "_local_issuer",
    "LocalSigningKey": "_local_issuer",
    "entra_style_claims": "_local_issuer",
    "ENTRA_V1_ISSUER": "_ops",
    "ENTRA_V1_KEYS": "_ops",
    "ENTRA_V2_KEYS": "_ops",
    "OpsAuthenticator": "_ops",
    "OpsCaller": "_ops",
    "OpsIssuer": "_ops",
    "entra_ops_issuers": "_ops",
    "local_agents_issuer": "_ops",
    "TokenVerifier": "_verifier",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "ALGORITHM_KEY_TYPES",
    "CITIZEN_CLAIMS",
    "DEFAULT_ALGORITHMS",
    "DEFAULT_CERTIFIED_CLAIMS",
    "DEFAULT_OPS_ROLE",
    "ENTRA_V1_ISSUER",
    "ENTRA_V1_KEYS",
    "ENTRA_V2_ISSUER",
    "ENTRA_V2_KEYS",
    "LOCAL_OPS_AGENT_OID",
    "LOCAL_OPS_AUDIENCE",
    "LOCAL_OPS_CLIENT_ID",
    "LOCAL_OPS_KEY_FILE",
    "LOCAL_OPS_TENANT_ID",
    "AuthMode",
    "BearerAuthenticator",
    "CallerIdentity",
    "CallerKind",
    "CitizenClaims",
    "FetchJson",
    "HttpJwksSource",
    "IdentityConfigError",
    "IdentityError",
    "InvalidToken",
    "InvalidTokenReason",
    "JwkSet",
    "JwksSource",
    "KeysUnavailable",
    "LocalKeySource",
    "LocalSigningKey",
    "OpsAuthenticator",
    "OpsCaller",
    "OpsIssuer",
    "StaticJwksSource",
    "TokenTypeCheck",
    "TokenVerifier",
    "VerifierConfig",
    "authenticate_request",
    "bearer_token",
    "citizen_claims_from_payload",
    "entra_agent_config",
    "entra_ops_issuers",
    "entra_style_claims",
    "local_agents_issuer",
    "requests_fetcher",
]

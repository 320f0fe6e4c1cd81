"""identity: who is calling the API, verified.

Citizens (browsers, mobile apps) present OAuth 2.0 access tokens from a configured OpenID
Connect provider; agents and ops present Microsoft Entra ID v2.0 access tokens; the trusted
portal back end presents a function key. See docs/identity.md.
"""

from cityzen_connector.settings import AuthMode, TokenTypeCheck

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
from ._from_settings import (
    agent_config,
    build_authenticator,
    citizen_config,
    configured_issuers,
    jwks_source_for,
)
from ._jwks import Clock, FetchJson, HttpJwksSource, JwkSet, JwksSource, StaticJwksSource
from ._verifier import TokenVerifier

__all__ = [
    "ALGORITHM_KEY_TYPES",
    "CITIZEN_CLAIMS",
    "DEFAULT_ALGORITHMS",
    "DEFAULT_CERTIFIED_CLAIMS",
    "ENTRA_V2_ISSUER",
    "AuthMode",
    "BearerAuthenticator",
    "CallerIdentity",
    "CallerKind",
    "CitizenClaims",
    "Clock",
    "FetchJson",
    "HttpJwksSource",
    "IdentityConfigError",
    "IdentityError",
    "InvalidToken",
    "InvalidTokenReason",
    "JwkSet",
    "JwksSource",
    "KeysUnavailable",
    "StaticJwksSource",
    "TokenTypeCheck",
    "TokenVerifier",
    "VerifierConfig",
    "agent_config",
    "authenticate_request",
    "bearer_token",
    "build_authenticator",
    "citizen_claims_from_payload",
    "citizen_config",
    "configured_issuers",
    "entra_agent_config",
    "jwks_source_for",
    "requests_fetcher",
]

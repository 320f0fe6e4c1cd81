"""From an HTTP request's credentials to a ``CallerIdentity``, whatever the deployment's mode.

``function_key``: only the trusted portal back end calls, with a function key; citizens' claims
come in the body. ``bearer``: browsers and mobile apps call with an OAuth 2.0 access token
(RFC 6750); the citizen's claims come from the token. ``both``: a request that carries a bearer
token is judged on that token alone (a bad token is never rescued by a key), otherwise on the key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from ._claims import CallerIdentity
from ._errors import IdentityConfigError, InvalidToken
from ._jws import parse_compact
from ._modes import AuthMode
from ._verifier import TokenVerifier

logger = logging.getLogger(__name__)

# RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive
# (RFC 9110 section 11.1).
_BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*) *")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header; ``None`` if no bearer was sent."""
    if authorization is None or not authorization.strip():
        return None
    scheme = authorization.strip().split(" ", 1)[0]
    if scheme.lower() != "bearer":
        return None
    match = _BEARER.fullmatch(authorization.strip())
    if match is None:
        raise InvalidToken("malformed", "Authorization header is not 'Bearer <token>'")
    return match.group(1)


class BearerAuthenticator:
    """Picks the verifier for a token's issuer, then lets it verify everything."""

    def __init__(self, verifiers: Sequence[TokenVerifier]) -> None:
        self._by_issuer: dict[str, TokenVerifier] = {}
        for verifier in verifiers:
            if verifier.issuer in self._by_issuer:
                raise IdentityConfigError("two verifiers for the same issuer")
            self._by_issuer[verifier.issuer] = verifier
        caps = [v.config.max_token_bytes for v in verifiers]
        self._max_bytes = max(caps) if caps else 16 * 1024

    def authenticate(self, token: str) -> CallerIdentity:
        # The unverified ``iss`` only selects whose keys and rules apply; that verifier then
        # checks ``iss`` again, along with everything else.
        issuer = parse_compact(token, self._max_bytes).unverified_payload.get("iss")
        verifier = self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if verifier is None:
            # The unverified iss is attacker-chosen text: not logged.
            logger.info("bearer token refused: reason=wrong_issuer (issuer not configured)")
            raise InvalidToken("wrong_issuer")
        return verifier.verify(token)


def authenticate_request(
    mode: AuthMode,
    *,
    authorization: str | None,
    function_key_valid: bool,
    authenticator: BearerAuthenticator | None,
) -> CallerIdentity:
    """Decide who is calling. ``function_key_valid``: the host or the caller checked the key."""
    token = bearer_token(authorization) if mode != "function_key" else None
    if token is not None:
        if authenticator is None:
            raise IdentityConfigError("bearer mode needs at least one configured issuer")
        return authenticator.authenticate(token)
    if mode != "bearer" and function_key_valid:
        return CallerIdentity.trusted_portal()
    raise InvalidToken("missing")

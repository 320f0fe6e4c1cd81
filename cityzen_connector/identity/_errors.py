"""Errors of the identity package.

Split by what the HTTP layer answers, never by library::

    IdentityError
    ├── InvalidToken          the caller's fault: 401 (or 403 for ``insufficient_scope``)
    ├── KeysUnavailable       the identity provider's keys cannot be had: 503, retry later
    └── IdentityConfigError   a deployment mistake, raised when the verifier is built

Messages never contain the token, a claim value or a key: only a stable reason code and a
short fixed explanation, so they are safe to log and to return to the caller.
"""

from __future__ import annotations

from typing import Literal

InvalidTokenReason = Literal[
    "missing",  # no Authorization header or no bearer token in it
    "malformed",  # not a compact JWS: size, segments, base64url, JSON, header fields
    "oversized",  # larger than the configured cap, refused before any parsing
    "alg_not_allowed",  # alg outside the allow-list, ``none``, HS*, or not the key's type
    "unknown_kid",  # no key with that id, even after one refresh of the JWKS
    "bad_signature",  # the signature does not verify with the provider's key
    "expired",  # exp (plus clock skew) is in the past
    "not_yet_valid",  # nbf or iat (minus clock skew) is in the future
    "wrong_issuer",  # iss is not the configured issuer (or tenant)
    "wrong_audience",  # aud does not name our API
    "missing_claim",  # a required claim (exp, sub, iat…) is absent or mistyped
    "id_token_refused",  # an OpenID Connect ID token presented as an access token
    "wrong_token_type",  # typ names another kind of JWT (logout, DPoP proof, …)
    "insufficient_scope",  # valid token without the scope or role this API requires
]

_EXPLANATIONS: dict[str, str] = {
    "missing": "no bearer token was sent",
    "malformed": "the token is not a well-formed signed JWT",
    "oversized": "the token is larger than allowed",
    "alg_not_allowed": "the token's signing algorithm is not accepted",
    "unknown_kid": "the token was signed with a key the identity provider does not publish",
    "bad_signature": "the token's signature is invalid",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet",
    "wrong_issuer": "the token was issued by an identity provider this API does not trust",
    "wrong_audience": "the token was not issued for this API",
    "missing_claim": "the token lacks a required claim",
    "id_token_refused": "an ID token is not an access token",
    "wrong_token_type": "the token is not an access token",
    "insufficient_scope": "the token does not grant access to this API",
}


class IdentityError(Exception):
    """Base of the identity package's errors."""


class InvalidToken(IdentityError):  # noqa: N818 -- the name the API layer and the brief use
    """The presented token is refused. ``reason`` is a stable code; the text is fixed."""

    def __init__(self, reason: InvalidTokenReason, detail: str = "") -> None:
        # ``detail`` is for fixed, non-personal facts only (a claim *name*, an algorithm name
        # taken from our allow-list) -- never a value read from the token.
        self.reason: InvalidTokenReason = reason
        self.detail = detail
        text = _EXPLANATIONS[reason]
        super().__init__(f"{reason}: {text}" + (f" ({detail})" if detail else ""))

    @property
    def http_status(self) -> int:
        """401, except 403 for a valid token that lacks scope (RFC 6750 section 3.1)."""
        return 403 if self.reason == "insufficient_scope" else 401

    @property
    def problem_code(self) -> str:
        """The problem-details code to answer with (``models.ProblemCode`` values)."""
        return "forbidden" if self.reason == "insufficient_scope" else "unauthorized"

    @property
    def www_authenticate(self) -> str:
        """The ``WWW-Authenticate`` value to send back (RFC 6750 section 3)."""
        if self.reason == "missing":
            # RFC 6750 3.1: no error code when the request carried no authentication at all.
            return 'Bearer realm="cityzen"'
        code = "insufficient_scope" if self.reason == "insufficient_scope" else "invalid_token"
        return f'Bearer realm="cityzen", error="{code}"'


class KeysUnavailable(IdentityError):  # noqa: N818 -- reads as a state, like the others
    """The signing keys could not be fetched and none are cached: answer 503, not 401."""

    is_transient = True
    http_status = 503
    problem_code = "service_unavailable"


class IdentityConfigError(IdentityError, ValueError):
    """The identity configuration is unsafe or incomplete (raised at start-up)."""

"""The authorization code flow's state: pending requests, codes, sessions, and the tokens.

- A pending authorization request (OpenID Connect Core 1.0 section 3.1.2.1) waits for the
  consent form under a random id, with its own anti-CSRF token; it expires with the code's
  lifetime times five.
- A code is single-use (popped on first exchange, RFC 6749 section 4.1.2), lives
  ``code_lifetime_seconds`` (60 s), and is bound to its client, ``redirect_uri`` and PKCE
  challenge (RFC 7636 section 4.6: ``BASE64URL(SHA256(code_verifier)) == code_challenge``,
  S256 only).
- Tokens: an access token for our API (RFC 9068: ``typ: at+jwt``, ``aud`` = the API,
  ``client_id``, ``scope``, ``jti``) carrying the citizen's claims, and an ID token for the
  client (OpenID Connect Core section 2: ``aud`` = the client id, ``nonce``, ``at_hash`` per
  section 3.1.3.6, ``auth_time``, ``acr``, ``amr``, ``sid``).
- The agents' issuer's access token is shaped as an Entra ID v2.0 one instead
  (learn.microsoft.com/entra/identity-platform/access-token-claims-reference): typed ``JWT``,
  RS256, ``aud`` our API, ``tid``, ``oid``, ``roles``, ``scp``, ``azp``, ``ver`` 2.0, and no
  name, UPN or e-mail; the agent's name goes in the ID token only, for the page to show.
Time comes from an injected clock (epoch seconds), so expiry is tested without waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._config import IssuerName, SigninConfig
from ._errors import FlowError
from ._keys import SigningKeys
from ._people import IDENTITIES, Person

EpochClock = Callable[[], float]

_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")  # RFC 7636 section 4.1
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")  # 32 bytes, base64url without padding
# Access token, ID token: which algorithm each issuer signs them with (both exercised).
_ALGS: dict[IssuerName, tuple[str, str]] = {
    "franceconnect": ("RS256", "ES256"),
    "external": ("ES256", "RS256"),
    "agents": ("RS256", "RS256"),  # what Entra ID signs with
}
_MAX_PENDING = 1000  # a flood of GET /authorize cannot grow memory without bound
_MAX_SESSIONS = 10000


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def valid_challenge(challenge: str) -> bool:
    return bool(_CHALLENGE.match(challenge))


@dataclass(frozen=True)
class Pending:
    issuer: IssuerName
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    challenge: str
    csrf: str = field(repr=False)
    expires: float


@dataclass(frozen=True)
class _Code:
    pending: Pending
    person: Person
    claims: dict[str, Any] = field(repr=False)
    auth_time: float
    sid: str
    expires: float


class Flow:
    """Thread-safe in-memory state of one provider process."""

    def __init__(self, config: SigninConfig, keys: SigningKeys, clock: EpochClock) -> None:
        self.config = config
        self.keys = keys
        self.clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, Pending] = {}
        self._codes: dict[str, _Code] = {}
        self.sessions: dict[str, Person] = {}

    def _sweep(self, now: float) -> None:
        for table in (self._pending, self._codes):
            for key in [k for k, v in table.items() if v.expires < now]:
                del table[key]

    def park(self, pending_args: dict[str, Any]) -> tuple[str, Pending]:
        """Keep an authorization request until the form comes back; (its id, it)."""
        now = self.clock()
        pending = Pending(
            **pending_args,
            csrf=secrets.token_urlsafe(24),
            expires=now + 5 * self.config.code_lifetime_seconds,
        )
        request_id = secrets.token_urlsafe(24)
        with self._lock:
            self._sweep(now)
            if len(self._pending) >= _MAX_PENDING:
                raise FlowError("temporarily_unavailable", "too many sign-ins under way")
            self._pending[request_id] = pending
        return request_id, pending

    def take_pending(self, request_id: str, csrf: str, cookie: str) -> Pending:
        """The request a form answers, once; refused without its CSRF token (form and cookie)."""
        with self._lock:
            pending = self._pending.get(request_id)
            if (
                pending is None
                or pending.expires < self.clock()
                or not hmac.compare_digest(csrf.encode(), pending.csrf.encode())
                or not hmac.compare_digest(cookie.encode(), pending.csrf.encode())
            ):
                raise FlowError("invalid_request", "formulaire expiré ou invalide")
            del self._pending[request_id]
        return pending

    def peek_pending(self, request_id: str) -> Pending | None:
        with self._lock:
            pending = self._pending.get(request_id)
        return pending if pending is not None and pending.expires >= self.clock() else None

    def issue_code(self, pending: Pending, person: Person, claims: dict[str, Any]) -> str:
        now = self.clock()
        code = secrets.token_urlsafe(32)
        sid = secrets.token_urlsafe(16)
        with self._lock:
            self._sweep(now)
            self._codes[code] = _Code(
                pending, person, claims, now, sid, now + self.config.code_lifetime_seconds
            )
            if len(self.sessions) >= _MAX_SESSIONS:  # forget the oldest: a demo, not a store
                del self.sessions[next(iter(self.sessions))]
            self.sessions[sid] = person
        return code

    def exchange(self, issuer: IssuerName, form: dict[str, str]) -> dict[str, Any]:
        """The token response for a code (RFC 6749 section 4.1.3, 5.1), or ``FlowError``."""
        if form.get("grant_type") != "authorization_code":
            raise FlowError("unsupported_grant_type", "only authorization_code")
        with self._lock:
            # Popped before any check: a code is tried once, whatever the outcome.
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.expires < self.clock() or code.pending.issuer != issuer:
            raise FlowError("invalid_grant", "code unknown, used or expired")
        pending = code.pending
        if form.get("client_id") != pending.client_id:
            raise FlowError("invalid_grant", "code issued to another client")
        if form.get("redirect_uri") != pending.redirect_uri:
            raise FlowError("invalid_grant", "redirect_uri differs from the authorization request")
        verifier = form.get("code_verifier", "")
        if not _VERIFIER.match(verifier):
            raise FlowError("invalid_grant", "code_verifier missing or malformed")
        if not hmac.compare_digest(s256(verifier), pending.challenge):
            raise FlowError("invalid_grant", "PKCE verification failed")
        return self._tokens(code)

    def _tokens(self, code: _Code) -> dict[str, Any]:
        if code.pending.issuer == "agents":
            return self._agent_tokens(code)
        cfg, pending = self.config, code.pending
        now = int(self.clock())
        issuer_url = cfg.issuers[pending.issuer]
        subject = code.person.subject(pending.client_id, self.keys.pairwise_secret)
        common = {
            "iss": issuer_url,
            "sub": subject,
            "iat": now,
            "exp": now + cfg.token_lifetime_seconds,
            "auth_time": int(code.auth_time),
            **_assurance(pending.issuer),
        }
        access_alg, id_alg = _ALGS[pending.issuer]
        access = self.keys.sign(
            pending.issuer,
            access_alg,
            {
                **common,
                **code.claims,
                "aud": cfg.audience,
                "client_id": pending.client_id,
                "scope": pending.scope,
                "jti": secrets.token_urlsafe(16),
            },
            typ="at+jwt",
        )
        digest = hashlib.sha256(access.encode("ascii")).digest()
        id_claims: dict[str, Any] = {
            **common,
            **code.claims,
            "aud": pending.client_id,
            "azp": pending.client_id,
            "at_hash": b64url(digest[: len(digest) // 2]),
            "sid": code.sid,
        }
        if pending.nonce is not None:
            id_claims["nonce"] = pending.nonce
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": cfg.token_lifetime_seconds,
            "scope": pending.scope,
            "id_token": self.keys.sign(pending.issuer, id_alg, id_claims, typ="JWT"),
        }

    def _agent_tokens(self, code: _Code) -> dict[str, Any]:
        cfg, pending, tenant = self.config, code.pending, self.config.agents
        assert tenant is not None  # no agent is offered without a tenant
        now = int(self.clock())
        issuer_url = cfg.issuers["agents"]
        subject = code.person.subject(pending.client_id, self.keys.pairwise_secret)
        scp = " ".join(s for s in pending.scope.split() if s not in ("openid", "profile"))
        common: dict[str, Any] = {"iss": issuer_url, "sub": subject, "iat": now, "nbf": now}
        common.update(exp=now + cfg.token_lifetime_seconds, tid=tenant.tenant_id, ver="2.0")
        common["oid"] = code.claims["oid"]
        access = self.keys.sign(
            "agents",
            "RS256",
            {
                **common,
                "aud": tenant.audience,
                "azp": pending.client_id,
                "azpacr": "0",  # a public client (access-token-claims-reference)
                "roles": list(code.claims["roles"]),
                "scp": scp,
            },
            typ="JWT",  # Entra ID types its access tokens JWT, never at+jwt
        )
        digest = hashlib.sha256(access.encode("ascii")).digest()
        id_claims: dict[str, Any] = {
            **common,
            "aud": pending.client_id,
            "name": code.claims["name"],
            "preferred_username": code.claims["preferred_username"],
            "at_hash": b64url(digest[: len(digest) // 2]),
            "sid": code.sid,
        }
        if pending.nonce is not None:
            id_claims["nonce"] = pending.nonce
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": cfg.token_lifetime_seconds,
            "scope": pending.scope,
            "id_token": self.keys.sign("agents", "RS256", id_claims, typ="JWT"),
        }


def _assurance(issuer: IssuerName) -> dict[str, Any]:
    # FranceConnect v2: acr eidas1 for its "low" identity providers; amr lists the methods.
    if issuer == "franceconnect":
        return {"acr": "eidas1", "amr": ["pwd"]}
    return {"amr": ["pwd"]}


def identity_claims(issuer: IssuerName, key: str, email: str = "") -> dict[str, Any]:
    """The claims of a sandbox identity (empty ones left out, as FranceConnect's userinfo
    does for a missing usage name), or of a confirmed portal account (its e-mail, verified)."""
    if issuer == "external":
        return {"email": email, "email_verified": True}
    return {name: value for name, value in IDENTITIES[key].items() if value or name == "birthplace"}

"""``TokenVerifier``: one issuer's OAuth 2.0 bearer access tokens, verified in code with PyJWT.

Order of checks: cheap structural refusals first (size, shape, ``alg`` allow-list, ``typ``),
then the key (``kid`` lookup, one forced JWKS refresh on a miss, key type matching ``alg``),
then the signature (PyJWT's algorithm objects, over the bytes we parsed once; claims are checked
here with the injected clock, since PyJWT's claim checks read the wall clock), then issuer,
audience, token kind, times, subject, scopes.
Refusals are logged with their reason code only -- never the token or a claim value.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.algorithms import Algorithm, get_default_algorithms
from jwt.exceptions import PyJWKError

from cityzen_connector._clock import WallClock, utc_now

from ._claims import CallerIdentity, citizen_claims_from_payload
from ._config import ALGORITHM_KEY_TYPES, VerifierConfig
from ._errors import InvalidToken
from ._jwks import JwksSource
from ._jws import CompactJws, parse_compact

logger = logging.getLogger(__name__)

_ID_TOKEN_ONLY_CLAIMS = (
    "nonce",
    "at_hash",
    "c_hash",
)  # OpenID Connect Core 1.0 section 2, 3.3.2.11
_ACCESS_TYPES = {"at+jwt", "application/at+jwt"}  # RFC 9068 section 2.1
_PLAIN_TYPES = {"jwt", "application/jwt"}  # RFC 7519 section 5.1
_MIN_RSA_BITS = 2048
_ALGORITHMS: Mapping[str, Algorithm] = get_default_algorithms()
_KEY_CACHE_SIZE = 64


class TokenVerifier:
    """Verify one issuer's access tokens and return who is calling."""

    def __init__(
        self, config: VerifierConfig, jwks_source: JwksSource, *, clock: WallClock = utc_now
    ) -> None:
        self.config = config
        self._jwks = jwks_source
        self._clock = clock
        # Loading a public key from its JWK (and validating an EC point) costs as much as the
        # signature check itself; keep loaded keys, keyed by the JWK object they came from.
        self._loaded: dict[tuple[int, str], tuple[Mapping[str, Any], Any]] = {}

    @property
    def issuer(self) -> str:
        return self.config.issuer

    def verify(self, token: str) -> CallerIdentity:
        """Return the caller, or raise ``InvalidToken`` (or ``KeysUnavailable``)."""
        try:
            identity = self._verify(token)
        except InvalidToken as exc:
            logger.info("bearer token refused: reason=%s issuer=%s", exc.reason, self.issuer)
            raise
        logger.debug("bearer token accepted: kind=%s issuer=%s", identity.kind, self.issuer)
        return identity

    def _verify(self, token: str) -> CallerIdentity:
        cfg = self.config
        parsed = parse_compact(token, cfg.max_token_bytes)
        alg: str = parsed.header["alg"]
        if alg not in cfg.algorithms:
            raise InvalidToken("alg_not_allowed")
        if not parsed.signature:
            raise InvalidToken("malformed", "signature is empty")
        typ = self._token_typ(parsed)
        key = self._key_for(parsed, alg)
        # Exactly the one algorithm the header named and the allow-list and key type admit.
        if not _ALGORITHMS[alg].verify(parsed.signing_input, key, parsed.signature):
            raise InvalidToken("bad_signature")
        payload = parsed.unverified_payload  # verified from here on: the signature covers it
        self._check_issuer(payload)
        self._check_audience(payload)
        self._check_access_token(payload, typ)
        self._check_times(payload)
        subject = payload.get(cfg.subject_claim)
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("missing_claim", cfg.subject_claim)
        scopes, roles = self._check_grants(payload)
        client_id = payload.get("azp", payload.get("client_id"))
        tenant = payload.get("tid")
        return CallerIdentity(
            kind=cfg.kind,
            issuer=cfg.issuer,
            subject=subject,
            citizen=(
                citizen_claims_from_payload(
                    payload, claim_map=cfg.claim_map, certified_claims=cfg.certified_claims
                )
                if cfg.kind == "citizen"
                else None
            ),
            tenant_id=tenant if isinstance(tenant, str) else None,
            client_id=client_id if isinstance(client_id, str) else None,
            scopes=scopes,
            roles=roles,
        )

    def _token_typ(self, parsed: CompactJws) -> str:
        typ = parsed.header.get("typ")
        if typ is None:
            typ = "jwt"
        if not isinstance(typ, str):
            raise InvalidToken("malformed", "typ is not a string")
        typ = typ.lower()
        if typ in _ACCESS_TYPES:
            return "at+jwt"
        if typ not in _PLAIN_TYPES:
            # logout+jwt, dpop+jwt, secevent+jwt...: signed by the same keys, never access tokens.
            raise InvalidToken("wrong_token_type")
        return "jwt"

    def _key_for(self, parsed: CompactJws, alg: str) -> Any:
        kid = parsed.header.get("kid")
        if not isinstance(kid, str) or not kid:
            # Without kid we would have to try keys; providers we trust always send one. Keys
            # embedded in the header (jwk, x5c, jku, x5u) are never used: the attacker chose them.
            raise InvalidToken("malformed", "header has no kid")
        jwk = self._jwks.get_keys().find(kid)
        if jwk is None:
            # Key rotation: the provider may have published a new key since our last fetch.
            jwk = self._jwks.get_keys(force_refresh=True).find(kid)
        if jwk is None:
            raise InvalidToken("unknown_kid")
        kty, crv = ALGORITHM_KEY_TYPES[alg]
        if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
            raise InvalidToken("alg_not_allowed", "algorithm does not match the key type")
        if "alg" in jwk and jwk["alg"] != alg:  # RFC 7517 section 4.4
            raise InvalidToken("alg_not_allowed", "algorithm does not match the key")
        cached = self._loaded.get((id(jwk), alg))
        if cached is not None and cached[0] is jwk:
            return cached[1]
        try:
            key = jwt.PyJWK(dict(jwk), algorithm=alg).key
        except PyJWKError as exc:
            logger.warning("published key unusable for verification: issuer=%s", self.issuer)
            raise InvalidToken("unknown_kid", "the published key is unusable") from exc
        if kty == "RSA" and key.key_size < _MIN_RSA_BITS:
            raise InvalidToken("unknown_kid", "the published key is too weak")
        if len(self._loaded) >= _KEY_CACHE_SIZE:
            self._loaded.clear()  # key sets were replaced; start over rather than grow
        self._loaded[(id(jwk), alg)] = (jwk, key)  # holding jwk keeps its id() unique
        return key

    def _check_issuer(self, payload: Mapping[str, Any]) -> None:
        if payload.get("iss") != self.config.issuer:
            raise InvalidToken("wrong_issuer")
        if self.config.tenant_id and payload.get("tid") != self.config.tenant_id:
            raise InvalidToken("wrong_issuer", "tenant")

    def _check_audience(self, payload: Mapping[str, Any]) -> None:
        aud = payload.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud
        if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
            raise InvalidToken("missing_claim", "aud")
        if self.config.audiences.intersection(audiences):
            return
        if self.config.client_ids.intersection(audiences):
            # An ID token's audience is the client it was issued to (OIDC Core section 2).
            raise InvalidToken("id_token_refused")
        raise InvalidToken("wrong_audience")

    def _check_access_token(self, payload: Mapping[str, Any], typ: str) -> None:
        if typ == "at+jwt":
            return
        if self.config.type_check == "rfc9068":
            raise InvalidToken("id_token_refused", "typ at+jwt is required")
        if any(name in payload for name in _ID_TOKEN_ONLY_CLAIMS):
            raise InvalidToken("id_token_refused")
        if not any(name in payload for name in ("scp", "scope", "roles")):
            raise InvalidToken("id_token_refused", "no scp, scope or roles claim")

    def _check_times(self, payload: Mapping[str, Any]) -> None:
        # NumericDate claims are epoch seconds (RFC 7519 section 2).
        now, skew = self._clock().timestamp(), self.config.clock_skew_seconds
        exp = _number(payload, "exp", required=True)
        assert exp is not None  # required=True
        if now > exp + skew:
            raise InvalidToken("expired")
        nbf = _number(payload, "nbf", required=False)
        if nbf is not None and now + skew < nbf:
            raise InvalidToken("not_yet_valid")
        iat = _number(payload, "iat", required=False)
        if iat is not None and now + skew < iat:
            raise InvalidToken("not_yet_valid", "issued in the future")

    def _check_grants(self, payload: Mapping[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
        scope = payload.get("scp", payload.get("scope", ""))
        if isinstance(scope, list):  # some providers send scp as an array
            scope = " ".join(s for s in scope if isinstance(s, str))
        if not isinstance(scope, str):
            raise InvalidToken("malformed", "scope is not a string")
        scopes = frozenset(scope.split())
        raw_roles = payload.get("roles", [])
        if not isinstance(raw_roles, list) or not all(isinstance(r, str) for r in raw_roles):
            raise InvalidToken("malformed", "roles is not an array of strings")
        roles = frozenset(raw_roles)
        cfg = self.config
        if not cfg.required_scopes <= scopes:
            raise InvalidToken("insufficient_scope")
        if cfg.accepted_roles and not cfg.accepted_roles & roles:
            raise InvalidToken("insufficient_scope")
        return scopes, roles


def _number(payload: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidToken("missing_claim", name)
        return None
    # RFC 7519 section 2 NumericDate; bool is an int in Python and is refused explicitly.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidToken("malformed", f"{name} is not a NumericDate")
    return float(value)

"""The provider's signing keys: an RSA (RS256) and an EC P-256 (ES256) key per citizens'
issuer, an RSA key alone for the agents' issuer (Entra ID signs with RS256 only), and the
secret its pairwise subjects are derived from, kept in one 0600 file of the data folder so that
tokens and subjects survive a restart. A file written before the agents' issuer existed gets
its key added (and rewritten), the others kept.

Public keys are published as a JWK Set (RFC 7517 section 5) with ``kid``, ``use`` and ``alg``;
the ``kid`` is the RFC 7638 thumbprint, so a key keeps its id wherever it is published.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cityzen_connector._private import private_folder, tighten, write_private

from ._config import IssuerName
from ._errors import SigninError

KEY_FILE = "signin-keys.json"
_ALGORITHMS: dict[IssuerName, tuple[str, ...]] = {
    "franceconnect": ("RS256", "ES256"),
    "external": ("RS256", "ES256"),
    "agents": ("RS256",),
}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _thumbprint(jwk: dict[str, Any]) -> str:
    # RFC 7638 section 3.2: the required members only, lexicographic order, no whitespace.
    required = ("e", "kty", "n") if jwk["kty"] == "RSA" else ("crv", "kty", "x", "y")
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("utf-8")).digest())


@dataclass(frozen=True)
class _Pair:
    alg: str
    private: Any = field(repr=False)
    jwk: dict[str, Any] = field(repr=False)

    @property
    def kid(self) -> str:
        return str(self.jwk["kid"])


def _pair(alg: str, private: Any) -> _Pair:
    exporter = RSAAlgorithm if alg == "RS256" else ECAlgorithm
    jwk: dict[str, Any] = exporter.to_jwk(private.public_key(), as_dict=True)
    jwk.update(kid=_thumbprint(jwk), use="sig", alg=alg)
    return _Pair(alg, private, jwk)


def _generate(issuer: IssuerName) -> dict[str, _Pair]:
    def private(alg: str) -> Any:
        if alg == "RS256":
            return rsa.generate_private_key(65537, 2048)
        return ec.generate_private_key(ec.SECP256R1())

    return {alg: _pair(alg, private(alg)) for alg in _ALGORITHMS[issuer]}


class SigningKeys:
    """Both issuers' keys and the pairwise secret."""

    def __init__(self, pairs: dict[IssuerName, dict[str, _Pair]], pairwise_secret: bytes) -> None:
        self._pairs = pairs
        self.pairwise_secret = pairwise_secret

    @classmethod
    def generate(cls) -> SigningKeys:
        pairs = {name: _generate(name) for name in _ALGORITHMS}
        return cls(pairs, secrets.token_bytes(32))

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKeys:
        """Read the key file, or create it (0600, in a 0700 folder) the first time."""
        if not path.exists():
            keys = cls.generate()
            private_folder(path.parent, tighten_existing=False)
            write_private(path, keys._dump())
            return keys
        tighten(path)
        try:
            document = json.loads(path.read_bytes())
            pairs = {
                name: {
                    alg: _pair(
                        alg, serialization.load_pem_private_key(pem.encode("ascii"), password=None)
                    )
                    for alg, pem in document["issuers"][name].items()
                }
                for name in _ALGORITHMS
                # The agents' issuer came later: only its keys may be missing.
                if name != "agents" or name in document["issuers"]
            }
            keys = cls(pairs, base64.b64decode(document["pairwise_secret"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            # The path is ours to name; what the file holds is not repeated.
            raise SigninError(
                f"unreadable sign-in key file {path}: delete it to start over"
            ) from exc
        missing = [name for name in _ALGORITHMS if name not in pairs]
        if missing:  # an issuer added since the file was written: its keys, the others kept
            pairs.update({name: _generate(name) for name in missing})
            write_private(path, keys._dump())
        return keys

    def _dump(self) -> bytes:
        pem = {
            name: {
                alg: pair.private.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ).decode("ascii")
                for alg, pair in algs.items()
            }
            for name, algs in self._pairs.items()
        }
        secret = base64.b64encode(self.pairwise_secret).decode("ascii")
        return json.dumps({"issuers": pem, "pairwise_secret": secret}).encode("utf-8")

    def jwks(self, issuer: IssuerName) -> dict[str, Any]:
        return {"keys": [dict(pair.jwk) for pair in self._pairs[issuer].values()]}

    def decode(
        self, issuer: IssuerName, token: str, config: Any, now: float, *, id_token: bool = False
    ) -> dict[str, Any]:
        """Our own token back (``/userinfo``, ``id_token_hint``); ``jwt.PyJWTError`` if not."""
        kid = jwt.get_unverified_header(token).get("kid")
        pair = next((p for p in self._pairs[issuer].values() if p.kid == kid), None)
        if pair is None:
            raise jwt.InvalidTokenError("unknown kid")
        clients = [c.client_id for c in config.clients]
        audience = clients if id_token else [config.audience_of(issuer)]
        claims: dict[str, Any] = jwt.decode(
            token,
            pair.private.public_key(),
            algorithms=[pair.alg],
            audience=audience,
            issuer=config.issuers[issuer],
            # An ID token hint may have expired (RP-Initiated Logout 1.0 section 2).
            options={"verify_exp": False, "verify_iat": False},
        )
        if not id_token and float(claims.get("exp", 0)) < now:
            raise jwt.ExpiredSignatureError("expired")
        return claims

    def sign(self, issuer: IssuerName, alg: str, claims: dict[str, Any], *, typ: str) -> str:
        pair = self._pairs[issuer][alg]
        return jwt.encode(
            claims, pair.private, algorithm=alg, headers={"kid": pair.kid, "typ": typ}
        )

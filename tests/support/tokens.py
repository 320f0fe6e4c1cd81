"""Signing keys, tokens and a scripted identity provider, for every suite that verifies tokens
(identity, API, CLI, Functions end to end): everything in-process, no network.

Its fixtures are registered for every suite by ``tests/conftest.py`` (``pytest_plugins``).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from cityzen_connector.identity import KeysUnavailable
from cityzen_connector.testing import FakeClock

ISSUER = "https://idp.example.fr/citizens/v2.0"
AUDIENCE = "api://cityzen"
CLIENT_ID = "portal-spa-client"
JWKS_URI = "https://idp.example.fr/citizens/keys"
NOW = 1_900_000_000.0  # epoch seconds, as tokens carry them
START = datetime.fromtimestamp(NOW, UTC)  # the same moment, where the fake clock starts

# Claim values that must never reach a log line.
SECRET_CLAIMS = {
    "sub": "sub-7c1f0e8a",
    "given_name": "Marianne Louise",
    "family_name": "Delacroix",
    "preferred_username": "Dupont-Delacroix",
    "birthdate": "1987-03-14",
    "birthplace": "75112",
    "birthcountry": "99100",
    "gender": "female",
    "email": "marianne.delacroix@example.org",
    "phone_number": "+33612345678",
}

KEY_1 = _RSA = rsa.generate_private_key(public_exponent=65537, key_size=2048)
KEY_2 = _RSA_2 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_EC = ec.generate_private_key(ec.SECP256R1())


@dataclass
class Signer:
    private_key: Any
    kid: str
    alg: str

    def jwk(self) -> dict[str, Any]:
        public = self.private_key.public_key()
        to_jwk = RSAAlgorithm.to_jwk if self.alg.startswith(("RS", "PS")) else ECAlgorithm.to_jwk
        key: dict[str, Any] = to_jwk(public, as_dict=True)
        key.update(kid=self.kid, use="sig")
        return key

    def sign(self, claims: Mapping[str, Any], **headers: Any) -> str:
        return jwt.encode(dict(claims), self.private_key, algorithm=self.alg, headers=headers)


@dataclass
class Fetcher:
    """A scripted identity provider: URL -> JSON document; records every call."""

    documents: dict[str, object] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    failing: bool = False

    def __call__(self, url: str) -> object:
        self.calls.append(url)
        if self.failing or url not in self.documents:
            raise KeysUnavailable(f"no document at {url}")
        return self.documents[url]

    def publish(self, *signers: Signer) -> None:
        self.documents[JWKS_URI] = {"keys": [s.jwk() for s in signers]}


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(NOW) - 10,
        "nbf": int(NOW) - 10,
        "exp": int(NOW) + 600,
        "scp": "requests.submit",
        "azp": CLIENT_ID,
        "acr": "eidas1",
        **SECRET_CLAIMS,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def b64(data: bytes | str) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(header: Mapping[str, Any], payload: Mapping[str, Any], signature: str = "") -> str:
    return f"{b64(json.dumps(header))}.{b64(json.dumps(payload))}.{signature}"


def jwk_of(kid: str, key: Any) -> dict[str, Any]:
    """The public JWK of an RSA private key, as a provider publishes it."""
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


@pytest.fixture
def rsa_signer() -> Signer:
    return Signer(_RSA, "rsa-2026-01", "RS256")


@pytest.fixture
def rsa_signer_2() -> Signer:
    return Signer(_RSA_2, "rsa-2026-07", "RS256")


@pytest.fixture
def ec_signer() -> Signer:
    return Signer(_EC, "ec-2026-01", "ES256")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def fetcher(rsa_signer: Signer, ec_signer: Signer) -> Fetcher:
    fetcher = Fetcher()
    fetcher.publish(rsa_signer, ec_signer)
    return fetcher

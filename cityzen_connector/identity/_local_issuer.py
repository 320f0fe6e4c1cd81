"""Local mode's stand-in for an Entra ID tenant: one RSA key in a 0600 file that signs ops
tokens shaped as Entra ID v2.0 access tokens, and whose public half verifies them.

``cityzen run`` has no tenant to ask; ``cityzen identity ops-token`` signs with this key and the
local ops routes verify with it, through the very ``TokenVerifier`` a deployment uses. The key
is never used outside local mode (the composition root decides), and its tenant, API and agent
ids are fixed, documented values no real tenant has.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cityzen_connector._private import FILE_MODE, private_folder, tighten

from ._config import ENTRA_V2_ISSUER
from ._errors import IdentityConfigError, KeysUnavailable
from ._jwks import JwkSet, JwksSource

logger = logging.getLogger(__name__)

# Version 4 GUIDs made of zeros and a readable tail: the local host's port, "a91" (API),
# "c11" (CLI), "a9e17" (agent).
LOCAL_OPS_TENANT_ID = "00000000-0000-4000-8000-000000007071"
LOCAL_OPS_AUDIENCE = "00000000-0000-4000-8000-000000000a91"
LOCAL_OPS_CLIENT_ID = "00000000-0000-4000-8000-000000000c11"
LOCAL_OPS_AGENT_OID = "00000000-0000-4000-8000-0000000a9e17"
LOCAL_OPS_KEY_FILE = "ops-signing-key.pem"
# The delegated permission a client asks for ("Expose an API"); the ops routes check the role.
LOCAL_OPS_SCOPE = "access_as_user"
# Entra ID gives access tokens 60 to 90 minutes (access-tokens, "Token lifetime").
DEFAULT_LIFETIME_SECONDS = 3600
_KEY_BITS = 2048


class LocalSigningKey:
    """An RS256 key and its JWK Set (one key, ``kid`` its RFC 7638 thumbprint)."""

    def __init__(self, private_key: rsa.RSAPrivateKey) -> None:
        self._private = private_key
        public: dict[str, Any] = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        # RFC 7638 section 3: the required members, sorted, no whitespace, SHA-256, base64url.
        canonical = json.dumps(
            {"e": public["e"], "kty": "RSA", "n": public["n"]}, separators=(",", ":")
        )
        digest = hashlib.sha256(canonical.encode()).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        self._jwk = {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    @classmethod
    def load_or_create(cls, path: Path) -> LocalSigningKey:
        """Read the key file, creating it (0600, all or nothing) the first time."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls._create(path)
        except OSError as exc:
            raise IdentityConfigError(f"cannot read {path}: {exc.strerror}") from exc
        tighten(path)  # a copy others could read signs tokens they could then forge
        return cls._parse(data, path)

    @classmethod
    def _create(cls, path: Path) -> LocalSigningKey:
        private_folder(path.parent, tighten_existing=False)
        key = rsa.generate_private_key(public_exponent=65537, key_size=_KEY_BITS)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        # mkstemp: a name of its own (0600, O_EXCL) beside the key, whoever else is starting.
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        temporary = Path(name)
        try:
            os.fchmod(fd, FILE_MODE)
            os.write(fd, pem)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            # link() fails if the name exists: two processes starting together keep one key.
            os.link(temporary, path)
        except FileExistsError:
            return cls._parse(path.read_bytes(), path)
        finally:
            os.unlink(temporary)
        return cls(key)

    @classmethod
    def _parse(cls, data: bytes, path: Path) -> LocalSigningKey:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            # Never quote the file: it is a private key.
            raise IdentityConfigError(f"{path} is not a PEM private key; delete it") from exc
        if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < _KEY_BITS:
            raise IdentityConfigError(f"{path} is not a 2048-bit RSA key; delete it")
        return cls(key)

    def jwk_set(self) -> JwkSet:
        return JwkSet.from_json({"keys": [self._jwk]})

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._private, algorithm="RS256", headers={"kid": self.kid})


def entra_style_claims(
    *,
    tenant_id: str,
    audience: str,
    object_id: str,
    roles: Iterable[str],
    now: float,
    lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS,
    client_id: str = LOCAL_OPS_CLIENT_ID,
    scope: str = LOCAL_OPS_SCOPE,
) -> dict[str, Any]:
    """The claims of an Entra ID v2.0 access token a signed-in agent's client gets for our API
    (access-token-claims-reference): ``scp`` (a delegated token), ``roles`` (the app roles
    assigned to the agent, or through their group), ``oid``; no name, UPN or e-mail."""
    issued = int(now)
    return {
        "aud": audience,
        "iss": ENTRA_V2_ISSUER.format(tenant=tenant_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime_seconds,
        "azp": client_id,
        "azpacr": "0",
        "oid": object_id,
        "roles": sorted(set(roles)),
        "scp": scope,
        "sub": hashlib.sha256(f"{client_id}:{object_id}".encode()).hexdigest()[:43],
        "tid": tenant_id,
        "ver": "2.0",
    }


class LocalKeySource(JwksSource):
    """The local key's JWK Set, read from its file on first use (a process that never
    verifies an ops token creates no file) and again when a token names another key (the
    file was replaced while the host ran)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._keys: JwkSet | None = None

    def get_keys(self, force_refresh: bool = False) -> JwkSet:
        if self._keys is None or force_refresh:
            try:
                self._keys = LocalSigningKey.load_or_create(self._path).jwk_set()
            except (IdentityConfigError, OSError) as exc:
                # The message names the file and what to do, never its content.
                logger.warning("local ops signing key unusable: %s", exc)
                raise KeysUnavailable("the local ops signing key is unusable") from exc
        return self._keys

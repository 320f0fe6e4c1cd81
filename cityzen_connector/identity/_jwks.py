"""Where signing keys come from: the ``JwksSource`` seam and its implementations.

``HttpJwksSource`` finds the provider's JWK Set (RFC 7517 section 5) through OpenID Connect
Discovery (``/.well-known/openid-configuration`` -> ``jwks_uri``, OpenID Connect Discovery 1.0
section 4) or a configured ``jwks_uri``, caches it for a TTL, re-fetches on demand when a token
names an unknown ``kid`` (key rotation), and never more often than a floor interval, so a flood
of tokens with random ``kid`` values cannot make us hammer the provider. Network access goes
through an injected ``fetch`` function and time through an injected ``WallClock`` (cache ages
are counted in epoch seconds).
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cityzen_connector._clock import WallClock, utc_now

from ._errors import IdentityConfigError, KeysUnavailable

logger = logging.getLogger(__name__)

#: GET a URL and return its decoded JSON; raise ``KeysUnavailable`` on any failure.
FetchJson = Callable[[str], object]

_MAX_KEYS = 64  # Entra ID publishes a handful; more is a hostile or broken document
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class JwkSet:
    """A JWK Set: the public keys (as JWK objects) an issuer signs with."""

    keys: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_json(cls, document: object) -> JwkSet:
        """Validate the shape of a fetched JWK Set; ``ValueError`` if it is not one."""
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise ValueError("not a JWK Set: no 'keys' array")
        raw_keys: list[object] = document["keys"]
        if len(raw_keys) > _MAX_KEYS:
            raise ValueError(f"JWK Set has more than {_MAX_KEYS} keys")
        keys: list[Mapping[str, Any]] = []
        for key in raw_keys:
            if not isinstance(key, Mapping) or not isinstance(key.get("kty"), str):
                raise ValueError("JWK Set member without a 'kty'")
            # RFC 7517 section 4.2: a key published for encryption must not verify signatures.
            if key.get("use", "sig") != "sig":
                continue
            # RFC 7517 section 4.3: key_ops, when present, must allow "verify".
            ops = key.get("key_ops")
            if isinstance(ops, list) and "verify" not in ops:
                continue
            keys.append(dict(key))
        return cls(tuple(keys))

    def find(self, kid: str) -> Mapping[str, Any] | None:
        for key in self.keys:
            if key.get("kid") == kid:
                return key
        return None


class JwksSource(abc.ABC):
    """Gives the current JWK Set; ``force_refresh`` asks for a fresh copy if one may be had."""

    @abc.abstractmethod
    def get_keys(self, force_refresh: bool = False) -> JwkSet:
        """Return the keys; raise ``KeysUnavailable`` when none can be had at all."""


class StaticJwksSource(JwksSource):
    """A fixed JWK Set (local mode, tests, or keys pinned by configuration)."""

    def __init__(self, jwk_set: JwkSet) -> None:
        self._jwk_set = jwk_set

    def get_keys(self, force_refresh: bool = False) -> JwkSet:
        return self._jwk_set


def check_fetch_url(url: str, what: str) -> str:
    """Refuse anything but HTTPS (plain HTTP only to the loopback, for local mode)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname in _LOOPBACK:
        return url
    raise IdentityConfigError(f"{what} must be an https:// URL (http only to 127.0.0.1)")


class HttpJwksSource(JwksSource):
    """JWKS over HTTP with a TTL cache, refresh on demand and a floor on refresh frequency."""

    def __init__(
        self,
        fetch: FetchJson,
        *,
        clock: WallClock = utc_now,
        issuer: str = "",
        jwks_uri: str = "",
        discovery_url: str = "",
        cache_ttl_seconds: float = 3600.0,
        min_refresh_interval_seconds: float = 60.0,
    ) -> None:
        if not jwks_uri and not discovery_url:
            if not issuer:
                raise IdentityConfigError("JWKS source needs a jwks_uri, a discovery URL or issuer")
            discovery_url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        if discovery_url and not issuer:
            raise IdentityConfigError("discovery needs the expected issuer to check it")
        if cache_ttl_seconds <= 0 or min_refresh_interval_seconds < 0:
            raise IdentityConfigError("JWKS cache TTL must be > 0 and the refresh floor >= 0")
        self._fetch = fetch
        self._clock = clock
        self._issuer = issuer
        self._configured_jwks_uri = check_fetch_url(jwks_uri, "jwks_uri") if jwks_uri else ""
        self._discovery_url = (
            check_fetch_url(discovery_url, "discovery URL") if discovery_url else ""
        )
        self._ttl = cache_ttl_seconds
        self._floor = min_refresh_interval_seconds
        self._lock = threading.Lock()
        self._keys: JwkSet | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._jwks_uri = self._configured_jwks_uri

    def get_keys(self, force_refresh: bool = False) -> JwkSet:
        keys = self._keys
        age = self._clock().timestamp() - self._fetched_at
        if keys is not None and not force_refresh and age < self._ttl:
            return keys  # the common path takes no lock
        # A TTL refresh already under way in another thread: keep serving the current keys
        # rather than queue every request behind one HTTP call. A forced refresh (unknown kid)
        # or a first fetch waits for it.
        if not self._lock.acquire(blocking=keys is None or force_refresh):
            assert keys is not None
            return keys
        try:
            return self._refresh_locked(force_refresh)
        finally:
            self._lock.release()

    def _refresh_locked(self, force_refresh: bool) -> JwkSet:
        now = self._clock().timestamp()
        keys = self._keys
        if keys is not None and not force_refresh and now - self._fetched_at < self._ttl:
            return keys  # another thread refreshed while we waited
        if self._last_attempt is not None and now - self._last_attempt < self._floor:
            # Too soon to ask again (a kid flood, or the provider just failed).
            if keys is not None:
                return keys
            raise KeysUnavailable("identity provider keys unavailable (recent failure)")
        self._last_attempt = now
        try:
            fresh = self._download()
        except KeysUnavailable:
            if keys is None:
                raise
            # Serve the last good keys rather than refuse every caller while the provider
            # has a bad minute; the floor paces the next attempt.
            logger.warning("JWKS refresh failed; serving the cached key set")
            return keys
        self._keys, self._fetched_at = fresh, now
        logger.info("JWKS refreshed: %d signing keys", len(fresh.keys))
        return fresh

    def _download(self) -> JwkSet:
        if not self._jwks_uri:
            self._jwks_uri = self._discover()
        try:
            return JwkSet.from_json(self._fetch(self._jwks_uri))
        except ValueError as exc:
            raise KeysUnavailable(f"invalid JWK Set document: {exc}") from exc
        finally:
            # Re-discover next time unless the URI is pinned: the provider may have moved it.
            if not self._configured_jwks_uri:
                self._jwks_uri = ""

    def _discover(self) -> str:
        document = self._fetch(self._discovery_url)
        if not isinstance(document, Mapping):
            raise KeysUnavailable("discovery document is not a JSON object")
        # OpenID Connect Discovery 1.0 section 4.3: the issuer in the document MUST be identical
        # to the one the configuration URL was derived from.
        if document.get("issuer") != self._issuer:
            raise KeysUnavailable("discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise KeysUnavailable("discovery document has no jwks_uri")
        try:
            return check_fetch_url(jwks_uri, "discovered jwks_uri")
        except IdentityConfigError as exc:
            raise KeysUnavailable(str(exc)) from exc

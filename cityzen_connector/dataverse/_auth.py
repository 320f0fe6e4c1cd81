"""Token providers: the auth seam. MSAL (client secret, certificate, managed identity) in
Azure, a static token for the emulator and tests.

Tokens are cached here and refreshed ``refresh_margin`` seconds before they expire, through
the injected clock. ``invalidate()`` follows a 401: with MSAL it must also evict MSAL's own
cache (``remove_tokens_for_client()``), or ``acquire_token_for_client`` would hand back the
very token Dataverse just refused. msal's error dicts become ``AuthenticationError`` here.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any, Protocol

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock

from ._errors import AuthenticationError

__all__ = [
    "ManagedIdentityProvider",
    "MsalClientCredentialsProvider",
    "StaticTokenProvider",
    "TokenProvider",
    "scope_for",
]


class TokenProvider(Protocol):
    def get_token(self) -> str: ...

    def invalidate(self) -> None: ...


def scope_for(org_url: str) -> str:
    """The Dataverse scope for client credentials: ``<org URL>/.default``."""
    return org_url.rstrip("/") + "/.default"


class StaticTokenProvider:
    """A fixed bearer token (the embedded emulator, tests)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise AuthenticationError("static token provider needs a non-empty token")
        self._token = token
        self.invalidations = 0

    def get_token(self) -> str:
        return self._token

    def invalidate(self) -> None:
        self.invalidations += 1  # nothing to refresh; counted so tests can see the 401 path

    def __repr__(self) -> str:
        return "StaticTokenProvider(<redacted>)"


class _CachingProvider:
    """Keeps the last token until ``refresh_margin`` seconds before its expiry."""

    def __init__(self, clock: MonotonicClock | None, refresh_margin: float) -> None:
        self._clock = clock or SYSTEM_MONOTONIC
        self._margin = refresh_margin
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def get_token(self) -> str:
        with self._lock:
            now = self._clock.now()
            if self._token is None or now >= self._expires_at - self._margin:
                result = self._acquire()
                self._token, self._expires_at = _read_msal_result(result, now)
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None
            self._expires_at = 0.0
            self._evict()

    def _acquire(self) -> Any:
        raise NotImplementedError

    def _evict(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<token redacted>)"


def _read_msal_result(result: Any, now: float) -> tuple[str, float]:
    if not isinstance(result, dict):
        raise AuthenticationError("token request returned nothing")
    token = result.get("access_token")
    if not token:
        error = str(result.get("error") or "unknown_error")
        # The first line of AAD's description holds the AADSTS code; the rest is trace noise.
        description = str(result.get("error_description") or "").splitlines()
        first = description[0][:200] if description else ""
        raise AuthenticationError(
            f"could not obtain a Dataverse token: {error} {first}".strip(),
            code=error,
            request_id=str(result.get("correlation_id") or "") or None,
        )
    try:
        expires_in = float(result.get("expires_in", 3600))
    except (TypeError, ValueError):
        expires_in = 3600.0
    return str(token), now + expires_in


class MsalClientCredentialsProvider(_CachingProvider):
    """An app registration's identity: client secret or certificate (PEM file holding the
    private key and its certificate). Pass ``app`` to inject a built
    ``msal.ConfidentialClientApplication``; otherwise it is built on first use (msal contacts
    the authority when built, which must not happen at import or start-up time)."""

    def __init__(
        self,
        org_url: str,
        *,
        tenant_id: str = "",
        client_id: str = "",
        client_secret: str | None = None,
        certificate_path: Path | None = None,
        certificate_password: str | None = None,
        app: Any = None,
        http_client: Any = None,
        clock: MonotonicClock | None = None,
        refresh_margin: float = 300.0,
    ) -> None:
        super().__init__(clock, refresh_margin)
        self._scopes = [scope_for(org_url)]
        self._app = app
        self._setup: tuple[str, str, Any, Any] | None = None
        if app is None:
            credential = _credential(client_secret, certificate_path, certificate_password)
            if not tenant_id or not client_id:
                raise AuthenticationError("client credentials need a tenant id and a client id")
            self._setup = (tenant_id, client_id, credential, http_client)

    def _acquire(self) -> Any:
        if self._app is None and self._setup is not None:
            self._app = _build_confidential_app(*self._setup)
        try:
            return self._app.acquire_token_for_client(scopes=self._scopes)
        except (ValueError, OSError) as exc:  # requests' errors are OSErrors
            raise AuthenticationError(f"token request failed: {type(exc).__name__}") from exc

    def _evict(self) -> None:
        if self._app is None:
            return
        try:
            self._app.remove_tokens_for_client()
        except (ValueError, OSError, KeyError) as exc:  # msal looks up authority aliases
            raise AuthenticationError(
                f"could not evict the cached token: {type(exc).__name__}"
            ) from exc


_CERT_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.S)


def _credential(secret: str | None, certificate_path: Path | None, password: str | None) -> Any:
    """msal's ``client_credential``: the secret, or a dict built from the PEM file."""
    if certificate_path is not None:
        try:
            pem = certificate_path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise AuthenticationError("cannot read the certificate PEM file") from exc
        certificate = _CERT_BLOCK.search(pem)
        if certificate is None or "PRIVATE KEY-----" not in pem:
            raise AuthenticationError("the PEM file must hold a private key and a certificate")
        # msal >= 1.35 computes the thumbprint from public_certificate (and sends x5c).
        credential: dict[str, str] = {
            "private_key": pem,
            "public_certificate": certificate.group(0),
        }
        if password:
            credential["passphrase"] = password
        return credential
    if secret:
        return secret
    raise AuthenticationError("client credentials need a secret or a certificate")


def _build_confidential_app(
    tenant_id: str, client_id: str, credential: Any, http_client: Any
) -> Any:
    import msal  # type: ignore[import-untyped]  # noqa: PLC0415 - lazy: heavy (cold starts)

    try:
        return msal.ConfidentialClientApplication(
            client_id,
            client_credential=credential,
            authority=f"https://login.microsoftonline.com/{tenant_id}",
            http_client=http_client,
        )
    except (ValueError, OSError) as exc:  # unreadable key, unknown tenant, network down
        raise AuthenticationError(f"msal could not be set up: {type(exc).__name__}") from exc


class ManagedIdentityProvider(_CachingProvider):
    """The Function App's managed identity: system-assigned, or user-assigned when
    ``client_id`` is given. Pass ``client`` (and its ``token_cache``) to inject one."""

    def __init__(
        self,
        org_url: str,
        *,
        client_id: str = "",
        client: Any = None,
        token_cache: Any = None,
        http_client: Any = None,
        clock: MonotonicClock | None = None,
        refresh_margin: float = 300.0,
    ) -> None:
        super().__init__(clock, refresh_margin)
        self._resource = org_url.rstrip("/")
        if client is None:
            import msal  # noqa: PLC0415 - lazy, see above

            identity: Any = (
                msal.UserAssignedManagedIdentity(client_id=client_id)
                if client_id
                else msal.SystemAssignedManagedIdentity()
            )
            token_cache = msal.TokenCache()
            if http_client is None:
                import requests  # noqa: PLC0415

                http_client = requests.Session()
            client = msal.ManagedIdentityClient(
                identity, http_client=http_client, token_cache=token_cache
            )
        self._client = client
        self._cache = token_cache

    def _acquire(self) -> Any:
        try:
            return self._client.acquire_token_for_client(resource=self._resource)
        except (ValueError, OSError) as exc:  # requests' errors are OSErrors
            raise AuthenticationError(
                f"managed identity token request failed: {type(exc).__name__}"
            ) from exc

    def _evict(self) -> None:
        # ManagedIdentityClient has no remove_tokens_for_client(); drop the access tokens from
        # the cache we gave it, so that the next call really goes to the identity endpoint.
        if self._cache is None:
            return
        access_token = self._cache.CredentialType.ACCESS_TOKEN
        for entry in list(self._cache.search(access_token)):
            self._cache.remove_at(entry)

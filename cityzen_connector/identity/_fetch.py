"""The production ``fetch`` for JWKS and discovery documents: one bounded GET with requests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ._errors import KeysUnavailable
from ._jwks import FetchJson

if TYPE_CHECKING:  # requests costs ~150 ms of import: only bearer deployments pay for it
    import requests

_MAX_DOCUMENT_BYTES = 256 * 1024  # a discovery document or JWK Set is a few KB


def requests_fetcher(
    session: requests.Session,
    *,
    timeout_seconds: float = 5.0,
    max_bytes: int = _MAX_DOCUMENT_BYTES,
) -> FetchJson:
    """Return ``fetch(url) -> JSON`` that turns every failure into ``KeysUnavailable``."""
    import requests  # noqa: PLC0415 - already loaded by whoever built ``session``

    def fetch(url: str) -> object:
        try:
            # No redirects: the document must come from the configured or discovered origin.
            with session.get(
                url,
                headers={"Accept": "application/json"},
                timeout=timeout_seconds,
                allow_redirects=False,
                stream=True,
            ) as response:
                if response.status_code != 200:
                    raise KeysUnavailable(f"GET {url} answered {response.status_code}")
                body = response.raw.read(max_bytes + 1, decode_content=True)
        except requests.RequestException as exc:
            raise KeysUnavailable(f"GET {url} failed: {type(exc).__name__}") from exc
        if len(body) > max_bytes:
            raise KeysUnavailable(f"GET {url}: document larger than {max_bytes} bytes")
        try:
            return json.loads(body)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise KeysUnavailable(f"GET {url}: not JSON") from exc

    return fetch

"""Cross-origin reads for a browser portal: which provider endpoints a page on another origin
may call with ``fetch`` (discovery, keys, token, userinfo), and for which origins.

The reference portal (a public client in the browser, "OAuth 2.0 for Browser-Based Apps",
section 6.3) exchanges its code at ``/token`` with ``fetch``: the browser reads the answer only
if it names the page's origin in ``Access-Control-Allow-Origin`` (Fetch Standard, "CORS
protocol"). The origins allowed are exactly those of the registered clients' redirect URIs —
never ``*``, never a pattern: an origin is compared as a whole string (scheme, host, port), so
``http://127.0.0.1:7071.evil`` or ``null`` gets nothing. No credentials are allowed (the
token request carries no cookie), so ``Access-Control-Allow-Credentials`` is never sent.
The authorization and sign-up pages are navigations, not ``fetch``: they get no CORS header.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

#: The endpoints a portal reads with fetch (below an issuer's path).
CORS_PATHS = frozenset({"/.well-known/openid-configuration", "/jwks", "/token", "/userinfo"})
_MAX_AGE = "600"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, as a browser serialises an origin."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def allowed_origins(redirect_uris: Iterable[str]) -> frozenset[str]:
    return frozenset(o for o in (origin_of(uri) for uri in redirect_uris) if o is not None)


def cors_headers(origin: str | None, allowed: frozenset[str]) -> list[tuple[str, str]]:
    """The headers of an answer to ``origin``: the origin echoed when it is allowed. ``Vary``
    always, so that a cache never hands one origin's answer to another."""
    if origin is not None and origin in allowed:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    return [("Vary", "Origin")]


def preflight_headers(origin: str | None, allowed: frozenset[str]) -> list[tuple[str, str]]:
    """What a preflight's answer (``OPTIONS`` with ``Access-Control-Request-Method``) adds to
    ``cors_headers``: userinfo is read with an ``Authorization`` header, which a simple request
    cannot carry. Nothing for an origin not allowed (the browser then refuses the request)."""
    if origin is None or origin not in allowed:
        return []
    return [
        ("Access-Control-Allow-Methods", "GET, POST"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type"),
        ("Access-Control-Max-Age", _MAX_AGE),
    ]

"""The reference portal's static files (``web/``) at ``/``, beside the HTTP triggers at ``/api``.

Local and embedded only: in Azure the same folder is an Azure Static Web App, configured by
``web/staticwebapp.config.json``. That file is the one source of the security headers: its
``globalHeaders`` are read here and sent with every file, so the local portal runs under exactly
the Content-Security-Policy it will have in Azure (a test compares them). The sign-in provider's
origin in that policy is the deployed one; ``origins`` replaces it by the one this run uses.

Strict, like the Static Web Apps front end:
- GET and HEAD only (405 otherwise);
- the path is the host's decoded path (``_target``: dot segments are a 404, control characters a
  400, before anything else); a segment starting with ``.`` or holding a backslash is a 404,
  and the file found must resolve inside the folder (a symbolic link out of it is a 404);
- only known extensions are served, each with its fixed content type (``nosniff``); the
  configuration file itself is never served;
- no directory listing: ``/`` is ``index.html``, and a path without an extension that names no
  file is the single-page app's ``index.html`` (``navigationFallback``), except under the
  excluded prefixes, which are a 404.
``ETag`` and ``If-None-Match`` spare reloading unchanged files (RFC 9110 section 13.1.2).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cityzen_connector.localhost._errors import _RefusedError
from cityzen_connector.localhost._problems import host_problem
from cityzen_connector.localhost._target import raw_path, route_path

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

SWA_CONFIG = "staticwebapp.config.json"
INDEX = "index.html"
CONTENT_TYPES: Mapping[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
_MAX_FILE = 8 * 1024 * 1024


@dataclass(frozen=True)
class StaticSiteConfig:
    """``root``: the portal's folder; ``generated``: files made by the run (``/config.json``
    with this run's provider) served instead of the folder's; ``origins``: origins to replace
    in the header values (the deployed provider's → this run's)."""

    root: Path
    generated: Mapping[str, bytes] = field(default_factory=dict)
    origins: Mapping[str, str] = field(default_factory=dict)


def security_headers(root: Path, origins: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """The ``globalHeaders`` of ``root/staticwebapp.config.json``, origins replaced."""
    document = json.loads((root / SWA_CONFIG).read_text(encoding="utf-8"))
    headers = []
    for name, value in document["globalHeaders"].items():
        text = str(value)
        for deployed, local in (origins or {}).items():
            text = text.replace(deployed, local)
        headers.append((str(name), text))
    return headers


def _fallback_excludes(root: Path) -> tuple[str, ...]:
    document = json.loads((root / SWA_CONFIG).read_text(encoding="utf-8"))
    return tuple(document.get("navigationFallback", {}).get("exclude", ()))


class StaticSite:
    """A WSGI application serving ``config.root``."""

    def __init__(self, config: StaticSiteConfig) -> None:
        self._root = config.root.resolve()
        self._generated = dict(config.generated)
        self._headers = security_headers(self._root, config.origins)
        self._excludes = _fallback_excludes(self._root)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        try:
            if method not in ("GET", "HEAD"):
                raise _RefusedError(405, [("Allow", "GET, HEAD")])
            name, body = self._find(route_path(environ))
        except _RefusedError as refusal:
            line, headers, body = host_problem(refusal.status, instance=raw_path(environ))
            start_response(line, [*refusal.headers, *headers, *self._headers])
            return [body]
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = [
            ("Content-Type", CONTENT_TYPES[Path(name).suffix]),
            ("ETag", etag),
            # Revalidate every time: a new deployment is seen at once, unchanged files cost a 304.
            ("Cache-Control", "no-store" if name in self._generated else "no-cache"),
            *self._headers,
        ]
        if environ.get("HTTP_IF_NONE_MATCH") == etag:
            start_response("304 Not Modified", headers)
            return [b""]
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [b"" if method == "HEAD" else body]

    def _find(self, path: str) -> tuple[str, bytes]:
        """(the file's name, its bytes) for a decoded path; ``_RefusedError`` 404 otherwise."""
        relative = path.lstrip("/") or INDEX
        if relative.endswith("/"):
            raise _RefusedError(404)  # a folder: never listed
        segments = relative.split("/")
        if any(s.startswith(".") or "\\" in s or not s for s in segments):
            raise _RefusedError(404)
        if relative == SWA_CONFIG:
            raise _RefusedError(404)
        if relative in self._generated:
            return relative, self._generated[relative]
        suffix = Path(relative).suffix
        if not suffix:
            if any(_excluded(path, pattern) for pattern in self._excludes):
                raise _RefusedError(404)
            return INDEX, self._read(INDEX)  # the single-page app's own routes
        if suffix not in CONTENT_TYPES:
            raise _RefusedError(404)
        return relative, self._read(relative)

    def _read(self, relative: str) -> bytes:
        candidate = (self._root / relative).resolve()
        if not candidate.is_relative_to(self._root) or not candidate.is_file():
            raise _RefusedError(404)
        if candidate.stat().st_size > _MAX_FILE:
            raise _RefusedError(404)
        return candidate.read_bytes()


def _excluded(path: str, pattern: str) -> bool:
    """Static Web Apps' exclude patterns: ``/prefix/*`` or ``/*.ext``."""
    if pattern.startswith("/*."):
        return path.endswith(pattern[2:])
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1]) or path == pattern[:-2]
    return path == pattern

"""The path routes are matched against: the request-target as sent, decoded once, as Kestrel does.

Kestrel, the Functions host's server, decodes every percent-escape of the path except ``%2F``:
decoding it would move the boundaries between segments, so ``/api/items%2Fspecial`` is one
segment, never ``/api/items/special`` (https://github.com/dotnet/aspnetcore/issues/30655).
waitress's ``PATH_INFO`` has ``%2F`` decoded already, so the path is read again from the raw
target (``REQUEST_URI``). Then, before any route or key is looked at:

- a ``.`` or ``..`` segment, raw or encoded (``%2e%2e``), is a 404. Kestrel would resolve it
  (RFC 3986 section 5.2.4) into another path; the local host never does, so a catch-all route
  never receives ``..`` and a traversal never turns into another route's 401;
- a control character once decoded (NUL, CR, LF, DEL...) is a 400: no route parameter, file
  name or log line should ever hold one;
- escapes that do not decode to UTF-8 (overlong forms such as ``%c0%ae`` included) are a 400.

Decoding happens once: ``%252e`` reaches the function as the text ``%2e``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

from cityzen_connector.localhost._errors import _RefusedError

_ESCAPED_SLASH = re.compile(r"(%2[fF])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_SEGMENTS = (".", "..")
_MAX_INSTANCE = 2048


def route_path(environ: dict[str, Any]) -> str:
    """The decoded path to route on; raises ``_RefusedError`` (400 or 404) as described above."""
    raw = environ.get("REQUEST_URI")
    if isinstance(raw, str) and raw:
        segments = [_decode_segment(segment) for segment in _path_of(raw).split("/")]
    else:
        # Another WSGI server: PATH_INFO is already decoded (PEP 3333: bytes as latin-1).
        text = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        try:
            segments = text.encode("latin-1").decode("utf-8").split("/")
        except UnicodeError:
            raise _RefusedError(400) from None
    for segment in segments:
        if _CONTROL.search(segment):
            raise _RefusedError(400)
        if segment in _DOT_SEGMENTS:
            raise _RefusedError(404)
    return "/".join(segments)


def raw_path(environ: dict[str, Any]) -> str | None:
    """The path as the client sent it, for a problem's ``instance``; None if not plain ASCII."""
    raw = environ.get("REQUEST_URI")
    if not isinstance(raw, str):
        return None
    path = _path_of(raw)
    if not path.startswith("/") or len(path) > _MAX_INSTANCE:
        return None
    return path if path.isascii() and path.isprintable() else None


def _path_of(target: str) -> str:
    """The path of an origin-form (``/a?b``) or absolute-form (``http://h/a?b``) target."""
    if target.startswith("/"):
        return target.partition("#")[0].partition("?")[0]
    if "://" in target:
        return urlsplit(target).path
    return target  # asterisk-form ("*") or garbage: it matches no route


def _decode_segment(segment: str) -> str:
    # Split on %2F, keeping it (odd items) as sent; decode the rest once, strictly.
    parts = _ESCAPED_SLASH.split(segment)
    try:
        return "".join(
            part if index % 2 else unquote_to_bytes(part.encode("latin-1")).decode("utf-8")
            for index, part in enumerate(parts)
        )
    except UnicodeError:
        raise _RefusedError(400) from None

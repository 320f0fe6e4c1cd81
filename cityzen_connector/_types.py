"""Small types every package shares: HTTP headers and JSON aliases."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeAlias

__all__ = ["Headers", "JsonObject", "JsonValue", "url_scheme"]

JsonValue: TypeAlias = Any
"""Any value ``json.loads`` returns (kept open: pydantic or the caller checks the shape)."""
JsonObject: TypeAlias = dict[str, Any]
"""A JSON object as ``json.loads`` returns it."""

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]{0,15}$")


def url_scheme(url: str) -> str:
    """The scheme of a backend URL, for an error message; ``?`` unless it looks like one. The
    rest of the URL is never shown: a connection string or SAS carries a key, and even a
    malformed value (``SharedAccessKey=…;Endpoint=sb://…``) must not leak through it."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    return scheme if _SCHEME.match(scheme) else "?"


class Headers(Mapping[str, str]):
    """An immutable header map with case-insensitive lookup (RFC 9110 §5.1).

    The spelling first given is kept for the wire; lookups ignore case.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        if isinstance(items, Headers):  # fast paths: this runs several times per request
            self._items: dict[str, tuple[str, str]] = dict(items._items)
            return
        pairs = items.items() if isinstance(items, dict | Mapping) else items
        self._items = {name.lower(): (name, value) for name, value in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return {k.lower(): v for k, v in self.items()} == {
            str(k).lower(): v for k, v in other.items()
        }

    def __hash__(self) -> int:
        return hash(frozenset((k.lower(), v) for k, v in self.items()))

    def __repr__(self) -> str:
        # Authorization values never reach a repr (they end up in logs and tracebacks).
        shown = {k: ("<redacted>" if k.lower() == "authorization" else v) for k, v in self.items()}
        return f"Headers({shown!r})"

    def merged(self, extra: Mapping[str, str]) -> Headers:
        """A copy with ``extra`` added, replacing same-named headers."""
        result = Headers(self)
        for name, value in extra.items():
            result._items[name.lower()] = (name, value)
        return result

"""Errors of the portal room. Search's (other features add theirs beside them)::

    SearchIndexError        this Python's SQLite has no FTS5: search cannot work (503, for good)
    SearchUnavailableError  what an answer needs cannot be read now (the store): 503, retry

Both are answered 503 by the HTTP core; neither carries a query or a value.
"""

from __future__ import annotations

__all__ = ["SearchIndexError", "SearchUnavailableError"]


class SearchIndexError(RuntimeError):
    """The SQLite build has no FTS5: the search cannot work at all."""


class SearchUnavailableError(Exception):
    """What a caller needs cannot be read now (the state store is down): a 503."""

"""Errors of the portal's outside systems, each translated once at its adapter's boundary.

::

    GeocoderError                    base; ``summary`` is log-safe (never the query)
    ├── GeocoderUnavailableError     transient: connection refused, timeout, 5xx, an answer too
    │   │                            large or not the documented shape; retry later
    │   └── GeocoderRateLimitedError transient: the service answered 429, or our own budget
    │                                under its limit is spent; ``retry_after`` seconds
    └── GeocoderRefusedError         the service refused our query (another 4xx): a bug or a
                                     contract change on our side, not the caller's; never retried

    LocalGeocoderDataError           (ValueError) the embedded geocoder's address files cannot
                                     be read: names the file and line
    LocalQueryRefusedError           (ValueError) the embedded geocoder refuses a query: its
                                     400, worded as the service words it
    UnfitFeatureError                internal to the adapter: one feature of an answer is not an
                                     address we pass on (it is left out, never raised further)
    SearchIndexError                 (RuntimeError) this Python's SQLite has no FTS5: search
                                     cannot work (503, for good)
    SearchUnavailableError           what a search answer needs cannot be read now (the store):
                                     503, retry

Messages and summaries name statuses and reasons, never an address, a query or a coordinate:
what a citizen types is personal data (RGPD).
"""

from __future__ import annotations


class GeocoderError(Exception):
    """Base of the geocoder's errors. ``status`` is the service's HTTP status, if it answered."""

    is_transient = False

    def __init__(self, summary: str, *, status: int | None = None) -> None:
        self.summary = summary
        self.status = status
        super().__init__(summary)


class GeocoderUnavailableError(GeocoderError):
    """The geocoder cannot answer now; asking again later may work."""

    is_transient = True


class GeocoderRateLimitedError(GeocoderUnavailableError):
    """Over the service's rate limit (its 429) or our own budget under it: wait
    ``retry_after`` seconds before asking again."""

    def __init__(self, summary: str, *, retry_after: float, status: int | None = None) -> None:
        super().__init__(summary, status=status)
        self.retry_after = retry_after


class GeocoderRefusedError(GeocoderError):
    """The service refused what we sent (400 and other 4xx but 429)."""


class LocalGeocoderDataError(ValueError):
    """An address file of the embedded geocoder cannot be read (file and line, no value)."""


class UnfitFeatureError(Exception):
    """One feature of the geocoder's answer is not a valid address: it is left out."""


class LocalQueryRefusedError(ValueError):
    """The embedded geocoder refuses a query, as the service would (a 400)."""


class SearchIndexError(RuntimeError):
    """The SQLite build has no FTS5: the search cannot work at all."""


class SearchUnavailableError(Exception):
    """What a caller needs cannot be read now (the state store is down): a 503."""

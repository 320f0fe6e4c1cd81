"""What the portal shows besides requests: news and agenda from RSS, procedure and knowledge
search with popular searches, address help (ARCHITECTURE.md, the ``portal/`` room).

Names are loaded on first use (``_lazy``): feedparser, nh3 and requests cost a cold start
about 70 ms, which only the feed refresh and the news and agenda routes should pay.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports

if TYPE_CHECKING:
    from ._feed_config import FeedKind, FeedsConfig, FeedSource
    from ._feed_fetch import (
        FeedFetcher,
        Fetched,
        FetchFailed,
        FetchLimits,
        FetchOutcome,
        NotModified,
        RequestsFeedFetcher,
        Validators,
    )
    from ._feed_read import FeedsHealth, FeedsReader
    from ._feed_refresh import FeedOutcome, RefreshReport, refresh_feeds

_LAZY = {
    # News and agenda (RSS 2.0, Atom 1.0, RSS 1.0 feeds).
    "FeedFetcher": "_feed_fetch",
    "FeedKind": "_feed_config",
    "FeedOutcome": "_feed_refresh",
    "FeedSource": "_feed_config",
    "FeedsConfig": "_feed_config",
    "FeedsHealth": "_feed_read",
    "FeedsReader": "_feed_read",
    "FetchFailed": "_feed_fetch",
    "FetchLimits": "_feed_fetch",
    "FetchOutcome": "_feed_fetch",
    "Fetched": "_feed_fetch",
    "NotModified": "_feed_fetch",
    "RefreshReport": "_feed_refresh",
    "RequestsFeedFetcher": "_feed_fetch",
    "Validators": "_feed_fetch",
    "refresh_feeds": "_feed_refresh",
}

__getattr__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "FeedFetcher",
    "FeedKind",
    "FeedOutcome",
    "FeedSource",
    "FeedsConfig",
    "FeedsHealth",
    "FeedsReader",
    "FetchFailed",
    "FetchLimits",
    "FetchOutcome",
    "Fetched",
    "NotModified",
    "RefreshReport",
    "RequestsFeedFetcher",
    "Validators",
    "refresh_feeds",
]

"""What the portal shows besides requests: news and agenda from RSS, procedure and knowledge
search with popular searches, address help (ARCHITECTURE.md, the ``portal/`` room).

Address help: ``AddressHelp`` answers ``GET /api/v1/address`` (suggestions) and
``/address/reverse`` ("use my location") through the ``Geocoder`` port, cached and paced under
the service's rate limit, and resolves a chosen result's id again for the pipeline.
``GeoplateformeGeocoder`` speaks to the IGN Géoplateforme (or anything shaped like it: the
embedded ``LocalGeocoderApp`` over a BAN-format sample, in local mode). Errors: ``_errors.py``.

Search: ``SearchService`` answers ``GET /api/v1/search``, ``/search/suggestions`` and
``/search/popular`` from an in-process SQLite FTS5 index (``SearchIndex``) over the procedures
(``Procedure``, from the mappings) and the published knowledge articles a timer keeps in the
state store (``KnowledgeCache.refresh``); ``PopularCounter`` counts searches under the privacy
rule of ``_popular``.

Names are loaded on first use (``_lazy``): feedparser, nh3 and requests cost a cold start
about 70 ms, which only the feed refresh and the news, agenda and address routes should pay.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports

if TYPE_CHECKING:
    from ._address_help import AddressHelp, AddressHelpConfig
    from ._address_models import (
        Address,
        AddressResults,
        AddressReverseParams,
        AddressSearchParams,
        AddressType,
        ReverseQuery,
        SearchQuery,
        normalise_query,
    )
    from ._errors import (
        GeocoderError,
        GeocoderRateLimitedError,
        GeocoderRefusedError,
        GeocoderUnavailableError,
        LocalGeocoderDataError,
        LocalQueryRefusedError,
        SearchIndexError,
        SearchUnavailableError,
    )
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
    from ._geocoder import Geocoder
    from ._geocoder_geoplateforme import (
        DEFAULT_RATE_LIMIT_WAIT,
        MAX_ANSWER_BYTES,
        GeoplateformeGeocoder,
        parse_collection,
        retry_after_seconds,
        reverse_request,
        search_request,
    )
    from ._geocoder_local import LocalGeocoderApp
    from ._geocoder_local_data import LocalIndex, load_addresses
    from ._geocoding_cache import CacheStats, TokenBucket, TtlCache
    from ._knowledge import (
        FRENCH,
        KnowledgeArticle,
        fetch_articles,
        html_text,
        published_articles_query,
    )
    from ._knowledge_cache import CacheReport, CacheSummary, KnowledgeCache
    from ._popular import PopularCounter, eligible, normalise
    from ._search_index import SearchDocument, SearchIndex
    from ._search_models import (
        CacheAge,
        PopularSearch,
        PopularSearches,
        SearchHit,
        SearchResults,
        Suggestion,
        Suggestions,
    )
    from ._search_procedures import Procedure
    from ._search_service import MAX_POPULAR, SearchService

# Loaded on first use: the adapter pulls in requests, which the API's other routes and a
# function_key deployment's cold start do without.
_LAZY = {
    "Address": "_address_models",
    "AddressHelp": "_address_help",
    "AddressHelpConfig": "_address_help",
    "AddressResults": "_address_models",
    "AddressReverseParams": "_address_models",
    "AddressSearchParams": "_address_models",
    "AddressType": "_address_models",
    "CacheStats": "_geocoding_cache",
    "DEFAULT_RATE_LIMIT_WAIT": "_geocoder_geoplateforme",
    "Geocoder": "_geocoder",
    "GeocoderError": "_errors",
    "GeocoderRateLimitedError": "_errors",
    "GeocoderRefusedError": "_errors",
    "GeocoderUnavailableError": "_errors",
    "GeoplateformeGeocoder": "_geocoder_geoplateforme",
    "LocalGeocoderApp": "_geocoder_local",
    "LocalGeocoderDataError": "_errors",
    "LocalIndex": "_geocoder_local_data",
    "LocalQueryRefusedError": "_errors",
    "MAX_ANSWER_BYTES": "_geocoder_geoplateforme",
    "ReverseQuery": "_address_models",
    "SearchQuery": "_address_models",
    "TokenBucket": "_geocoding_cache",
    "TtlCache": "_geocoding_cache",
    "load_addresses": "_geocoder_local_data",
    "normalise_query": "_address_models",
    "parse_collection": "_geocoder_geoplateforme",
    "retry_after_seconds": "_geocoder_geoplateforme",
    "reverse_request": "_geocoder_geoplateforme",
    "search_request": "_geocoder_geoplateforme",
    "SearchIndexError": "_errors",
    "SearchUnavailableError": "_errors",
    "FRENCH": "_knowledge",
    "KnowledgeArticle": "_knowledge",
    "fetch_articles": "_knowledge",
    "html_text": "_knowledge",
    "published_articles_query": "_knowledge",
    "CacheReport": "_knowledge_cache",
    "CacheSummary": "_knowledge_cache",
    "KnowledgeCache": "_knowledge_cache",
    "PopularCounter": "_popular",
    "eligible": "_popular",
    "normalise": "_popular",
    "SearchDocument": "_search_index",
    "SearchIndex": "_search_index",
    "CacheAge": "_search_models",
    "PopularSearch": "_search_models",
    "PopularSearches": "_search_models",
    "SearchHit": "_search_models",
    "SearchResults": "_search_models",
    "Suggestion": "_search_models",
    "Suggestions": "_search_models",
    "Procedure": "_search_procedures",
    "MAX_POPULAR": "_search_service",
    "SearchService": "_search_service",
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
    "DEFAULT_RATE_LIMIT_WAIT",
    "FRENCH",
    "MAX_ANSWER_BYTES",
    "MAX_POPULAR",
    "Address",
    "AddressHelp",
    "AddressHelpConfig",
    "AddressResults",
    "AddressReverseParams",
    "AddressSearchParams",
    "AddressType",
    "CacheAge",
    "CacheReport",
    "CacheStats",
    "CacheSummary",
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
    "Geocoder",
    "GeocoderError",
    "GeocoderRateLimitedError",
    "GeocoderRefusedError",
    "GeocoderUnavailableError",
    "GeoplateformeGeocoder",
    "KnowledgeArticle",
    "KnowledgeCache",
    "LocalGeocoderApp",
    "LocalGeocoderDataError",
    "LocalIndex",
    "LocalQueryRefusedError",
    "NotModified",
    "PopularCounter",
    "PopularSearch",
    "PopularSearches",
    "Procedure",
    "RefreshReport",
    "RequestsFeedFetcher",
    "ReverseQuery",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchIndexError",
    "SearchQuery",
    "SearchResults",
    "SearchService",
    "SearchUnavailableError",
    "Suggestion",
    "Suggestions",
    "TokenBucket",
    "TtlCache",
    "Validators",
    "eligible",
    "fetch_articles",
    "html_text",
    "load_addresses",
    "normalise",
    "normalise_query",
    "parse_collection",
    "published_articles_query",
    "refresh_feeds",
    "retry_after_seconds",
    "reverse_request",
    "search_request",
]

"""What the portal shows besides requests: news and agenda from RSS, procedure and knowledge
search with popular searches, address help (ARCHITECTURE.md, the ``portal/`` room).

Search: ``SearchService`` answers ``GET /api/v1/search``, ``/search/suggestions`` and
``/search/popular`` from an in-process SQLite FTS5 index (``SearchIndex``) over the procedures
(``Procedure``, from the mappings) and the published knowledge articles a timer keeps in the
state store (``KnowledgeCache.refresh``); ``PopularCounter`` counts searches under the privacy
rule of ``_popular``.
"""

from ._errors import SearchIndexError, SearchUnavailableError
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

__all__ = [
    "FRENCH",
    "MAX_POPULAR",
    "CacheAge",
    "CacheReport",
    "CacheSummary",
    "KnowledgeArticle",
    "KnowledgeCache",
    "PopularCounter",
    "PopularSearch",
    "PopularSearches",
    "Procedure",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchIndexError",
    "SearchResults",
    "SearchService",
    "SearchUnavailableError",
    "Suggestion",
    "Suggestions",
    "eligible",
    "fetch_articles",
    "html_text",
    "normalise",
    "published_articles_query",
]

"""Search, type-ahead and popular searches over one in-process index, rebuilt when the cached
knowledge articles or the procedures change.

The index is built on first use from the store's copy of the articles (``KnowledgeCache``) and
the procedures; afterwards the cache's summary (one small record) is read at most every
``reload_seconds``, and a new digest rebuilds the index (a new one is built, then swapped in:
searches meanwhile use the old one). If the store cannot be read, the procedures are still
searchable and the next check tries again. Queries are validated by the HTTP layer (size,
characters, paging); here they are plain text.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cityzen_connector.store import StoreError

from ._errors import SearchUnavailableError
from ._knowledge_cache import KnowledgeCache
from ._popular import PopularCounter
from ._search_index import Hit, SearchDocument, SearchIndex
from ._search_models import (
    CacheAge,
    PopularSearch,
    PopularSearches,
    SearchHit,
    SearchResults,
    Suggestion,
    Suggestions,
)
from ._search_procedures import Procedure, article_documents, procedure_documents
from ._search_snippet import highlight, snippet
from ._search_text import STOP_WORDS, stem

__all__ = ["MAX_POPULAR", "SearchService", "SearchUnavailableError"]

logger = logging.getLogger(__name__)
POPULAR_CACHE_SECONDS = 60.0  # the popular list is read from the store at most this often
MAX_POPULAR = 50  # the longest list a caller may ask for


@dataclass(frozen=True)
class _Built:
    index: SearchIndex
    digest: str | None  # the articles' digest it was built from (None: no articles)
    procedures: tuple[Procedure, ...]
    checked: float  # monotonic time of the last check


class SearchService:
    def __init__(
        self,
        cache: KnowledgeCache,
        procedures: Callable[[], Sequence[Procedure]],
        popular: PopularCounter,
        *,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        reload_seconds: float = 60.0,
    ) -> None:
        self._cache = cache
        self._procedures = procedures
        self._popular = popular
        self._clock = clock
        self._monotonic = monotonic
        self._reload = reload_seconds
        self._built: _Built | None = None
        self._lock = threading.Lock()
        self._popular_list: tuple[float, PopularSearches] | None = None

    # -- the index --------------------------------------------------------------------------
    def index(self) -> SearchIndex:
        built = self._built
        if built is not None and self._monotonic() - built.checked < self._reload:
            return built.index
        with self._lock:  # one rebuild at a time; the others wait for it
            built = self._built
            if built is not None and self._monotonic() - built.checked < self._reload:
                return built.index
            self._built = self._rebuilt(built)
            return self._built.index

    def _rebuilt(self, built: _Built | None) -> _Built:
        procedures = tuple(self._procedures())
        try:
            summary = self._cache.summary()
            digest = summary.digest if summary is not None else None
            same = built is not None and built.digest == digest
            if same and built is not None and built.procedures == procedures:
                return _Built(built.index, digest, procedures, self._monotonic())
            articles = self._cache.articles() if summary is not None else []
        except StoreError as exc:
            logger.warning("search index: knowledge cache unreadable (%s)", type(exc).__name__)
            if built is not None:  # keep what we had; try again after reload_seconds
                return _Built(built.index, built.digest, built.procedures, self._monotonic())
            digest, articles = None, []
        documents = [*procedure_documents(procedures), *article_documents(articles)]
        logger.info("search index built: %d document(s)", len(documents))
        return _Built(SearchIndex(documents), digest, procedures, self._monotonic())

    def cache_age(self) -> CacheAge:
        """How old the cached articles are (readiness); never raises."""
        try:
            summary = self._cache.summary()
        except StoreError:
            return CacheAge(refreshed_at=None, age_seconds=None)
        if summary is None:
            return CacheAge(refreshed_at=None, age_seconds=None, items=0)
        age = (self._clock() - summary.refreshed_at).total_seconds()
        return CacheAge(refreshed_at=summary.refreshed_at, age_seconds=age, items=summary.count)

    # -- the three answers ------------------------------------------------------------------
    def search(self, query: str, *, page: int, per_page: int) -> SearchResults:
        index = self.index()
        total, hits, stems = index.search(query, offset=(page - 1) * per_page, limit=per_page)
        if total and page == 1:
            self._popular.record(query, index)
        results = tuple(_hit(h, set(stems)) for h in hits)
        return SearchResults(
            query=query, total=total, page=page, per_page=per_page, results=results
        )

    def suggest(self, query: str, *, limit: int) -> Suggestions:
        documents, typed = self.index().suggest(query, limit=limit)
        complete = {stem(w) for w in typed[:-1] if w not in STOP_WORDS}
        last = typed[-1] if typed else None
        suggestions = tuple(
            Suggestion(
                kind=d.kind,
                id=d.key,
                title=d.title,
                title_html=highlight(d.title, complete, prefix=last),
            )
            for d in documents
        )
        return Suggestions(query=query, suggestions=suggestions)

    def popular(self, *, limit: int) -> PopularSearches:
        """The list, read from the store at most every ``POPULAR_CACHE_SECONDS``; while the
        store cannot be read, the last list read (``SearchUnavailableError`` if none)."""
        cached = self._popular_list
        now = self._monotonic()
        if cached is None or now - cached[0] >= POPULAR_CACHE_SECONDS:
            try:
                top = self._popular.top(self.index(), limit=MAX_POPULAR)
            except StoreError as exc:
                logger.warning("popular searches unreadable (%s)", type(exc).__name__)
                if cached is None:
                    raise SearchUnavailableError("popular searches cannot be read") from exc
                top = None
            if top is not None:
                listed = tuple(PopularSearch(query=p.query, count=p.count) for p in top)
                cached = self._popular_list = (now, PopularSearches(searches=listed))
        assert cached is not None
        return PopularSearches(searches=cached[1].searches[:limit])

    def flush(self) -> int:
        """Write buffered popular-search counts (the refresh job calls it too)."""
        return self._popular.flush()


def _hit(hit: Hit, stems: set[str]) -> SearchHit:
    doc: SearchDocument = hit.document
    return SearchHit(
        kind=doc.kind,
        id=doc.key,
        title=doc.title,
        title_html=highlight(doc.title, stems),
        snippet_html=snippet(doc.excerpt or doc.body, stems),
        theme=doc.theme,
        sub_theme=doc.sub_theme,
        article_number=doc.number,
    )

"""The portal's search, wired: the mappings' procedures as plain values, the service over the
container's store, and the refresh job the timer and ``cityzen search refresh`` run."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityzen_connector.mapping import ThemeCatalog
    from cityzen_connector.portal import CacheReport, Procedure, SearchService
    from cityzen_connector.store import StateStore
    from cityzen_connector.sync import CacheState

    from ._container import Container

__all__ = ["knowledge_cache_state", "procedures", "refresh_search", "search_service"]

logger = logging.getLogger(__name__)


def _offered(store: StateStore) -> set[tuple[str, str]] | None:
    """(theme, sub-theme) codes of the cached theme tree (the sub-themes whose Dynamics 365
    subject exists); ``None`` when there is none yet: then every procedure is searched."""
    from cityzen_connector.store import StoreError
    from cityzen_connector.sync import cached_themes

    try:
        snapshot = cached_themes(store)
    except StoreError:
        return None
    if snapshot is None:
        return None
    try:
        tree = json.loads(snapshot.body)
        return {
            (theme["code"], sub["code"]) for theme in tree["themes"] for sub in theme["sub_themes"]
        }
    except (ValueError, KeyError, TypeError):
        return None


def procedures(catalog: ThemeCatalog, store: StateStore) -> tuple[Procedure, ...]:
    """Every theme and sub-theme the portal offers, with the words its search reads."""
    from cityzen_connector.portal import Procedure

    offered = _offered(store)
    found: list[Procedure] = []
    for code, theme in catalog.themes.items():
        subs = {
            sub_code: sub
            for sub_code, sub in theme.sub_themes.items()
            if offered is None or (code, sub_code) in offered
        }
        if not subs:
            continue
        found.append(
            Procedure(
                theme=code,
                title=theme.title,
                help=theme.help or "",
                words=tuple(sub.title for sub in subs.values()),
            )
        )
        for sub_code, sub in subs.items():
            labels = [w for f in sub.fields for w in (f.label, *f.choices)]
            found.append(
                Procedure(
                    theme=code,
                    sub_theme=sub_code,
                    title=sub.title,
                    theme_title=theme.title,
                    help=sub.help or "",
                    words=tuple(labels),
                )
            )
    return tuple(found)


def search_service(container: Container) -> SearchService:
    from cityzen_connector.portal import KnowledgeCache, PopularCounter, SearchService

    s = container.settings
    stop_words = frozenset(w.strip() for w in s.search_popular_stop_words.split(",") if w.strip())
    popular = PopularCounter(
        container.store,
        clock=container.clock,
        monotonic=container.monotonic.now,
        stop_list=stop_words,
        min_count=s.search_popular_min_count,
    )
    return SearchService(
        KnowledgeCache(container.store, container.clock),
        lambda: procedures(container.mappings.catalog, container.store),
        popular,
        clock=container.clock,
        monotonic=container.monotonic.now,
        reload_seconds=s.search_reload_seconds,
    )


def refresh_search(container: Container) -> CacheReport:
    """Read the published knowledge articles from Dataverse into the store (every instance's
    index follows within ``search_reload_seconds``) and write this instance's buffered
    popular-search counts."""
    from cityzen_connector.portal import KnowledgeCache

    cache = KnowledgeCache(container.store, container.clock)
    report = cache.refresh(container.client, locale=container.settings.search_knowledge_locale)
    container.search.flush()
    return report


def knowledge_cache_state(search: SearchService) -> CacheState:
    """The knowledge cache's age, as readiness shows it."""
    from cityzen_connector.sync import CacheState

    age = search.cache_age()
    return CacheState(refreshed_at=age.refreshed_at, age_seconds=age.age_seconds, items=age.items)

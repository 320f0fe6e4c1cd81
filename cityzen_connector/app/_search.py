"""The portal's search, wired: the mappings' procedures as plain values, the service over the
container's store, and what readiness shows of its cache (the refresh job is in ``_jobs``)."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from cityzen_connector._clock import WallClock
    from cityzen_connector.mapping import ThemeCatalog
    from cityzen_connector.portal import Procedure, SearchService
    from cityzen_connector.settings import Settings
    from cityzen_connector.store import StateStore
    from cityzen_connector.sync import CacheState

__all__ = ["knowledge_cache_state", "procedures", "search_service"]

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


def search_service(
    settings: Settings,
    store: StateStore,
    catalog: Callable[[], ThemeCatalog],
    *,
    clock: WallClock,
    monotonic: Callable[[], float],
) -> SearchService:
    """The service over ``store``: its cached articles, the catalogue's procedures (read when
    the index is checked), popular searches under the deployment's stop list and minimum."""
    from cityzen_connector.portal import KnowledgeCache, PopularCounter, SearchService

    stop_words = frozenset(
        word.strip() for word in settings.search_popular_stop_words.split(",") if word.strip()
    )
    popular = PopularCounter(
        store,
        clock=clock,
        monotonic=monotonic,
        stop_list=stop_words,
        min_count=settings.search_popular_min_count,
    )
    return SearchService(
        KnowledgeCache(store, clock),
        lambda: procedures(catalog(), store),
        popular,
        clock=clock,
        monotonic=monotonic,
        reload_seconds=settings.search_reload_seconds,
    )


def knowledge_cache_state(search: SearchService) -> CacheState:
    """The knowledge cache's age, as readiness shows it."""
    from cityzen_connector.sync import CacheState

    age = search.cache_age()
    return CacheState(refreshed_at=age.refreshed_at, age_seconds=age.age_seconds, items=age.items)

"""The service over its index: rebuilt when the cached articles change (one small read per
check), procedures searchable when the store is down, popular searches counted only for searches
that found something, on their first page."""

from __future__ import annotations

from typing import Any

from cityzen_connector.portal import (
    KnowledgeArticle,
    KnowledgeCache,
    PopularCounter,
    Procedure,
    SearchService,
)
from cityzen_connector.store import StateStore, StoreUnavailableError
from cityzen_connector.testing import EmulatorClient, FakeClock
from tests.support.world import DownStore

PROCEDURES = (
    Procedure("dechets", "Déchets", help="Collecte des poubelles."),
    Procedure(
        "dechets",
        "Encombrants",
        sub_theme="encombrants",
        theme_title="Déchets",
        help="Faire enlever des meubles.",
        words=("Volume estimé (m³)",),
    ),
)


class CountingStore:
    """The store, counting reads of each partition."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.reads: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, partition: str, key: str) -> Any:
        self.reads[partition] = self.reads.get(partition, 0) + 1
        return self.inner.get(partition, key)

    def query(self, partition: str, *, limit: int | None = None) -> Any:
        self.reads[partition] = self.reads.get(partition, 0) + 1
        return self.inner.query(partition, limit=limit)


def service(store: Any, clock: FakeClock, procedures: Any = PROCEDURES) -> SearchService:
    return SearchService(
        KnowledgeCache(store, clock),
        lambda: procedures,
        PopularCounter(store, clock=clock, monotonic=clock.now, min_count=1),
        clock=clock,
        monotonic=clock.now,
        reload_seconds=60,
    )


def titles(search: SearchService, q: str) -> list[str]:
    return [h.title for h in search.search(q, page=1, per_page=20).results]


def test_new_articles_are_found_after_the_next_check(store: StateStore, clock: FakeClock) -> None:
    counting = CountingStore(store)
    search = service(counting, clock)
    assert titles(search, "piscine") == []
    KnowledgeCache(store, clock).replace(
        [KnowledgeArticle("a1", "KA-1", "Piscine municipale", "", "", "Horaires d'été")]
    )
    assert titles(search, "piscine") == []  # checked less than reload_seconds ago
    reads = dict(counting.reads)
    for _ in range(20):
        search.search("piscine", page=1, per_page=5)
    assert counting.reads.get("knowledge-articles") == reads.get("knowledge-articles")
    clock.advance(61)
    assert titles(search, "piscines") == ["Piscine municipale"]


def test_an_unchanged_cache_is_not_read_again(store: StateStore, clock: FakeClock) -> None:
    KnowledgeCache(store, clock).replace(
        [KnowledgeArticle("a1", "KA-1", "Piscine municipale", "", "", "")]
    )
    counting = CountingStore(store)
    search = service(counting, clock)
    search.index()
    before = counting.reads["knowledge-articles"]
    clock.advance(61)
    search.index()
    assert counting.reads["knowledge-articles"] == before  # the summary's digest said so


def test_procedures_are_found_when_the_store_is_down(clock: FakeClock) -> None:
    search = service(DownStore(), clock)
    assert titles(search, "meubles") == ["Encombrants"]
    assert search.cache_age().refreshed_at is None


def test_only_searches_that_found_something_on_their_first_page_count(
    store: StateStore, clock: FakeClock
) -> None:
    search = service(store, clock)
    search.search("encombrants", page=1, per_page=5)
    search.search("encombrants", page=2, per_page=5)
    search.search("piscine", page=1, per_page=5)  # nothing found
    search.suggest("encombr", limit=5)  # type-ahead is not a search
    search.flush()
    popular = search.popular(limit=10).searches
    assert [(p.query, p.count) for p in popular] == [("encombrants", 1)]


def test_cache_age_is_how_long_ago_the_timer_refreshed(
    dataverse: EmulatorClient, store: StateStore, clock: FakeClock
) -> None:
    KnowledgeCache(store, clock).refresh(dataverse.client)
    clock.advance(90)
    age = service(store, clock).cache_age()
    assert (age.age_seconds, age.items) == (90.0, 10)


def test_the_popular_list_is_read_from_the_store_at_most_once_a_minute(
    store: StateStore, clock: FakeClock
) -> None:
    counting = CountingStore(store)
    search = service(counting, clock)
    search.popular(limit=5)
    first = counting.reads["search-popular"]
    search.popular(limit=5)
    assert counting.reads["search-popular"] == first
    clock.advance(61)
    search.popular(limit=5)
    assert counting.reads["search-popular"] == first + 1


def test_a_popular_list_read_before_is_served_while_the_store_is_down(
    store: StateStore, clock: FakeClock
) -> None:
    class Flaky(CountingStore):
        down = False

        def query(self, partition: str, *, limit: int | None = None) -> Any:
            if self.down and partition == "search-popular":
                raise StoreUnavailableError("down (test)")
            return super().query(partition, limit=limit)

    flaky = Flaky(store)
    search = service(flaky, clock)
    search.search("encombrants", page=1, per_page=5)
    search.flush()
    listed = search.popular(limit=5)
    flaky.down = True
    clock.advance(61)
    assert search.popular(limit=5) == listed

"""Popular searches: nobody's name or address can get into the list, however often it is
searched; real searches do, once counted often enough, in the corpus' spelling; concurrent
instances lose no count."""

from __future__ import annotations

from typing import Any

import pytest

from cityzen_connector.portal import PopularCounter, SearchIndex, eligible, normalise
from cityzen_connector.store import PreconditionFailedError, StateStore, StoreUnavailableError
from cityzen_connector.testing import FakeClock, memory_store


def counter(store: StateStore, clock: FakeClock, **options: Any) -> PopularCounter:
    return PopularCounter(store, clock=clock, monotonic=clock.now, min_count=3, **options)


def shown(popular: PopularCounter, index: SearchIndex) -> list[str]:
    return [p.query for p in popular.top(index, limit=50)]


def search_often(popular: PopularCounter, index: SearchIndex, query: str, times: int = 50) -> None:
    for _ in range(times):
        popular.record(query, index)
    popular.flush()


@pytest.mark.parametrize(
    "personal",
    [
        "Martin",  # a surname, written in the corpus only in "rue Saint-Martin"
        "saint martin",
        "Jeanne Durand",
        "12 rue de la Paix",
        "rue Saint-Martin",
        "avenue de la collecte",  # a street type, even made of vocabulary words
        "impasse des poubelles",
        "jeanne.durand@example.org",
        "06 12 34 56 78",
        "+33612345678",
        "75011",
        "collecte 2026",
        "né le 01/02/1990",
        "poubelle ²",
    ],
)
def test_a_name_or_an_address_never_shows_however_often_searched(
    index: SearchIndex, clock: FakeClock, personal: str
) -> None:
    store = memory_store(clock)
    popular = counter(store, clock)
    search_often(popular, index, personal)
    assert shown(popular, index) == []
    assert store.query("search-popular") == []  # never even written


def test_a_word_of_the_deployments_stop_list_never_shows(
    index: SearchIndex, clock: FakeClock
) -> None:
    stop_list = frozenset({"Collecte", "Maternelle Poubelle"})
    popular = counter(memory_store(clock), clock, stop_list=stop_list)
    for query in ("collecte", "poubelle jaune", "école maternelle", "bac jaune"):
        search_often(popular, index, query)
    assert shown(popular, index) == ["bac jaune"]


def test_a_search_shows_once_counted_min_count_times(index: SearchIndex, clock: FakeClock) -> None:
    popular = counter(memory_store(clock), clock)
    search_often(popular, index, "poubelle", times=2)
    assert shown(popular, index) == []
    search_often(popular, index, "poubelle", times=1)
    assert shown(popular, index) == ["poubelle"]


def test_spellings_of_one_search_are_counted_together_and_shown_as_the_corpus_writes_it(
    index: SearchIndex, clock: FakeClock
) -> None:
    popular = counter(memory_store(clock), clock)
    for typed in ("État civil", "etat  CIVIL", " état civil "):
        popular.record(typed, index)
    popular.flush()
    assert [(p.query, p.count) for p in popular.top(index, limit=5)] == [("état civil", 3)]
    assert normalise("  ÉTAT   Civil ") == "etat civil"


def test_most_frequent_first(index: SearchIndex, clock: FakeClock) -> None:
    popular = counter(memory_store(clock), clock)
    search_often(popular, index, "inscriptions scolaires", times=4)
    search_often(popular, index, "poubelle", times=9)
    search_often(popular, index, "carte resident", times=6)
    assert shown(popular, index) == ["poubelle", "carte résident", "inscriptions scolaires"]


def test_eligibility_is_checked_again_at_display(index: SearchIndex, clock: FakeClock) -> None:
    store = memory_store(clock)
    popular = counter(store, clock)
    search_often(popular, index, "poubelle jaune")
    # The corpus changed: "jaune" is no longer in it.
    smaller = SearchIndex([d for d in _documents(index) if "jaune" not in d.body.lower()])
    assert shown(popular, smaller) == []
    assert eligible("poubelle jaune", smaller, frozenset()) is None


def _documents(index: SearchIndex) -> list[Any]:
    return list(index._docs)


class ConflictingStore:
    """A store shared by another instance, which writes the same record between our read and
    our conditional write ``conflicts`` times."""

    def __init__(self, inner: StateStore, other: PopularCounter, index: SearchIndex) -> None:
        self.inner, self.other, self.index = inner, other, index
        self.conflicts = 3

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, partition: str, key: str) -> Any:
        record = self.inner.get(partition, key)
        if self.conflicts:
            self.conflicts -= 1
            self.other.record("poubelle", self.index)
            self.other.flush()
        return record


def test_concurrent_instances_lose_no_count(index: SearchIndex, clock: FakeClock) -> None:
    shared = memory_store(clock)
    other = counter(shared, clock)
    racing = ConflictingStore(shared, other, index)
    ours = counter(racing, clock)  # type: ignore[arg-type]
    for _ in range(5):
        ours.record("poubelle", index)
    assert ours.flush() == 1
    # 5 of ours, 3 written by the other instance in between: each conflict was retried.
    assert [(p.query, p.count) for p in ours.top(index, limit=1)] == [("poubelle", 8)]


class DownOnce:
    def __init__(self, inner: StateStore) -> None:
        self.inner, self.down = inner, True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def get(self, partition: str, key: str) -> Any:
        if self.down:
            raise StoreUnavailableError("down (test)")
        return self.inner.get(partition, key)


def test_a_failed_flush_keeps_its_counts_for_the_next(index: SearchIndex, clock: FakeClock) -> None:
    store = DownOnce(memory_store(clock))
    popular = counter(store, clock)  # type: ignore[arg-type]
    for _ in range(4):
        assert popular.record("poubelle", index)
    assert popular.flush() == 0
    store.down = False
    assert popular.flush() == 1
    assert [(p.query, p.count) for p in popular.top(index, limit=1)] == [("poubelle", 4)]


def test_endless_conflicts_give_up_and_keep_the_count(index: SearchIndex, clock: FakeClock) -> None:
    class AlwaysConflicting(ConflictingStore):
        def put(self, *args: Any, **kwargs: Any) -> Any:
            raise PreconditionFailedError("conflict (test)")

    store = AlwaysConflicting(memory_store(clock), counter(memory_store(clock), clock), index)
    popular = counter(store, clock)  # type: ignore[arg-type]
    popular.record("poubelle", index)
    assert popular.flush() == 0
    assert popular._pending["poubelle"] == 1


def test_counts_are_flushed_in_batches_when_due(index: SearchIndex, clock: FakeClock) -> None:
    store = memory_store(clock)
    popular = counter(store, clock)
    popular.record("poubelle", index)
    assert store.query("search-popular") == []  # buffered
    clock.advance(11)
    popular.record("poubelle", index)
    assert len(store.query("search-popular")) == 1


def test_a_counted_search_expires_when_nobody_makes_it_any_more(
    index: SearchIndex, clock: FakeClock
) -> None:
    store = memory_store(clock)
    popular = counter(store, clock)
    search_often(popular, index, "poubelle")
    clock.advance(91 * 24 * 3600)
    assert shown(popular, index) == []


def test_a_search_that_finds_a_flush_due_writes_a_bounded_few(
    index: SearchIndex, clock: FakeClock
) -> None:
    store = memory_store(clock)
    popular = counter(store, clock)
    vocabulary = ["poubelle", "jaune", "collecte", "ordures", "bac", "tri", "emballages"]
    searches = [f"{a} {b}" for a in vocabulary for b in vocabulary if a != b][:30]
    for query in searches:
        popular.record(query, index)
    clock.advance(11)
    popular.record("inscriptions scolaires", index)
    assert len(store.query("search-popular")) == 10
    popular.flush()
    assert len(store.query("search-popular")) == 31

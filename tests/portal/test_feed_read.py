"""What the routes read: every feed of a kind merged, newest news first, events soonest first
within the asked days, a category filter, pages; the store read at most once per cache period
and the copy in memory served while the store is down."""

from __future__ import annotations

from datetime import UTC, date, datetime

import responses

from cityzen_connector.portal import refresh_feeds
from cityzen_connector.testing import memory_store
from tests.portal.feeds import (
    AGENDA_URL,
    NEWS_URL,
    RSS_TYPE,
    CountingStore,
    FeedsWorld,
    feeds_world,
    sample,
)

ATOM_URL = "https://www.valmont.example.fr/travaux/atom.xml"
RDF_URL = "https://mediatheque.valmont.example.fr/agenda.rdf"


def world(store: CountingStore | None = None) -> FeedsWorld:
    built = feeds_world((NEWS_URL, ATOM_URL), (AGENDA_URL, RDF_URL), store=store)
    with responses.RequestsMock() as mock:
        mock.get(NEWS_URL, body=sample("actualites.xml"), content_type=RSS_TYPE)
        mock.get(ATOM_URL, body=sample("travaux.atom"), content_type="application/atom+xml")
        mock.get(AGENDA_URL, body=sample("agenda.xml"), content_type=RSS_TYPE)
        mock.get(RDF_URL, body=sample("agenda-mediatheque.rdf"), content_type="application/xml")
        report = refresh_feeds(built.config, built.fetcher, built.store, built.clock)
    assert report.counts["updated"] == 4
    return built


def test_news_merges_every_news_feed_newest_first_in_pages() -> None:
    feeds = world()
    first = feeds.reader.news(page=1, page_size=4)
    assert first is not None
    assert (first.total, first.page, first.page_size, first.stale) == (9, 1, 4, False)
    assert [entry.title for entry in first.items] == [
        "Collecte des sapins de Noël du 4 au 18 janvier",  # RSS, 3 Dec
        "Éclairage public : remplacement par des LED, avenue de la Gare",  # Atom, 2 Dec
        "Inscriptions scolaires 2027-2028 : c’est parti",
        "Travaux rue Victor-Hugo : circulation alternée jusqu’au 19 décembre",
    ]
    last = feeds.reader.news(page=3, page_size=4)
    assert last is not None
    assert [entry.title for entry in last.items] == ["Rénovation du gymnase Jean-Moulin"]
    beyond = feeds.reader.news(page=9, page_size=4)
    assert beyond is not None
    assert (beyond.total, beyond.items) == (9, ())


def test_news_of_one_category_whatever_its_case_and_accents() -> None:
    page = world().reader.news(page=1, page_size=20, category="dechets")
    assert page is not None
    assert [entry.title for entry in page.items] == [
        "Collecte des sapins de Noël du 4 au 18 janvier",
        "Nouveaux horaires de la déchetterie",
    ]


def test_the_agenda_starts_today_in_paris_soonest_first() -> None:
    feeds = world()  # 3 December 2026
    page = feeds.reader.agenda(page=1, page_size=3)
    assert page is not None
    assert page.total == 11
    assert [entry.title for entry in page.items] == [
        "Marché de Noël",
        "L’heure du conte : histoires d’hiver",
        "Concert de l’Harmonie municipale",
    ]


def test_an_ongoing_event_is_shown_first_and_a_past_one_not_at_all() -> None:
    feeds = world()
    page = feeds.reader.agenda(page=1, page_size=5, first_day=date(2026, 12, 12))
    assert page is not None
    titles = [entry.title for entry in page.items]
    assert titles[0] == "Marché de Noël"  # 11-13 December, still running on the 12th
    page = feeds.reader.agenda(page=1, page_size=5, first_day=date(2026, 12, 14))
    assert page is not None
    assert "Marché de Noël" not in [entry.title for entry in page.items]


def test_the_agenda_between_two_days_in_one_category() -> None:
    feeds = world()
    page = feeds.reader.agenda(
        page=1,
        page_size=20,
        first_day=date(2027, 1, 1),
        last_day=date(2027, 1, 31),
        category="Culture",
    )
    assert page is not None
    assert [entry.title for entry in page.items] == [
        "Exposition « Valmont d’hier et d’aujourd’hui »",
        "Nuits de la lecture",
    ]
    # The last day counts whole, in Paris: an event at 23:30 local on it is in.
    evening = feeds.reader.agenda(
        page=1, page_size=20, first_day=date(2027, 7, 13), last_day=date(2027, 7, 13)
    )
    assert evening is not None
    assert [entry.title for entry in evening.items] == ["Feu d’artifice du 14 juillet"]


def test_days_in_the_wrong_order_give_an_empty_page() -> None:
    page = world().reader.agenda(
        page=1, page_size=5, first_day=date(2027, 2, 1), last_day=date(2027, 1, 1)
    )
    assert page is not None
    assert (page.total, page.items) == (0, ())


def test_the_ends_of_the_calendar_are_not_an_error() -> None:
    page = world().reader.agenda(
        page=1, page_size=5, first_day=date(1, 1, 1), last_day=date(9999, 12, 31)
    )
    assert page is not None
    assert page.total == 11  # every event of both feeds


def test_the_store_is_read_once_per_cache_period() -> None:
    store = CountingStore(memory_store())
    feeds = world(store)
    store.queries = 0
    for _ in range(20):
        feeds.reader.news(page=1, page_size=5)
        feeds.reader.agenda(page=1, page_size=5)
    assert store.queries == 1 + 4  # the states, then each feed's items once
    feeds.clock.advance(31)
    feeds.reader.news(page=1, page_size=5)
    assert store.queries == 6  # the states again; no copy changed, no items read


def test_while_the_store_is_down_the_copy_in_memory_is_served() -> None:
    store = CountingStore(memory_store())
    feeds = world(store)
    assert feeds.reader.news(page=1, page_size=5) is not None
    store.down = True
    feeds.clock.advance(60)
    page = feeds.reader.news(page=1, page_size=5)
    assert page is not None
    assert page.total == 9


def test_with_the_store_down_and_nothing_in_memory_there_is_nothing_to_serve() -> None:
    store = CountingStore(memory_store())
    feeds = world(store)
    store.down = True
    assert feeds.reader.news(page=1, page_size=5) is None
    assert feeds.reader.agenda(page=1, page_size=5) is None


def test_times_are_utc() -> None:
    page = world().reader.news(page=1, page_size=1)
    assert page is not None
    published = page.items[0].published
    assert published == datetime(2026, 12, 3, 7, 30, tzinfo=UTC)
    assert page.model_dump_json().count('"published":"2026-12-03T07:30:00Z"') == 1

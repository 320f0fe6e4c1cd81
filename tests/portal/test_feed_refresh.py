"""The refresh as the timer runs it: a 304 costs no body and keeps the copy; a broken,
unreachable, huge, wrongly encoded or hostile feed keeps its last good copy and shows stale;
one feed's failure never stops another; logs never carry a URL."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
import responses
from responses import matchers

from cityzen_connector.portal import refresh_feeds
from cityzen_connector.portal._feed_store import FEEDS_PARTITION, items_partition
from tests.portal.feeds import (
    AGENDA_URL,
    NEWS_URL,
    RSS_TYPE,
    FeedsWorld,
    feeds_world,
    item,
    rss,
    sample,
)

GOOD = rss(item("Fermeture de la piscine") + item("Marché de Noël", guid="actu-2")).encode()


def titles(world: FeedsWorld) -> list[str]:
    page = world.reader.news(page=1, page_size=50)
    assert page is not None
    return [entry.title for entry in page.items]


def refresh(world: FeedsWorld) -> list[tuple[str, str, str | None]]:
    report = refresh_feeds(world.config, world.fetcher, world.store, world.clock)
    world.clock.advance(60)  # past the reader's cache
    return [(o.label, o.result, o.reason) for o in report.outcomes]


@responses.activate
def test_an_unchanged_feed_costs_a_304_and_its_copy_is_served_as_before() -> None:
    world = feeds_world()
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE, headers={"ETag": '"v1"'})
    assert refresh(world) == [("news#1", "updated", None)]
    responses.replace(
        responses.GET,
        NEWS_URL,
        status=304,
        match=[matchers.header_matcher({"If-None-Match": '"v1"'})],
    )
    assert refresh(world) == [("news#1", "not_modified", None)]
    assert titles(world) == ["Fermeture de la piscine", "Marché de Noël"]  # same date: by title
    assert len(responses.calls) == 2
    assert responses.calls[1].response.content == b""  # no body the second time
    health = world.reader.health()
    assert health.ok


@responses.activate
def test_the_same_feed_again_without_validators_is_unchanged_not_rewritten() -> None:
    world = feeds_world()
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    refresh(world)
    keys = [r.key for r in world.store.query(items_partition(world.config.sources[0].id))]
    assert refresh(world) == [("news#1", "unchanged", None)]
    assert [r.key for r in world.store.query(items_partition(world.config.sources[0].id))] == keys


@responses.activate
def test_a_new_copy_replaces_the_old_one_entirely() -> None:
    world = feeds_world()
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    refresh(world)
    responses.replace(
        responses.GET, NEWS_URL, body=rss(item("Conseil municipal", guid="c")).encode()
    )
    assert refresh(world) == [("news#1", "updated", None)]
    assert titles(world) == ["Conseil municipal"]
    records = world.store.query(items_partition(world.config.sources[0].id))
    assert len(records) == 1  # the older items went


BROKEN = [
    ("unreachable", requests.exceptions.ConnectionError("refused"), "connection"),
    ("timeout", requests.exceptions.ReadTimeout("slow"), "timeout"),
    ("server-error", 503, "http_503"),
    ("truncated", GOOD[:-30], "malformed"),
    ("not-a-feed", b"<html><body>Maintenance</body></html>", "not_a_feed"),
    ("huge", b"<rss>" + b" " * (2 * 1024 * 1024), "too_large"),
    (
        "billion-laughs",
        rss(
            item("&b;"), prolog='<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        ).encode(),
        "entity_declaration",
    ),
    (
        "xxe",
        rss(item("&x;"), prolog='<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>').encode(),
        "entity_declaration",
    ),
]


@pytest.mark.parametrize(("answer", "reason"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
@responses.activate
def test_a_broken_feed_keeps_its_last_good_copy_and_shows_stale(
    answer: object, reason: str
) -> None:
    world = feeds_world(max_bytes=1024 * 1024)
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    refresh(world)
    if isinstance(answer, int):
        responses.replace(responses.GET, NEWS_URL, status=answer)
    else:
        responses.replace(responses.GET, NEWS_URL, body=answer, content_type=RSS_TYPE)  # type: ignore[arg-type]
    assert refresh(world) == [("news#1", "failed", reason)]
    assert sorted(titles(world)) == ["Fermeture de la piscine", "Marché de Noël"]
    page = world.reader.news(page=1, page_size=50)
    assert page is not None
    assert page.stale is True
    assert world.reader.health().stale == (("news#1", reason),)
    # Only the feed's own URL was ever asked for: no DTD, no external entity.
    assert {call.request.url for call in responses.calls} == {NEWS_URL}
    assert "root:" not in str(world.store.query(items_partition(world.config.sources[0].id)))


@responses.activate
def test_a_failed_feed_becomes_fresh_again_at_its_next_success() -> None:
    world = feeds_world()
    responses.get(NEWS_URL, status=500)
    assert refresh(world) == [("news#1", "failed", "http_500")]
    assert world.reader.health().stale == (("news#1", "http_500"),)
    assert world.reader.news(page=1, page_size=10).items == ()  # type: ignore[union-attr]
    responses.replace(responses.GET, NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    assert refresh(world) == [("news#1", "updated", None)]
    assert world.reader.health().ok


@responses.activate
def test_one_feed_failing_does_not_stop_the_others() -> None:
    world = feeds_world((NEWS_URL, "https://autre.example.fr/rss"), (AGENDA_URL,))
    responses.get(NEWS_URL, body=requests.exceptions.ConnectionError("down"))
    responses.get("https://autre.example.fr/rss", body=GOOD, content_type=RSS_TYPE)
    responses.get(AGENDA_URL, body=sample("agenda.xml"), content_type=RSS_TYPE)
    assert refresh(world) == [
        ("news#1", "failed", "connection"),
        ("news#2", "updated", None),
        ("agenda#1", "updated", None),
    ]
    assert len(titles(world)) == 2
    agenda = world.reader.agenda(page=1, page_size=50)
    assert agenda is not None
    assert agenda.total == 8


@responses.activate
def test_a_304_with_no_copy_to_keep_is_a_failure() -> None:
    world = feeds_world()
    responses.get(NEWS_URL, status=304)
    assert refresh(world) == [("news#1", "failed", "not_modified_without_copy")]


@responses.activate
def test_a_feed_removed_from_the_settings_is_forgotten() -> None:
    world = feeds_world((NEWS_URL, "https://autre.example.fr/rss"))
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    responses.get("https://autre.example.fr/rss", body=GOOD, content_type=RSS_TYPE)
    refresh(world)
    gone = world.config.sources[1].id
    fewer = feeds_world((NEWS_URL,), store=world.store)
    refresh(fewer)
    assert world.store.get(FEEDS_PARTITION, gone) is None
    assert world.store.query(items_partition(gone)) == []


@responses.activate
def test_a_feed_not_refreshed_for_too_long_shows_stale() -> None:
    world = feeds_world(stale_after=timedelta(minutes=30))
    responses.get(NEWS_URL, body=GOOD, content_type=RSS_TYPE)
    refresh(world)
    assert world.reader.health().ok
    world.clock.advance(31 * 60)
    assert world.reader.health().stale == (("news#1", "too_old"),)


def test_a_feed_never_refreshed_shows_stale() -> None:
    world = feeds_world()
    assert world.reader.health().stale == (("news#1", "never_refreshed"),)
    assert world.reader.health().detail() == "1 of 1 feed(s) stale: news#1 (never_refreshed)"


@responses.activate
def test_logs_name_feeds_by_position_never_by_url(caplog: pytest.LogCaptureFixture) -> None:
    world = feeds_world()
    responses.get(NEWS_URL, status=404)
    with caplog.at_level(logging.DEBUG):
        refresh(world)
    assert "news#1" in caplog.text
    assert "http_404" in caplog.text
    assert "valmont" not in caplog.text
    assert "jeton" not in caplog.text

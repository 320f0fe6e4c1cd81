"""French feeds for the portal's tests, and a small world: memory store, fake clock, the real
fetcher over a ``requests`` session that ``responses`` scripts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from cityzen_connector.portal import FeedsConfig, FeedsReader, RequestsFeedFetcher
from cityzen_connector.store import StateStore, StoreUnavailableError
from cityzen_connector.testing import FakeClock, memory_store
from tests.support.paths import ROOT

SAMPLES = ROOT / "samples" / "feeds"
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
NEWS_URL = "https://www.valmont.example.fr/actualites/rss.xml?jeton=secret-du-cms"
AGENDA_URL = "https://www.valmont.example.fr/agenda/rss.xml"
RSS_TYPE = "application/rss+xml; charset=utf-8"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def rss(items: str, *, namespaces: str = "", encoding: str = "utf-8", prolog: str = "") -> str:
    """An RSS 2.0 document around ``items`` (``<item>`` elements)."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n{prolog}'
        f'<rss version="2.0" {namespaces}><channel><title>Ville de Valmont : actualités</title>'
        "<link>https://www.valmont.example.fr/</link><description>Actualités</description>"
        f"{items}</channel></rss>"
    )


def item(
    title: str = "Fermeture de la piscine",
    *,
    guid: str = "actu-1",
    link: str = "https://www.valmont.example.fr/actualites/piscine",
    description: str = "&lt;p&gt;La piscine ferme pour vidange.&lt;/p&gt;",
    pub_date: str = "Tue, 01 Dec 2026 10:00:00 +0100",
    extra: str = "",
) -> str:
    return (
        f"<item><title>{title}</title><link>{link}</link>"
        f'<guid isPermaLink="false">{guid}</guid><pubDate>{pub_date}</pubDate>'
        f"<description>{description}</description>{extra}</item>"
    )


@dataclass
class FeedsWorld:
    config: FeedsConfig
    store: StateStore
    clock: FakeClock
    fetcher: RequestsFeedFetcher
    reader: FeedsReader


def feeds_world(
    news: tuple[str, ...] = (NEWS_URL,),
    agenda: tuple[str, ...] = (),
    *,
    start: datetime = NOW,
    store: StateStore | None = None,
    **limits: object,
) -> FeedsWorld:
    clock = FakeClock(start)
    config = FeedsConfig.of(news, agenda, **limits)  # type: ignore[arg-type]
    store = store or memory_store(clock)
    fetcher = RequestsFeedFetcher(requests.Session(), monotonic=clock)
    return FeedsWorld(config, store, clock, fetcher, FeedsReader(config, store, clock))


class CountingStore(StateStore):
    """A real memory store that counts queries and can be taken down."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.queries = 0
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise StoreUnavailableError("store down (test)")

    def get(self, partition: str, key: str) -> Any:
        self._check()
        return self.inner.get(partition, key)

    def put(self, partition: str, key: str, value: Any, **options: Any) -> Any:
        self._check()
        return self.inner.put(partition, key, value, **options)

    def delete(self, partition: str, key: str, *, if_match: str | None = None) -> bool:
        self._check()
        return self.inner.delete(partition, key, if_match=if_match)

    def query(self, partition: str, *, limit: int | None = None) -> Any:
        self._check()
        self.queries += 1
        return self.inner.query(partition, limit=limit)

    def purge(self, *, now: datetime, updated_before: datetime | None = None) -> int:
        return self.inner.purge(now=now, updated_before=updated_before)

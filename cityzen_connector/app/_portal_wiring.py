"""The portal's content (portal/) bound to the container's ports: news and agenda feeds,
address help over the geocoder, procedure and knowledge search."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from . import _configs

if TYPE_CHECKING:
    from cityzen_connector.portal import (
        AddressHelp,
        FeedFetcher,
        FeedsConfig,
        FeedsReader,
        Geocoder,
        SearchService,
    )

    from ._wiring import Parts


def feeds_config(c: Parts) -> FeedsConfig:
    return _configs.feeds_config(c.settings)


def feeds_fetcher(c: Parts) -> FeedFetcher:
    """Conditional GETs of the feeds (a requests session, reused between refreshes)."""
    from cityzen_connector.portal import RequestsFeedFetcher

    return c.seams.feeds_fetcher or RequestsFeedFetcher(monotonic=c.monotonic)


def feeds_reader(c: Parts) -> FeedsReader:
    """Every feed's last good copy, merged, for the news and agenda routes and readiness."""
    from cityzen_connector.portal import FeedsReader

    ttl = timedelta(seconds=c.settings.api_feeds_cache_seconds)
    return FeedsReader(c.feeds_config, c.store, c.clock, ttl=ttl)


def feeds_check(c: Parts) -> dict[str, Callable[[], str | None]]:
    """What readiness reports without failing on it: the portal's feeds, if any."""
    if not c.feeds_config.sources:
        return {}

    def feeds() -> str | None:
        health = c.feeds_reader.health()
        return None if health.ok else health.detail()

    return {"feeds": feeds}


def geocoder(c: Parts) -> Geocoder:
    """The geocoding service at ``geocoder_url`` (the Géoplateforme, or the embedded one)."""
    from cityzen_connector.portal import GeoplateformeGeocoder

    s = c.settings
    return GeoplateformeGeocoder(s.geocoder_url, timeout=s.geocoder_timeout_seconds, clock=c.clock)


def address_help(c: Parts) -> AddressHelp:
    """Address help: one cache and one pace for the HTTP API, the intake's check and the
    pipeline of this process."""
    from cityzen_connector.portal import AddressHelp

    config = _configs.address_help_config(c.settings)
    return AddressHelp(c.geocoder, config, clock=c.monotonic)


def search(c: Parts) -> SearchService:
    """Procedure and knowledge search, its index in this process (``app/_search.py``)."""
    from ._search import search_service

    return search_service(
        c.settings,
        c.store,
        lambda: c.mappings.catalog,
        clock=c.clock,
        monotonic=c.monotonic.now,
    )

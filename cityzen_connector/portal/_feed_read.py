"""What ``GET /api/v1/news`` and ``GET /api/v1/agenda`` read: every feed's last good copy,
merged, kept in memory and checked against the store at most every ``ttl``.

A check reads the ``feeds`` partition (one query: each feed's state); only a feed whose version
changed has its items read again. No request ever fetches a feed: only the timer does. When the
store cannot be read, the copy in memory is served; with none, the answer is ``None`` (the API
says 503).

A feed is stale when it has no good copy, when its last try failed, or when its last success
is older than ``FeedsConfig.stale_after``; ``health()`` lists the stale ones for readiness.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cityzen_connector.models import AgendaItem, AgendaPage, NewsItem, NewsPage
from cityzen_connector.store import StateStore, StoreError

from ._feed_config import FeedKind, FeedsConfig, FeedSource
from ._feed_store import FeedState, read_copy, read_states

__all__ = ["FeedsHealth", "FeedsReader", "fold_category"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedsHealth:
    """``stale``: ``(label, reason)`` of each stale feed (``never_refreshed``, ``too_old``, or
    the last failure's code)."""

    configured: int
    stale: tuple[tuple[str, str], ...]

    @property
    def ok(self) -> bool:
        return not self.stale

    def detail(self) -> str:
        listed = ", ".join(f"{label} ({reason})" for label, reason in self.stale)
        return f"{len(self.stale)} of {self.configured} feed(s) stale: {listed}"


@dataclass(frozen=True)
class _Copy:
    version: str
    items: tuple[Any, ...]


@dataclass
class _View:
    checked_at: datetime
    states: dict[str, FeedState]
    copies: dict[str, _Copy] = field(default_factory=dict)


def fold_category(text: str) -> str:
    """Case- and accent-insensitive form of a category ("Fêtes" and "fetes" meet)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class FeedsReader:
    def __init__(
        self,
        config: FeedsConfig,
        store: StateStore,
        clock: Callable[[], datetime],
        *,
        ttl: timedelta = timedelta(seconds=30),
    ) -> None:
        self._config, self._store, self._clock, self._ttl = config, store, clock, ttl
        self._lock = threading.Lock()
        self._view: _View | None = None
        self._sorted: dict[FeedKind, tuple[tuple[Any, ...], bool]] = {}

    # -- the routes ------------------------------------------------------------------------------
    def news(self, *, page: int, page_size: int, category: str | None = None) -> NewsPage | None:
        found = self._items("news")
        if found is None:
            return None
        items, stale = found
        if category:
            items = _in_category(items, category)
        start = (page - 1) * page_size
        chosen = tuple(items[start : start + page_size])
        return NewsPage(page=page, page_size=page_size, total=len(items), stale=stale, items=chosen)

    def agenda(
        self,
        *,
        page: int,
        page_size: int,
        first_day: date | None = None,
        last_day: date | None = None,
        category: str | None = None,
    ) -> AgendaPage | None:
        """Events still running on ``first_day`` (default: today) or later, and starting on
        ``last_day`` or before, days in the town's time zone; an event without an end is a
        moment."""
        found = self._items("agenda")
        if found is None:
            return None
        items, stale = found
        if category:
            items = _in_category(items, category)
        zone = self._config.time_zone
        start = _midnight(first_day or self._clock().astimezone(zone).date(), zone)
        end = None
        if last_day is not None and last_day < date.max:
            end = _midnight(last_day + timedelta(days=1), zone)
        items = tuple(
            event
            for event in items
            if (event.start >= start if event.end is None else event.end > start)
            and (end is None or event.start < end)
        )
        first = (page - 1) * page_size
        chosen = tuple(items[first : first + page_size])
        return AgendaPage(
            page=page, page_size=page_size, total=len(items), stale=stale, items=chosen
        )

    def health(self) -> FeedsHealth:
        """Each configured feed's freshness, read from the store now (no cache: readiness
        has its own)."""
        states = read_states(self._store)
        now = self._clock()
        stale = tuple(
            (source.label, reason)
            for source in self._config.sources
            if (reason := self._staleness(states.get(source.id), now)) is not None
        )
        return FeedsHealth(len(self._config.sources), stale)

    # -- the cached view ---------------------------------------------------------------------------
    def _items(self, kind: FeedKind) -> tuple[tuple[Any, ...], bool] | None:
        with self._lock:
            now = self._clock()
            view = self._view
            if view is None or now - view.checked_at >= self._ttl:
                try:
                    view = self._reload(view, now)
                except StoreError as exc:
                    name = type(exc).__name__
                    logger.warning("feeds read from memory: store unavailable (%s)", name)
                    if view is None:
                        return None
                    view.checked_at = now  # try again after ttl, not on every request
            if kind not in self._sorted:
                self._sorted[kind] = self._merge(view, kind, now)
            return self._sorted[kind]

    def _reload(self, previous: _View | None, now: datetime) -> _View:
        states = read_states(self._store)
        view = _View(now, states)
        for source in self._config.sources:
            state = states.get(source.id)
            if state is None or state.version is None:
                continue
            old = previous.copies.get(source.id) if previous else None
            if old is not None and old.version == state.version:
                view.copies[source.id] = old
            else:
                view.copies[source.id] = _Copy(state.version, self._load(source, state.version))
        self._view = view
        self._sorted = {}
        return view

    def _load(self, source: FeedSource, version: str) -> tuple[Any, ...]:
        model = AgendaItem if source.kind == "agenda" else NewsItem
        items = []
        for value in read_copy(self._store, source.id, version):
            try:
                items.append(model.model_validate(value))
            except ValueError:  # a record of an older shape: skipped, rewritten by the timer
                continue
        return tuple(items)

    def _merge(self, view: _View, kind: FeedKind, now: datetime) -> tuple[tuple[Any, ...], bool]:
        sources = self._config.of_kind(kind)
        merged: dict[str, Any] = {}
        for source in sources:
            for item in view.copies.get(source.id, _Copy("", ())).items:
                merged.setdefault(item.id, item)
        if kind == "agenda":
            ordered = sorted(merged.values(), key=lambda e: (e.start, e.end or e.start, e.title))
        else:
            ordered = sorted(merged.values(), key=_newest_first)
        stale = any(self._staleness(view.states.get(s.id), now) for s in sources)
        return tuple(ordered), stale

    def _staleness(self, state: FeedState | None, now: datetime) -> str | None:
        if state is None or state.version is None:
            return state.failure if state is not None and state.failure else "never_refreshed"
        if state.failure is not None:
            return state.failure
        if state.succeeded_at is None or now - state.succeeded_at > self._config.stale_after:
            return "too_old"
        return None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone`` (UTC), clamped at the ends of the calendar."""
    try:
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        return (
            datetime.min.replace(tzinfo=UTC) if day.year < 2 else datetime.max.replace(tzinfo=UTC)
        )


def _newest_first(item: NewsItem) -> tuple[int, float, str]:
    if item.published is None:
        return (1, 0.0, item.title)
    return (0, -item.published.timestamp(), item.title)


def _in_category(items: tuple[Any, ...], category: str) -> tuple[Any, ...]:
    wanted = fold_category(category)
    return tuple(item for item in items if any(fold_category(c) == wanted for c in item.categories))

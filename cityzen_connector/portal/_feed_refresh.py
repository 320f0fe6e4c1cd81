"""Refresh every configured feed: what the timer and ``cityzen feeds refresh`` run.

For each feed, one conditional GET (``_feed_fetch``), then, on a 200, decoding (``_feed_decode``),
parsing (``_feed_parse``) and normalisation (``_feed_items``); a copy whose items did not change
is not rewritten. Whatever goes wrong with one feed -- unreachable, an HTTP error, too large,
not XML, hostile, a bug of ours on a strange entry -- is that feed's failure: its last good copy
stays, its state records the reason (then readiness shows it stale), and the other feeds go on.
Feeds are fetched a few at a time (``FeedsConfig.concurrency``): one slow server does not hold
the others up.

Logs name a feed by its kind and position (``agenda#2``) and a reason code, never its URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from cityzen_connector.store import StateStore, StoreError

from ._feed_config import FeedsConfig, FeedSource
from ._feed_decode import Refused, decode_feed
from ._feed_fetch import FeedFetcher, Fetched, FetchFailed, FetchLimits, NotModified, Validators
from ._feed_items import ItemContext, agenda_item, news_item
from ._feed_parse import parse_feed
from ._feed_store import FeedState, forget_feed, read_state, read_states, write_copy, write_state

__all__ = ["FeedOutcome", "RefreshReport", "refresh_feeds"]

logger = logging.getLogger(__name__)

Result = Literal["updated", "unchanged", "not_modified", "failed"]


@dataclass(frozen=True)
class FeedOutcome:
    label: str  # news#1
    result: Result
    reason: str | None = None  # for "failed": a short code
    items: int = 0  # items of the copy now served


@dataclass(frozen=True)
class RefreshReport:
    outcomes: tuple[FeedOutcome, ...] = field(default=())

    @property
    def counts(self) -> Counter[str]:
        return Counter(outcome.result for outcome in self.outcomes)

    def line(self) -> str:
        counts = self.counts
        parts = [f"{counts[r]} {r.replace('_', ' ')}" for r in _ORDER if counts[r]]
        return f"{len(self.outcomes)} feed(s): " + (", ".join(parts) or "none configured")


_ORDER: tuple[Result, ...] = ("updated", "unchanged", "not_modified", "failed")


def refresh_feeds(
    config: FeedsConfig,
    fetcher: FeedFetcher,
    store: StateStore,
    clock: Callable[[], datetime],
) -> RefreshReport:
    """Refresh each feed once; forget the copies of feeds no longer configured."""
    sources = config.sources
    if sources:
        with ThreadPoolExecutor(max_workers=min(config.concurrency, len(sources))) as pool:
            outcomes = tuple(
                pool.map(lambda source: refresh_one(source, config, fetcher, store, clock), sources)
            )
    else:
        outcomes = ()
    _forget_removed(config, store)
    return RefreshReport(outcomes)


def refresh_one(
    source: FeedSource,
    config: FeedsConfig,
    fetcher: FeedFetcher,
    store: StateStore,
    clock: Callable[[], datetime],
) -> FeedOutcome:
    try:
        state = read_state(store, source.id) or FeedState(kind=source.kind)
    except StoreError as exc:
        logger.warning("feed %s: state store unavailable (%s)", source.label, type(exc).__name__)
        return FeedOutcome(source.label, "failed", "store")
    try:
        outcome = _refresh(source, state, config=config, fetcher=fetcher, store=store, clock=clock)
    except StoreError as exc:
        logger.warning("feed %s: not saved (%s)", source.label, type(exc).__name__)
        return FeedOutcome(source.label, "failed", "store", state.count)
    except Exception:  # a bug of ours on a strange feed must not stop the other feeds
        logger.exception("feed %s: unexpected error", source.label)
        try:
            outcome = _failed(source, state, "unexpected", store, clock())
        except StoreError:
            outcome = FeedOutcome(source.label, "failed", "unexpected", state.count)
    if outcome.result == "failed":
        logger.warning(
            "feed %s: refresh failed (%s), last good copy kept", source.label, outcome.reason
        )
    else:
        logger.info("feed %s: %s (%d items)", source.label, outcome.result, outcome.items)
    return outcome


def _refresh(
    source: FeedSource,
    state: FeedState,
    *,
    config: FeedsConfig,
    fetcher: FeedFetcher,
    store: StateStore,
    clock: Callable[[], datetime],
) -> FeedOutcome:
    # Conditional only when there is a copy to fall back on.
    validators = Validators(state.etag, state.last_modified) if state.version else Validators()
    limits = FetchLimits(config.timeout_seconds, config.max_bytes, config.max_redirects)
    answer = fetcher.fetch(source.url, validators, limits)
    now = clock()
    if isinstance(answer, FetchFailed):
        return _failed(source, state, answer.reason, store, now)
    if isinstance(answer, NotModified):
        if state.version is None:
            return _failed(source, state, "not_modified_without_copy", store, now)
        write_state(store, source.id, _succeeded(state, answer.validators, now))
        return FeedOutcome(source.label, "not_modified", items=state.count)
    items = _items(source, answer, config, now)
    if isinstance(items, Refused):
        return _failed(source, state, items.reason, store, now)
    version = hashlib.sha256(json.dumps(items, sort_keys=True).encode()).hexdigest()[:16]
    fresh = replace(_succeeded(state, answer.validators, now), version=version, count=len(items))
    if version == state.version:
        write_state(store, source.id, fresh)
        return FeedOutcome(source.label, "unchanged", items=len(items))
    write_copy(store, source.id, fresh, items)
    return FeedOutcome(source.label, "updated", items=len(items))


def _items(
    source: FeedSource, answer: Fetched, config: FeedsConfig, now: datetime
) -> list[dict[str, Any]] | Refused:
    decoded = decode_feed(answer.body, answer.content_type)
    if isinstance(decoded, Refused):
        return decoded
    if decoded.relabelled:
        logger.info("feed %s: read as %s (declared otherwise)", source.label, decoded.encoding)
    parsed = parse_feed(decoded, answer.url)
    if isinstance(parsed, Refused):
        return parsed
    context = ItemContext(source.id, parsed.title, config.time_zone, now, parsed.namespaces)
    normalise = agenda_item if source.kind == "agenda" else news_item
    items: dict[str, dict[str, Any]] = {}
    for entry in parsed.entries:
        item = normalise(entry, context)
        if item is not None and item.id not in items:
            items[item.id] = item.model_dump(mode="json")
        if len(items) >= config.max_items:
            break
    return list(items.values())


def _succeeded(state: FeedState, validators: Validators, now: datetime) -> FeedState:
    return replace(
        state,
        etag=validators.etag,
        last_modified=validators.last_modified,
        checked_at=now,
        succeeded_at=now,
        failure=None,
        failures=0,
    )


def _failed(
    source: FeedSource, state: FeedState, reason: str, store: StateStore, now: datetime
) -> FeedOutcome:
    write_state(store, source.id, state.failed(reason, now))
    return FeedOutcome(source.label, "failed", reason, state.count)


def _forget_removed(config: FeedsConfig, store: StateStore) -> None:
    configured = {source.id for source in config.sources}
    try:
        for feed_id in read_states(store).keys() - configured:
            forget_feed(store, feed_id)
    except StoreError as exc:
        logger.warning("removed feeds not forgotten yet (%s)", type(exc).__name__)

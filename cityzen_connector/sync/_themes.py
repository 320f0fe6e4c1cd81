"""``GET /api/v1/themes``: the mapping catalogue's theme tree, limited to the sub-themes whose
Dynamics 365 subject exists, cached in the state store and refreshed by a timer.

The cached tree is served while younger than its time-to-live; an older one is recomputed on
read (one Dataverse query) and, if Dataverse is down, served stale rather than not at all. The
ETag is strong (a hash of the exact bytes), so ``If-None-Match`` gives ``304 Not Modified``
(RFC 9110 sections 8.8.3 and 13.1.2).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from cityzen_connector.dataverse import DataverseClient, DataverseError, Query
from cityzen_connector.mapping import MappingSet
from cityzen_connector.models import Theme
from cityzen_connector.store import StateStore, StoreError
from cityzen_connector.sync.intake._errors import DependencyUnavailableError

logger = logging.getLogger(__name__)

CACHE_PARTITION = "cache"
THEMES_KEY = "themes"
_MAX_SUBJECTS = 5000  # a subject tree is a few hundred rows; stop reading a runaway one


class ThemeTree(BaseModel):
    """The body of ``GET /api/v1/themes``."""

    model_config = ConfigDict(frozen=True)

    themes: tuple[Theme, ...]


@dataclass(frozen=True)
class ThemesSnapshot:
    body: bytes
    etag: str
    refreshed_at: datetime


def _snapshot(body: bytes, refreshed_at: datetime) -> ThemesSnapshot:
    return ThemesSnapshot(body, f'"{hashlib.sha256(body).hexdigest()[:40]}"', refreshed_at)


def subject_titles(client: DataverseClient) -> frozenset[str]:
    """Titles of the subjects that exist in Dataverse (``subjects`` entity set)."""
    titles = set()
    for row in client.query(Query("subjects").select("title")):
        title = row.get("title")
        if isinstance(title, str):
            titles.add(title)
        if len(titles) >= _MAX_SUBJECTS:
            break
    return frozenset(titles)


def refresh_themes(
    client: DataverseClient,
    mappings: MappingSet,
    store: StateStore,
    clock: Callable[[], datetime],
) -> ThemesSnapshot:
    """Recompute the tree from Dataverse and cache it (the timer calls this)."""
    tree = ThemeTree(themes=mappings.catalog.tree(subject_titles(client)))
    snapshot = _snapshot(tree.model_dump_json().encode(), clock())
    try:
        store.put(
            CACHE_PARTITION,
            THEMES_KEY,
            {"body": snapshot.body.decode(), "refreshed_at": snapshot.refreshed_at.isoformat()},
        )
    except StoreError:
        logger.warning("theme tree not cached (state store refused it)", exc_info=True)
    return snapshot


def cached_themes(store: StateStore) -> ThemesSnapshot | None:
    record = store.get(CACHE_PARTITION, THEMES_KEY)
    if record is None:
        return None
    body, refreshed = record.value.get("body"), record.value.get("refreshed_at")
    if not isinstance(body, str) or not isinstance(refreshed, str):
        return None
    try:
        return _snapshot(body.encode(), datetime.fromisoformat(refreshed))
    except ValueError:
        return None


def read_themes(
    client: DataverseClient,
    mappings: MappingSet,
    store: StateStore,
    clock: Callable[[], datetime],
    *,
    max_age: timedelta,
) -> ThemesSnapshot:
    """The tree to serve: cached if fresh, else recomputed, else stale, else 503."""
    try:
        cached = cached_themes(store)
    except StoreError as exc:
        raise DependencyUnavailableError("the state store is unavailable") from exc
    if cached is not None and clock() - cached.refreshed_at < max_age:
        return cached
    try:
        return refresh_themes(client, mappings, store, clock)
    except DataverseError as exc:
        if cached is not None:
            logger.warning("themes served stale: Dataverse refused (%s)", type(exc).__name__)
            return cached
        raise DependencyUnavailableError("the theme tree cannot be read from Dataverse") from exc


@dataclass(frozen=True)
class ThemesReader:
    """``read_themes`` with its ports bound: what the HTTP API calls."""

    client: DataverseClient
    mappings: MappingSet
    store: StateStore
    clock: Callable[[], datetime]
    max_age: timedelta = timedelta(minutes=5)

    def __call__(self) -> ThemesSnapshot:
        return read_themes(self.client, self.mappings, self.store, self.clock, max_age=self.max_age)


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 section 13.1.2: ``*`` or a list of tags, compared weakly (``W/`` ignored)."""
    if if_none_match is None:
        return False
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in candidates)

"""The knowledge articles a timer read from Dataverse, kept in the state store for every
instance's search index (no Dataverse call per search).

One record per article in partition ``knowledge-articles`` (key: the article id), so each stays
under the store's record size (a Table Storage property holds 32K characters: the text is cut to
``MAX_TEXT_CHARS``), and one summary record, ``cache``/``knowledge-articles``: when the copy was
refreshed, how many articles it holds and a digest of them. An index compares digests to know it
is out of date, reading one small record. A refresh writes the changed articles, deletes the gone
ones, then the summary: a reader between two refreshes sees the previous digest, at worst with
some articles already new (the next check rebuilds). A failed refresh keeps the last good copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.store import StateStore

from ._knowledge import FRENCH, MAX_ARTICLES, KnowledgeArticle, fetch_articles

__all__ = [
    "ARTICLES_PARTITION",
    "CacheReport",
    "CacheSummary",
    "KnowledgeCache",
]

logger = logging.getLogger(__name__)

ARTICLES_PARTITION = "knowledge-articles"
SUMMARY = ("cache", "knowledge-articles")
MAX_TEXT_CHARS = 24_000
_LIMITS = {"number": 100, "title": 1000, "description": 400, "keywords": 2000}


@dataclass(frozen=True)
class CacheSummary:
    refreshed_at: datetime
    count: int
    digest: str


@dataclass(frozen=True)
class CacheReport:
    summary: CacheSummary
    written: int
    deleted: int


def _value(article: KnowledgeArticle) -> dict[str, Any]:
    value = asdict(article)
    for name, limit in _LIMITS.items():
        value[name] = value[name][:limit]
    value["text"] = value["text"][:MAX_TEXT_CHARS]
    return value


def _digest(values: Sequence[dict[str, Any]]) -> str:
    text = json.dumps(sorted(values, key=lambda v: v["id"]), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _from_value(value: Any) -> KnowledgeArticle | None:
    if not isinstance(value, dict):
        return None
    fields = {name: value.get(name) for name in KnowledgeArticle.__dataclass_fields__}
    if not all(isinstance(v, str) for v in fields.values()) or not fields["id"]:
        return None
    return KnowledgeArticle(**fields)  # type: ignore[arg-type]  # all str, checked above


class KnowledgeCache:
    """The cached copy. Store errors (``StoreError``) reach the caller."""

    def __init__(self, store: StateStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock

    def refresh(self, client: DataverseClient, *, locale: int = FRENCH) -> CacheReport:
        """Read the published articles from Dataverse and keep them (the timer's job). A
        ``DataverseError`` leaves the last good copy as it was."""
        return self.replace(fetch_articles(client, locale=locale))

    def replace(self, articles: Sequence[KnowledgeArticle]) -> CacheReport:
        """Make the cache hold exactly ``articles`` (the refresh job)."""
        values = {a.id: _value(a) for a in articles}
        current = {
            record.key: record.value
            for record in self._store.query(ARTICLES_PARTITION, limit=MAX_ARTICLES * 2)
        }
        written = deleted = 0
        for key, value in values.items():
            if current.get(key) != value:
                self._store.put(ARTICLES_PARTITION, key, value)
                written += 1
        for key in current.keys() - values.keys():
            deleted += self._store.delete(ARTICLES_PARTITION, key)
        summary = CacheSummary(self._clock(), len(values), _digest(list(values.values())))
        self._store.put(
            *SUMMARY,
            {
                "refreshed_at": summary.refreshed_at.isoformat(),
                "count": summary.count,
                "digest": summary.digest,
            },
        )
        return CacheReport(summary, written, deleted)

    def summary(self) -> CacheSummary | None:
        """When the copy was last refreshed, or ``None`` if never (or unreadable)."""
        record = self._store.get(*SUMMARY)
        if record is None:
            return None
        value = record.value
        refreshed, count, digest = (value.get(k) for k in ("refreshed_at", "count", "digest"))
        if not isinstance(refreshed, str) or not isinstance(digest, str):
            return None
        if isinstance(count, bool) or not isinstance(count, int):
            return None
        try:
            return CacheSummary(datetime.fromisoformat(refreshed), count, digest)
        except ValueError:
            return None

    def articles(self) -> list[KnowledgeArticle]:
        """The cached articles; a record that is not one (hand-edited, older shape) is
        skipped and counted in the log."""
        found, skipped = [], 0
        for record in self._store.query(ARTICLES_PARTITION, limit=MAX_ARTICLES):
            article = _from_value(record.value)
            if article is None:
                skipped += 1
            else:
                found.append(article)
        if skipped:
            logger.warning("knowledge cache: %d unreadable record(s) skipped", skipped)
        return found

"""Popular searches: counted in the state store, shown only when nobody can be named by them.

**Which searches count.** A search is counted only if it found something, on its first page,
and only if it passes ``eligible``: then nothing else is ever written to the store. The rule,
on the query's folded words (case, accents and spacing normalised: "État  Civil" and "etat
civil" are one search):
- 1 to ``MAX_WORDS`` words, at most ``MAX_CHARS`` characters, at least one that is not a stop word;
- no digit at all (house numbers, postcodes, phone numbers, dates of birth, case numbers) and
  no "@" (e-mail addresses): the query is refused before it is split into words;
- no street-type word (``STREET_WORDS``: "rue", "avenue", "impasse"…): addresses;
- no word of the deployment's own stop list (``search_popular_stop_words``: the mayor's name…);
- every other word is in the vocabulary of the procedures and articles (by stem), where a word
  that the articles only ever write with a capital (a surname, a street name) does not count:
  ``SearchIndex.knows``. A name typed in the search box is not in it, so it is never counted.
At display the rule runs again (the vocabulary may have changed), and a search shows only once
counted ``min_count`` times; it is shown in the corpus' own spelling ("état civil"), never the
user's.

**Counting.** Increments are buffered in memory and written in batches (every
``FLUSH_SECONDS``, or ``FLUSH_SIZE`` distinct searches, ``FLUSH_PER_SEARCH`` at most by the
search that finds a flush due; the refresh timer writes all): one read and one conditional
write per search, with the record's ETag (``if_match``; ``create_only`` for a new one), retried on a
conflict with another instance, so no increment is lost to a race. A failed flush keeps its
counts for the next one (``MAX_PENDING`` searches at most); a crash loses the last few seconds
of counts, which a popularity list can afford. Each record expires ``TTL`` after its last count:
a search nobody makes any more leaves the list.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cityzen_connector.store import PreconditionFailedError, StateStore, StoreError

from ._search_index import SearchIndex
from ._search_text import STOP_WORDS, fold, words

__all__ = ["STREET_WORDS", "PopularCounter", "Popularity", "eligible", "normalise"]

logger = logging.getLogger(__name__)

PARTITION = "search-popular"
MAX_WORDS, MAX_CHARS = 5, 60
FLUSH_SECONDS, FLUSH_SIZE, MAX_PENDING = 10.0, 100, 1000
# A search that finds a flush due writes this many counts at most (two store calls each): the
# citizen waiting for it pays a bounded few; the timer's flush writes the rest.
FLUSH_PER_SEARCH = 10
TTL = timedelta(days=90)
_ATTEMPTS = 5  # conflicting writers on one record: each retry reads the newer count
_REFUSED = re.compile(r"[\d@]")  # any digit of any script, before and after folding ("m²")
# Folded street types of French addresses (voie types of the Base Adresse Nationale and the
# postal abbreviations): a search naming one is an address.
_STREETS = """
rue rues av ave avenue bd bld blvd boulevard allee allees impasse imp chemin che quai cours
square sq lotissement lot lieudit hameau residence res cite villa passage sentier ruelle venelle
faubourg fbg cedex bp
"""
STREET_WORDS = frozenset(_STREETS.split())


def normalise(query: str) -> str:
    """The folded words of a query, single-spaced: the key searches are counted under."""
    return " ".join(words(query))


def eligible(query: str, index: SearchIndex, stop_list: frozenset[str]) -> str | None:
    """The normalised query if it may be counted and shown (the module's rule), else None."""
    if _REFUSED.search(query) or _REFUSED.search(fold(query)):
        return None
    found = words(query)
    normalised = " ".join(found)
    if not found or len(found) > MAX_WORDS or len(normalised) > MAX_CHARS:
        return None
    meaningful = [w for w in found if w not in STOP_WORDS]
    if not meaningful:
        return None
    if any(w in STREET_WORDS or w in stop_list for w in found):
        return None
    if not all(index.knows(w) for w in meaningful):
        return None
    return normalised


@dataclass(frozen=True)
class Popularity:
    query: str  # in the corpus' spelling
    count: int


def _key(normalised: str) -> str:
    return hashlib.sha256(normalised.encode()).hexdigest()[:32]


class PopularCounter:
    """Buffered, race-safe counts of eligible searches, and the list to show."""

    def __init__(
        self,
        store: StateStore,
        *,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float],
        stop_list: frozenset[str] = frozenset(),
        min_count: int = 5,
    ) -> None:
        self._store = store
        self._clock = clock
        self._monotonic = monotonic
        # Each word of each entry: "Jeanne Durand" keeps out "jeanne" and "durand" alike.
        self._stop_list = frozenset(w for entry in stop_list for w in words(entry))
        self._min_count = min_count
        self._pending: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._last_flush = monotonic()

    def record(self, query: str, index: SearchIndex) -> bool:
        """Count one search if eligible; flush when due. Never raises: a search must not
        fail because its count could not be written."""
        normalised = eligible(query, index, self._stop_list)
        if normalised is None:
            return False
        with self._lock:
            if normalised in self._pending or len(self._pending) < MAX_PENDING:
                self._pending[normalised] += 1
            due = (
                len(self._pending) >= FLUSH_SIZE
                or self._monotonic() - self._last_flush >= FLUSH_SECONDS
            )
        if due and self._flush_lock.acquire(blocking=False):  # one flush at a time, no wait
            try:
                self._flush(FLUSH_PER_SEARCH)
            finally:
                self._flush_lock.release()
        return True

    def flush(self) -> int:
        """Write every buffered count; returns how many searches were written. What fails
        stays buffered for the next flush."""
        with self._flush_lock:
            return self._flush(None)

    def _flush(self, most: int | None) -> int:
        with self._lock:
            taken = list(self._pending.items())[:most]
            batch = Counter(dict(taken))
            self._pending.subtract(batch)
            self._pending = +self._pending  # drop the zeros
            self._last_flush = self._monotonic()
        written = 0
        for normalised, count in batch.items():
            try:
                self._add(normalised, count)
                written += 1
            except StoreError as exc:
                logger.warning("popular searches: count not written (%s)", type(exc).__name__)
                with self._lock:
                    if normalised in self._pending or len(self._pending) < MAX_PENDING:
                        self._pending[normalised] += count
        return written

    def _add(self, normalised: str, count: int) -> None:
        key = _key(normalised)
        for _ in range(_ATTEMPTS):
            expires = self._clock() + TTL
            record = self._store.get(PARTITION, key)
            try:
                if record is None:
                    value = {"q": normalised, "count": count}
                    self._store.put(PARTITION, key, value, create_only=True, expires_at=expires)
                else:
                    previous = record.value.get("count")
                    total = (previous if isinstance(previous, int) else 0) + count
                    value = {"q": normalised, "count": total}
                    self._store.put(PARTITION, key, value, if_match=record.etag, expires_at=expires)
                return
            except PreconditionFailedError:
                continue  # another instance wrote first: read its count, add ours again
        raise PreconditionFailedError("popular search count: too many conflicting writers")

    def top(self, index: SearchIndex, limit: int) -> list[Popularity]:
        """The most frequent eligible searches, counted ``min_count`` times or more."""
        shown: list[Popularity] = []
        for record in self._store.query(PARTITION, limit=5000):
            query, count = record.value.get("q"), record.value.get("count")
            if not isinstance(query, str) or isinstance(count, bool) or not isinstance(count, int):
                continue
            if count < self._min_count or eligible(query, index, self._stop_list) != query:
                continue
            spelled = " ".join(index.spelling(w) for w in query.split())
            shown.append(Popularity(spelled, count))
        shown.sort(key=lambda p: (-p.count, p.query))
        return shown[:limit]

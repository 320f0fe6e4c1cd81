"""The search index: SQLite FTS5 in memory over procedures and knowledge articles.

Why FTS5: it ships with Python's ``sqlite3`` (the Functions Python image and our builds have
``ENABLE_FTS5``; ``SearchIndex`` fails loudly otherwise), ranks with BM25 and per-column weights,
answers prefix queries from a prefix index, and needs no server, process or extra package. A
pure-Python engine (Whoosh: last release 2016) or a search service would cost more for a
corpus of a few thousand documents.

Two contentless FTS5 tables (``content=''``: the index only; the documents stay in Python, by
rowid, procedures first so that the rowid breaks ties in their favour):
- ``fts(title, body)``: the stemmed terms of each document (``_search_text.terms``), ranked by
  ``bm25(fts, 10, 1)`` -- a title match weighs ten body matches, so a document found by its title
  comes before one found by its body; ties go to procedures, then to the earlier document;
- ``sug(words, stems)``: each title's folded words and their stems, with a prefix index, for
  type-ahead: the words before the last must match (by stem), the last is a prefix of a word or
  of a stem ("stationnem" → "stationnement", "poubelles" → "poubel…").

Every query is built from ``fts_string`` literals of ``\\w`` terms and fixed operators, so user
text never becomes FTS5 syntax. One connection, one lock: queries take well under a millisecond.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from ._errors import SearchIndexError
from ._search_text import MAX_TERMS, STOP_WORDS, fold, fts_string, stem, terms, words

__all__ = ["Hit", "SearchDocument", "SearchIndex", "SearchIndexError"]

Kind = Literal["procedure", "article"]
_RANK: dict[str, int] = {"procedure": 0, "article": 1}
TITLE_WEIGHT, BODY_WEIGHT = 10.0, 1.0
_RAW_WORD = re.compile(r"[^\W_]+")
_SENTENCE_ENDS = frozenset('.!?:;…\n\r«"')


@dataclass(frozen=True)
class SearchDocument:
    """One searchable thing: a procedure (theme or sub-theme) or a knowledge article.
    ``curated``: its words may name a popular search even when only ever capitalised (the
    mappings' titles and help, articles' keywords); see ``SearchIndex.knows``."""

    kind: Kind
    key: str
    title: str
    body: str
    theme: str | None = None
    sub_theme: str | None = None
    number: str | None = None
    curated: str = ""
    excerpt: str = ""  # what snippets are cut from (default: the body)


@dataclass(frozen=True)
class Hit:
    document: SearchDocument
    score: float


@dataclass
class _Vocabulary:
    stems: set[str] = field(default_factory=set)
    # folded word → how often each lower-case spelling was seen ("etat" → {"état": 12}).
    spellings: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, text: str, *, curated: bool) -> None:
        for match in _RAW_WORD.finditer(text):
            original = match.group()
            # A word seen only capitalised in free text, other than at the start of a sentence,
            # is likely a name (a person, a street): it never makes a query "popular" (the
            # popular searches' privacy rule). Curated text (procedures, keywords) counts as is.
            if not curated and original != original.lower() and not _starts(text, match.start()):
                continue
            folded, stemmed = _token(original)
            if folded in STOP_WORDS:
                continue
            self.stems.add(stemmed)
            self.spellings.setdefault(folded, Counter())[original.lower()] += 1


@functools.lru_cache(maxsize=65536)
def _token(word: str) -> tuple[str, str]:
    folded = fold(word)
    return folded, stem(folded)


def _starts(text: str, at: int) -> bool:
    """Whether the word at ``at`` starts the text or a sentence (after . ! ? : or a line)."""
    at -= 1
    while at >= 0 and text[at] in " \t\u00a0\u202f":
        at -= 1
    return at < 0 or text[at] in _SENTENCE_ENDS


class SearchIndex:
    """An immutable index over ``documents`` (build a new one to change them)."""

    def __init__(self, documents: Iterable[SearchDocument]) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._docs: list[SearchDocument] = []
        self._vocabulary = _Vocabulary()
        try:
            self._create()
        except sqlite3.OperationalError as exc:  # "no such module: fts5"
            raise SearchIndexError("this Python's SQLite has no FTS5") from exc
        self._load(documents)

    def _create(self) -> None:
        tokenizer = "tokenize='unicode61 remove_diacritics 2'"
        self._db.execute(
            f"CREATE VIRTUAL TABLE fts USING fts5(title, body, content='', {tokenizer})"
        )
        self._db.execute(
            f"CREATE VIRTUAL TABLE sug USING fts5(words, stems, content='', {tokenizer},"
            " prefix='2 3')"
        )

    def _load(self, documents: Iterable[SearchDocument]) -> None:
        # Procedures first: rowids then break bm25 ties in their favour with no join.
        ordered = sorted(documents, key=lambda d: _RANK[d.kind])
        with self._db:
            for doc in ordered:
                rowid = len(self._docs)
                self._docs.append(doc)
                self._db.execute(
                    "INSERT INTO fts(rowid, title, body) VALUES (?, ?, ?)",
                    (rowid, " ".join(terms(doc.title)), " ".join(terms(doc.body))),
                )
                title_words = [w for w in words(doc.title) if w not in STOP_WORDS]
                self._db.execute(
                    "INSERT INTO sug(rowid, words, stems) VALUES (?, ?, ?)",
                    (rowid, " ".join(title_words), " ".join(stem(w) for w in title_words)),
                )
                curated = doc.kind == "procedure"
                self._vocabulary.add(doc.title, curated=curated)
                self._vocabulary.add(doc.body, curated=curated)
                self._vocabulary.add(doc.curated, curated=True)

    def __len__(self) -> int:
        return len(self._docs)

    # -- queries ----------------------------------------------------------------------------
    def search(self, query: str, *, offset: int, limit: int) -> tuple[int, list[Hit], list[str]]:
        """(total, one page of hits, the query's terms) for every term in title or body."""
        wanted = terms(query, limit=MAX_TERMS)
        if not wanted:
            return 0, [], []
        expression = " AND ".join(fts_string(t) for t in dict.fromkeys(wanted))
        with self._lock:
            (total,) = self._db.execute(
                "SELECT count(*) FROM fts WHERE fts MATCH ?", (expression,)
            ).fetchone()
            rows = self._db.execute(
                "SELECT rowid, bm25(fts, ?, ?) AS score FROM fts WHERE fts MATCH ?"
                " ORDER BY score, rowid LIMIT ? OFFSET ?",
                (TITLE_WEIGHT, BODY_WEIGHT, expression, limit, offset),
            ).fetchall()
        return total, [Hit(self._docs[i], s) for i, s in rows], wanted

    def suggest(self, prefix: str, *, limit: int) -> tuple[list[SearchDocument], list[str]]:
        """Titles for type-ahead, and the words the user typed (folded, for highlighting)."""
        typed = words(prefix)[:MAX_TERMS]
        if not typed:
            return [], []
        *complete, last = typed
        clauses = [f"stems : {fts_string(stem(w))}" for w in complete if w not in STOP_WORDS]
        clauses.append(f"(words : {fts_string(last)}* OR stems : {fts_string(stem(last))}*)")
        with self._lock:
            rows = self._db.execute(
                "SELECT rowid FROM sug WHERE sug MATCH ? ORDER BY bm25(sug), rowid LIMIT ?",
                (" AND ".join(clauses), limit),
            ).fetchall()
        return [self._docs[i] for (i,) in rows], typed

    # -- what popular searches may show -----------------------------------------------------
    def knows(self, folded_word: str) -> bool:
        """Whether a folded word's stem is in the corpus' vocabulary (see ``_Vocabulary``)."""
        return stem(folded_word) in self._vocabulary.stems

    def spelling(self, folded_word: str) -> str:
        """The corpus' most frequent spelling of a folded word ("etat" → "état")."""
        seen = self._vocabulary.spellings.get(folded_word)
        return seen.most_common(1)[0][0] if seen else folded_word

    def close(self) -> None:
        self._db.close()

"""French text → search terms: folding (case, accents, ligatures), words, elisions, stop words
and a light stemmer, shared by the index, the queries, the snippets and popular searches.

Why these steps, in this order:
- **fold first** (``casefold``, then NFKD without combining marks, œ → oe, æ → ae): a query
  typed without accents ("etat civil") and a title with them ("État civil") become the same
  letters before anything else looks at them, so every later step is accent-blind by
  construction;
- **words** are runs of letters and digits (``\\w``); an apostrophe or a hyphen separates
  ("l'école" → "l", "ecole"; "nid-de-poule" → "nid", "de", "poule");
- **stop words** (articles, prepositions, elided "l", "d", "qu"…) are dropped: they match
  everything and rank nothing;
- **stemming** with the Snowball French stemmer (``snowballstemmer``, the algorithm of
  snowballstem.org/algorithms/french): "poubelles" and "poubelle" → "poubel", "inscriptions"
  → "inscript", "scolaires" → "scolair". It handles plurals (-s, -x, -aux) and the usual
  derivational suffixes; a hand-written plural rule list would miss the feminine and verbal
  forms it covers, and the package is pure Python, maintained, used by Sphinx. Stems are
  memoised per word (a few microseconds each otherwise).

The stemmed terms only ever reach FTS5 as double-quoted strings of ``\\w`` characters
(``fts_string``): whatever a user types ("NEAR", "*", parentheses, quotes) is text, never query
syntax.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

__all__ = [
    "MAX_TERMS",
    "STOP_WORDS",
    "fold",
    "fts_string",
    "stem",
    "terms",
    "words",
]

# A query of more words than this keeps its first ones: a search is a few words, and each term
# is one more FTS5 clause.
MAX_TERMS = 12
# Letters and digits (not "_", which FTS5's unicode61 tokenizer treats as a separator).
_WORD = re.compile(r"[^\W_]+")
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae"})
# The combining marks NFKD splits off Latin letters (the Unicode block "Combining Diacritical
# Marks", U+0300-U+036F, and its supplement): é → e + U+0301.
_COMBINING = re.compile("[\u0300-\u036f\u1dc0-\u1dff]")
# Folded French function words, and the elided forms an apostrophe leaves ("l'", "d'", "qu'").
_STOP_TEXT = """
a au aux avec c ce ces cet cette d dans de des du elle en et est il j l la le les leur leurs
lui m ma mais me mes mon n ne ni nos notre nous on ou par pas pour qu que qui s sa se ses son
sur t ta te tes ton un une vos votre vous y
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_STEMMER = snowballstemmer.stemmer("french")


def fold(text: str) -> str:
    """Case- and accent-folded text: "État Œuvre" → "etat oeuvre"."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return _COMBINING.sub("", decomposed)


def words(text: str) -> list[str]:
    """The folded words of ``text``, stop words included (popular searches check each one)."""
    return _WORD.findall(fold(text))


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball French stem of one folded word (memoised: corpora repeat their words)."""
    stemmed: str = _STEMMER.stemWord(word)
    return stemmed or word


def terms(text: str, *, limit: int | None = None) -> list[str]:
    """The stemmed terms of ``text`` without stop words, in order (duplicates kept, so that an
    indexed text's term frequencies are its words')."""
    found = [stem(w) for w in words(text) if w not in STOP_WORDS]
    return found if limit is None else found[:limit]


def fts_string(term: str) -> str:
    """An FTS5 string literal for one term: ``"…"`` with any ``"`` doubled (FTS5 query syntax,
    "Strings"). Terms come from ``terms`` (``\\w`` only); the doubling is defence in depth."""
    return '"' + term.replace('"', '""') + '"'

"""Highlighted snippets: the passage of a text where a query's terms are densest, as HTML with
each matching word in ``<mark>`` and everything else escaped.

The index holds stems, not the original text (``_search_index``), so FTS5's ``snippet()`` would
show stems; the passage is chosen here instead, from the original text, by stemming its words
the way the index did: a word matches when its stem is one of the query's, or when it starts
with the type-ahead prefix. The text is never trusted: every piece goes through
``html.escape`` (quotes too), and only our own ``<mark>`` and ``</mark>`` are added.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Collection

from ._search_text import fold, stem

__all__ = ["ELLIPSIS", "SNIPPET_CHARS", "highlight", "snippet"]

SNIPPET_CHARS = 180
ELLIPSIS = "…"
_WORD = re.compile(r"[^\W_]+")
_CONTEXT = 30  # characters kept before the first match of the chosen passage
# Matches are looked for in the first characters only: a snippet from deep in a long article
# is rarely the best one, and a page of long articles would cost milliseconds more.
MAX_SCANNED = 8000


@functools.lru_cache(maxsize=65536)
def _folded_and_stem(word: str) -> tuple[str, str]:
    folded = fold(word)
    return folded, stem(folded)


def _matches(text: str, stems: Collection[str], prefix: str | None) -> list[tuple[int, int]]:
    spans = []
    for match in _WORD.finditer(text, 0, MAX_SCANNED):
        folded, stemmed = _folded_and_stem(match.group())
        if stemmed in stems or (prefix and folded.startswith(prefix)):
            spans.append(match.span())
    return spans


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out, at = [], start
    for left, right in spans:
        if left < start or right > end:
            continue
        out.append(html.escape(text[at:left]))
        out.append(f"<mark>{html.escape(text[left:right])}</mark>")
        at = right
    out.append(html.escape(text[at:end]))
    return "".join(out)


def highlight(text: str, stems: Collection[str], *, prefix: str | None = None) -> str:
    """The whole ``text`` (a title) with its matching words marked."""
    return _render(text, _matches(text, stems, prefix), 0, len(text))


def snippet(
    text: str,
    stems: Collection[str],
    *,
    prefix: str | None = None,
    max_chars: int = SNIPPET_CHARS,
) -> str:
    """At most ``max_chars`` of ``text`` around its densest run of matches (its beginning when
    nothing matches), cut at word boundaries, with ``…`` where it was cut."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return highlight(text, stems, prefix=prefix)
    spans = _matches(text, stems, prefix)
    start = 0
    if spans:
        # The window starting at each match; the one covering the most matches wins (the
        # earliest on ties).
        best = max(
            range(len(spans)),
            key=lambda i: (
                sum(1 for s in spans[i:] if s[1] <= spans[i][0] + max_chars - _CONTEXT),
                -i,
            ),
        )
        start = max(0, spans[best][0] - _CONTEXT)
    end = min(len(text), start + max_chars)
    start, end = _word_bounds(text, start, end)
    body = _render(text, spans, start, end)
    return (ELLIPSIS if start > 0 else "") + body + (ELLIPSIS if end < len(text) else "")


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Move ``start`` forward and ``end`` back to whitespace, so no word is cut in two."""
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < end else start
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return start, end

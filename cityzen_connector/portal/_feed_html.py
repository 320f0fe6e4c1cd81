"""Feed HTML → sanitised HTML, plain text, first image; and which URLs an item may carry.

feedparser sanitises the HTML it parses (scripts, event handlers), but with a deny-list of its
own and it lets through what it does not know (a ``javascript:`` URL split by an entity, ``svg``
elements). The HTML the portal inserts in its pages goes through ``nh3`` as well: a binding to
the Rust ``ammonia`` sanitiser, maintained, built on html5ever (the browser-grade HTML5 parser
of Servo), with an allow-list. ``bleach``, the usual alternative, is deprecated by its
maintainers (2023) and rests on html5lib, unmaintained since 2020.

The allow-list is what a news summary needs: paragraphs, line breaks, emphasis, lists, quotes,
sub-headings, links and images. Only ``http``, ``https`` and ``mailto`` URLs are kept (and only
absolute ones: feedparser resolves relative ones against the feed's URL first); links open
without handing the portal's window over (``rel="noopener noreferrer nofollow"``).
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

__all__ = ["first_image", "plain_text", "safe_url", "sanitise_html", "text_lines"]

_TAGS = {
    *("p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small", "mark"),
    *("ul", "ol", "li", "blockquote", "q", "cite", "abbr", "h2", "h3", "h4", "h5", "h6"),
    *("a", "img", "figure", "figcaption", "span", "time"),
}
_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "time": {"datetime"},
}


def _no_hidden_characters(_tag: str, attribute: str, value: str) -> str | None:
    """A URL with a tab or a control character inside ("jav&#x09;ascript:") is dropped: a
    browser strips them, and what it then reads is not what was checked."""
    if attribute not in ("href", "src"):
        return value
    url = value.strip()  # leading and trailing spaces are dropped by URL parsing anyway
    return None if any(ch.isspace() or ord(ch) < 32 for ch in url) else url


_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    attributes=_ATTRIBUTES,
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
    attribute_filter=_no_hidden_characters,
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), attributes={}, strip_comments=True)
# Where a line break or a new block starts, a space keeps two words from sticking together once
# the tags are gone ("<p>a</p><p>b</p>" reads "a b", not "ab").
_BLOCK_EDGE = re.compile(
    r"<\s*(br|/?p|/?div|/?li|/?h[1-6]|/?blockquote|/?tr|/?td|/?th|/?figcaption)\b[^>]*>",
    re.IGNORECASE,
)
_SPACES = re.compile(r"\s+")
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*["']([^"']+)["']""", re.IGNORECASE)


def sanitise_html(fragment: str, *, max_chars: int) -> str:
    """The fragment with only the allow-list left. If it is too long, the HTML is cut and
    sanitised again: the sanitiser closes what the cut left open."""
    clean = _CLEANER.clean(fragment)
    if len(clean) <= max_chars:
        return clean
    shorter = _CLEANER.clean(clean[: max_chars - 64])
    return shorter if len(shorter) <= max_chars else ""


def plain_text(fragment: str, *, max_chars: int | None = None) -> str:
    """Text only: tags dropped (the content of ``script`` and ``style`` with them), entities
    decoded, whitespace collapsed; cut at a word boundary with "…" past ``max_chars``."""
    text = html.unescape(_TEXT_ONLY.clean(_BLOCK_EDGE.sub(" ", fragment)))
    text = _SPACES.sub(" ", text).strip()
    if max_chars is None or len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    if " " in cut[max_chars // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:.") + "…"


def text_lines(fragment: str) -> str:
    """Text only, one line per block (a paragraph, a line break, a list item): where
    "Lieu : ..." ends is then the end of its line."""
    text = html.unescape(_TEXT_ONLY.clean(_BLOCK_EDGE.sub("\n", fragment)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def first_image(fragment: str) -> str | None:
    """The first ``<img>`` of a sanitised fragment whose source is a safe URL."""
    for found in _IMG_SRC.finditer(fragment):
        if url := safe_url(html.unescape(found.group(1))):
            return url
    return None


def safe_url(value: object, *, max_chars: int = 2000) -> str | None:
    """``value`` if it is an absolute ``http(s)`` URL with a host and no control character or
    space; else ``None`` (a ``javascript:`` or ``data:`` link never reaches the portal)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or len(url) > max_chars or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url

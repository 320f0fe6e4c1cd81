"""Decoded feed bytes → feedparser's entries, or the reason the feed is refused.

feedparser reads RSS 0.9x/1.0/2.0 and Atom 0.3/1.0 alike. It is given a ``BytesIO``, never the
bytes or a string: given a string it may take it for a file name or a URL and read that
("Do not pass untrusted strings to this function", its ``parse`` docstring). Headers are ours:
the text is UTF-8 (``_feed_decode`` made it so) and relative links resolve against the URL the
feed finally came from.

A feed is accepted only when it is well-formed XML: feedparser recovers broken documents with a
lenient parser (``bozo``), and a feed cut in the middle would then replace the last good copy
with half of it. Broken is refused; the last good copy stays.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import feedparser

from ._feed_decode import Decoded, Refused

__all__ = ["ParsedFeed", "parse_feed"]


@dataclass(frozen=True)
class ParsedFeed:
    version: str  # rss20, rss10, atom10...
    title: str | None
    entries: Sequence[Mapping[str, Any]] = field(repr=False)
    namespaces: Mapping[str, str] = field(repr=False)


def parse_feed(decoded: Decoded, url: str) -> ParsedFeed | Refused:
    result = feedparser.parse(
        io.BytesIO(decoded.xml),
        response_headers={
            "content-type": "application/xml; charset=utf-8",
            "content-location": url,
        },
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if result.get("bozo"):
        return Refused("malformed")
    version = result.get("version") or ""
    if not version:
        return Refused("not_a_feed")
    feed = result.get("feed") or {}
    title = feed.get("title") if isinstance(feed.get("title"), str) else None
    return ParsedFeed(
        version=version,
        title=title,
        entries=list(result.get("entries") or ()),
        namespaces=dict(result.get("namespaces") or {}),
    )

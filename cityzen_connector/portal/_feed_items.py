"""One feedparser entry → one ``NewsItem`` or ``AgendaItem``, every field normalised.

- id: stable across refreshes and unique across feeds: a hash of the feed's id and the entry's
  own id (RSS ``guid``, Atom ``id``), else its link, else its title and date;
- title and categories: plain text; link and image: absolute ``http(s)`` URLs, or nothing;
- summary: the description (else the content) as sanitised HTML, and as shortened plain text;
- published: the entry's publication (else update) time in UTC, a time without an offset read
  in the town's time zone;
- image: an image enclosure, else ``media:content`` (an image), else ``media:thumbnail``, else
  the first ``<img>`` of the summary or content;
- agenda items: when and where from the event extensions (``_agenda_fields``), else from the
  description's French text (``_agenda_text``), else the publication date as the start. An
  agenda item with no date at all is left out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cityzen_connector.models import AgendaItem, NewsItem

from ._agenda_fields import event_from_extensions
from ._agenda_text import TextEvent, event_from_text, place_from_text
from ._feed_dates import parse_feed_date
from ._feed_html import first_image, plain_text, safe_url, sanitise_html, text_lines

__all__ = ["ItemContext", "agenda_item", "news_item"]

# Bounds of one normalised item: it is kept as one record of the state store, which holds
# 32,000 characters (store.MAX_VALUE_CHARS, an Azure Table property), and a list needs no more.
MAX_TITLE_CHARS = 300
MAX_URL_CHARS = 2000
MAX_SUMMARY_HTML_CHARS = 8000
MAX_SUMMARY_TEXT_CHARS = 600
MAX_CATEGORIES = 10
MAX_CATEGORY_CHARS = 100
MAX_PLACE_CHARS = 300


@dataclass(frozen=True)
class ItemContext:
    feed_id: str
    source: str | None
    zone: ZoneInfo
    now: datetime  # reference for dates written without a year
    namespaces: Mapping[str, str]


def news_item(entry: Mapping[str, Any], ctx: ItemContext) -> NewsItem | None:
    """The entry as a news item, or ``None`` when it has neither a title nor a summary."""
    summary_source = _summary_source(entry)
    summary_html = sanitise_html(summary_source, max_chars=MAX_SUMMARY_HTML_CHARS)
    summary_text = plain_text(summary_html, max_chars=MAX_SUMMARY_TEXT_CHARS)
    title = _title(entry) or plain_text(summary_html, max_chars=80)
    if not title:
        return None
    link = safe_url(entry.get("link"), max_chars=MAX_URL_CHARS)
    return NewsItem(
        id=_item_id(entry, ctx.feed_id, link, title),
        source=ctx.source,
        title=title,
        link=link,
        summary_html=summary_html,
        summary_text=summary_text,
        published=_published(entry, ctx.zone),
        image=_image(entry, summary_html),
        categories=_categories(entry.get("tags")),
    )


def agenda_item(entry: Mapping[str, Any], ctx: ItemContext) -> AgendaItem | None:
    """The entry as an event, or ``None`` when no date says when it is."""
    item = news_item(entry, ctx)
    if item is None:
        return None
    lines = text_lines(_summary_source(entry))
    place = None
    found = event_from_extensions(entry, ctx.namespaces, ctx.zone)
    if found is not None:
        start, end, all_day, place = found.start, found.end, found.all_day, found.place
    elif text_event := _event_from_text(lines, item.title, ctx.zone, item.published or ctx.now):
        start, end, all_day = text_event.start, text_event.end, text_event.all_day
    elif item.published is not None:
        start, end, all_day = item.published, None, False
    else:
        return None
    place = place or place_from_text(lines)
    if place is not None:
        place = plain_text(place, max_chars=MAX_PLACE_CHARS) or None
    return AgendaItem(**item.model_dump(), start=start, end=end, all_day=all_day, place=place)


def _event_from_text(
    lines: str, title: str, zone: ZoneInfo, reference: datetime
) -> TextEvent | None:
    # The description first: a title's date is often the occasion ("Feu d'artifice du 14
    # juillet"), the description's the event ("le 13 juillet 2027 à 22h45").
    return event_from_text(lines, zone, reference) or event_from_text(title, zone, reference)


def _summary_source(entry: Mapping[str, Any]) -> str:
    summary = entry.get("summary")
    if isinstance(summary, str) and summary.strip():
        return summary
    return _content(entry)


def _content(entry: Mapping[str, Any]) -> str:
    """The full content (``content:encoded``, Atom ``content``), if any."""
    for content in entry.get("content") or ():
        value = content.get("value") if isinstance(content, Mapping) else None
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _title(entry: Mapping[str, Any]) -> str:
    title = entry.get("title")
    if not isinstance(title, str):
        return ""
    # RSS titles are often HTML-escaped HTML; feedparser says which (title_detail.type).
    return plain_text(title, max_chars=MAX_TITLE_CHARS)


def _item_id(entry: Mapping[str, Any], feed_id: str, link: str | None, title: str) -> str:
    own = entry.get("id")
    key = own if isinstance(own, str) and own.strip() else link
    if not key:
        key = f"{title}\n{entry.get('published') or entry.get('updated') or ''}"
    return hashlib.sha256(f"{feed_id}\n{key}".encode()).hexdigest()[:32]


def _published(entry: Mapping[str, Any], zone: ZoneInfo) -> datetime | None:
    for raw, parsed in (("published", "published_parsed"), ("updated", "updated_parsed")):
        if found := parse_feed_date(entry.get(raw), zone):
            return found.moment
        value = entry.get(parsed)
        if value is not None:  # feedparser's own reading of a form we do not know (UTC)
            try:
                year, month, day, hour, minute, second = value[:6]
                return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None


def _image(entry: Mapping[str, Any], summary_html: str) -> str | None:
    for url in _image_candidates(entry):
        if found := safe_url(url):
            return found
    return first_image(summary_html) or first_image(
        sanitise_html(_content(entry), max_chars=MAX_SUMMARY_HTML_CHARS)
    )


def _image_candidates(entry: Mapping[str, Any]) -> Iterator[object]:
    """Image enclosures, then ``media:content`` images, then ``media:thumbnail``s."""
    for enclosure in _mappings(entry.get("enclosures")):
        if str(enclosure.get("type", "")).startswith("image/"):
            yield enclosure.get("href")
    for media in _mappings(entry.get("media_content")):
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/"):
            yield media.get("url")
    for thumbnail in _mappings(entry.get("media_thumbnail")):
        yield thumbnail.get("url")


def _mappings(values: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(values, list | tuple):
        yield from (value for value in values if isinstance(value, Mapping))


def _categories(tags: Iterable[Any] | None) -> tuple[str, ...]:
    found: dict[str, str] = {}
    for tag in tags or ():
        if not isinstance(tag, Mapping):
            continue
        term = tag.get("label") or tag.get("term")
        if not isinstance(term, str):
            continue
        text = plain_text(term, max_chars=MAX_CATEGORY_CHARS)
        if text and text.casefold() not in found:
            found[text.casefold()] = text
        if len(found) >= MAX_CATEGORIES:
            break
    return tuple(found.values())

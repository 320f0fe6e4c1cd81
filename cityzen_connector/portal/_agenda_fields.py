"""When and where an event is, from the usual RSS and Atom event extensions.

feedparser keeps an element of a namespace it does not know under ``<prefix>_<name>``, with the
document's own prefix lower-cased; the prefix is looked up from the namespace URI
(``namespaces``), so ``<x:dtstart xmlns:x="urn:ietf:params:xml:ns:xcal">`` is found as well as
``<xCal:dtstart>``. Read, first found first:

- RSS 1.0 mod_event (``http://purl.org/rss/1.0/modules/event/``): ``ev:startdate``,
  ``ev:enddate``, ``ev:location``; W3CDTF dates; an end given as a day is its last day
  (inclusive). WordPress sites using The Events Calendar often add these to their feed (with
  ``2026-12-12 18:00:00`` local times); erssical's ``ev:startDate``/``ev:endDate`` (RFC 822)
  read the same;
- xCal in RSS (``urn:ietf:params:xml:ns:xcal``) and the W3C RDF calendar
  (``http://www.w3.org/2002/12/cal/ical#``): ``dtstart``, ``dtend``, ``location``; an end given
  as a day is exclusive, as iCalendar's ``DTEND;VALUE=DATE`` (RFC 5545 section 3.6.1);
- Google Data in Atom (``http://schemas.google.com/g/2005``): ``gd:when startTime endTime``,
  ``gd:where valueString``.

What none of these gives, the description's French text may (``_agenda_text``); the last
fallback, the item's publication date, is the caller's (The Events Calendar sets ``pubDate``
to the event's start).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ._feed_dates import FeedDate, local_midnight, parse_feed_date

__all__ = ["ExtensionEvent", "event_from_extensions"]

EV = "http://purl.org/rss/1.0/modules/event/"
ERSSICAL = "http://zoggy.frama.io/erssical/doc-event.html#"
XCAL = "urn:ietf:params:xml:ns:xcal"
ICAL = "http://www.w3.org/2002/12/cal/ical#"
GD = "http://schemas.google.com/g/2005"
# (namespace, usual prefix, start, end, place, is a day-only end exclusive?)
_SIMPLE = (
    (EV, "ev", "startdate", "enddate", "location", False),
    (ERSSICAL, "ev", "startdate", "enddate", "location", False),
    (XCAL, "xcal", "dtstart", "dtend", "location", True),
    (ICAL, "ical", "dtstart", "dtend", "location", True),
)


@dataclass(frozen=True)
class ExtensionEvent:
    start: datetime  # UTC
    end: datetime | None  # UTC, exclusive
    all_day: bool
    place: str | None


def _prefixes(namespaces: Mapping[str, str], uri: str, usual: str) -> list[str]:
    found = [p.lower() for p, u in namespaces.items() if u.rstrip("#/") == uri.rstrip("#/") and p]
    return found or [usual]


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def event_from_extensions(
    entry: Mapping[str, Any], namespaces: Mapping[str, str], zone: ZoneInfo
) -> ExtensionEvent | None:
    for uri, usual, start_name, end_name, place_name, exclusive in _SIMPLE:
        for prefix in _prefixes(namespaces, uri, usual):
            start = parse_feed_date(entry.get(f"{prefix}_{start_name}"), zone)
            if start is None:
                continue
            end = parse_feed_date(entry.get(f"{prefix}_{end_name}"), zone)
            place = _text(entry.get(f"{prefix}_{place_name}"))
            return _event(start, end, place, zone, exclusive_day_end=exclusive)
    for prefix in _prefixes(namespaces, GD, "gd"):
        when = entry.get(f"{prefix}_when")
        if isinstance(when, Mapping):
            start = parse_feed_date(when.get("starttime"), zone)
            if start is not None:
                where = entry.get(f"{prefix}_where")
                place = _text(where.get("valuestring")) if isinstance(where, Mapping) else None
                end = parse_feed_date(when.get("endtime"), zone)
                return _event(start, end, place, zone, exclusive_day_end=True)
    return None


def _event(
    start: FeedDate,
    end: FeedDate | None,
    place: str | None,
    zone: ZoneInfo,
    *,
    exclusive_day_end: bool,
) -> ExtensionEvent:
    if end is None:
        last = None
        if start.date_only:  # one whole day
            day = start.moment.astimezone(zone).date()
            last = local_midnight(day + timedelta(days=1), zone)
    elif end.date_only and not exclusive_day_end:
        day = end.moment.astimezone(zone).date()
        last = local_midnight(day + timedelta(days=1), zone)
    else:
        last = end.moment
    if last is not None and last <= start.moment:
        last = None
    return ExtensionEvent(start.moment, last, start.date_only, place)

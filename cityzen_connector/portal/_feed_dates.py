"""Dates as feeds write them → an aware UTC ``datetime``, and whether only a day was given.

Read, in order: RFC 822 / RFC 1123 (RSS 2.0 ``pubDate``: ``Sat, 12 Dec 2026 14:00:00 +0100``),
ISO 8601 and its W3C profile (Atom, Dublin Core, ``ev:startdate``: ``2026-12-12T14:00:00+01:00``,
``2026-12-12``), the iCalendar basic form (xCal: ``20261212T130000Z``, ``20261212``), and the
``2026-12-12 14:00:00`` that WordPress event plugins print. A time without an offset is the
town's local time (``time_zone``, Europe/Paris by default): French CMSs write local times, and
feedparser would take them for UTC, an hour or two off. In a DST gap or overlap the earlier
offset is used (``fold=0``, PEP 495).
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

__all__ = ["FeedDate", "local_midnight", "parse_feed_date"]

_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
# What a calendar needs; anything outside is a typo or a trap (and would overflow the UTC shift).
_FIRST_YEAR, _LAST_YEAR = 1900, 2200


@dataclass(frozen=True)
class FeedDate:
    moment: datetime  # aware, UTC
    date_only: bool


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_feed_date(value: object, zone: ZoneInfo) -> FeedDate | None:  # noqa: PLR0911 - flat
    """``value`` read as a date, or ``None`` when it is not one (or is out of range)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > 64:
        return None
    if _DATE_ONLY.match(text):
        try:
            day = date.fromisoformat(text) if "-" in text else _basic_date(text)
        except ValueError:
            return None
        if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
            return None
        return FeedDate(local_midnight(day, zone), date_only=True)
    moment = _iso(text) or _rfc822(text)
    if moment is None or not _FIRST_YEAR <= moment.year <= _LAST_YEAR:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return FeedDate(moment.astimezone(UTC), date_only=False)


def _basic_date(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _iso(text: str) -> datetime | None:
    # Python 3.11 reads the extended and basic forms, "Z", and a space for the "T".
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc822(text: str) -> datetime | None:
    # Naive when the zone is "-0000" ("no zone information", RFC 5322 section 3.3) or a name
    # Python does not know ("CET"): read as local time, then.
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None

"""When and where an event is, read from the French text of its description.

Many French CMSs (Drupal views, SPIP, municipal WordPress themes, OpenAgenda's embeds) publish
an agenda as plain RSS and write the dates in the description: "Du 12 au 14 décembre 2026",
"Du 28 novembre au 3 décembre 2026", "Samedi 12 décembre 2026 de 14h à 18h", "Le 1er mars à
20h30", "Du 12/12/2026 au 14/12/2026", and the place as "Lieu : Salle des fêtes". This module
reads those habits, and only them: a phrase it does not recognise gives nothing, and the item
falls back to its publication date.

A date without a year takes the reference date's (the item's publication, else now), or the
next year's when that would put it more than six months before the reference ("le 10 janvier"
announced in December).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ._feed_dates import local_midnight

__all__ = ["TextEvent", "event_from_text", "place_from_text"]

_MONTHS = {
    "janv": 1, "fevr": 2, "mars": 3, "avr": 4, "mai": 5, "juin": 6,
    "juil": 7, "aout": 8, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+"
_MONTH = r"(janv(?:ier)?|fevr(?:ier)?|mars|avr(?:il)?|mai|juin|juil(?:let)?|aout|sept(?:embre)?|oct(?:obre)?|nov(?:embre)?|dec(?:embre)?)\.?"  # noqa: E501
_DAY = r"(1er|[0-3]?\d)"
_YEAR = r"(?:\s+(\d{4}))?"
_RANGE = re.compile(
    rf"\bdu\s+(?:{_WEEKDAY})?{_DAY}(?:\s+{_MONTH}{_YEAR})?\s+au\s+(?:{_WEEKDAY})?{_DAY}\s+{_MONTH}{_YEAR}"
)
_NUMERIC_RANGE = re.compile(
    r"\bdu\s+(\d{1,2})/(\d{1,2})/(\d{4})\s+au\s+(\d{1,2})/(\d{1,2})/(\d{4})"
)
_SINGLE = re.compile(rf"(?:\b(?:le\s+)?(?:{_WEEKDAY})?)\b{_DAY}\s+{_MONTH}{_YEAR}\b")
_NUMERIC_SINGLE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# "de 14h à 18h", "à 20h30", ", 14h30 - 17h", "14:00-18:00": an hour needs its "h" or ":".
_HOURS = re.compile(
    r"^[\s,.]*(?:de|a|des|-)?\s*(\d{1,2})\s*[h:]\s*(\d{2})?"
    r"(?:\s*(?:a|-|jusqu['’]a)\s*(\d{1,2})\s*[h:]\s*(\d{2})?)?"
)
_PLACE = re.compile(r"\b(?:lieu|adresse|où)\s*:\s*([^\n]{2,300})", re.IGNORECASE)
_HALF_YEAR = timedelta(days=183)


@dataclass(frozen=True)
class TextEvent:
    start: datetime  # UTC
    end: datetime | None  # UTC, exclusive
    all_day: bool


def _fold(text: str) -> str:
    """Lower case without accents (same length: each accented letter is one letter)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def event_from_text(text: str, zone: ZoneInfo, reference: datetime) -> TextEvent | None:
    """The first date phrase of ``text`` as an event, or ``None``."""
    folded = _fold(text)[:4000]
    found = _range(folded, reference) or _single(folded, reference)
    if found is None:
        return None
    first, last, rest = found
    hours = _HOURS.match(rest)
    try:
        if hours is None:
            return TextEvent(
                local_midnight(first, zone), local_midnight(last + timedelta(days=1), zone), True
            )
        start = _at(first, hours.group(1), hours.group(2), zone)
        end = _at(last, hours.group(3), hours.group(4), zone) if hours.group(3) else None
    except ValueError:  # 25h, 14h75
        return None
    if end is not None and end <= start:
        end = None
    return TextEvent(start, end, False)


def place_from_text(text: str) -> str | None:
    """The text after "Lieu :" (or "Adresse :", "Où :") on its line."""
    found = _PLACE.search(unicodedata.normalize("NFC", text))
    value = found.group(1).strip(" .;,") if found else ""
    return value or None


def _range(folded: str, reference: datetime) -> tuple[date, date, str] | None:
    if numeric := _NUMERIC_RANGE.search(folded):
        n = [int(g) for g in numeric.groups()]
        return _dates((n[2], n[1], n[0]), (n[5], n[4], n[3]), folded[numeric.end() :])
    found = _RANGE.search(folded)
    if found is None:
        return None
    d1, m1, y1, d2, m2, y2 = found.groups()
    last_month = _month(m2)
    last_year = int(y2) if y2 else _year(last_month, _day(d2), reference)
    first_month = _month(m1) if m1 else last_month
    first_year = int(y1) if y1 else last_year - (1 if first_month > last_month else 0)
    return _dates(
        (first_year, first_month, _day(d1)),
        (last_year, last_month, _day(d2)),
        folded[found.end() :],
    )


def _single(folded: str, reference: datetime) -> tuple[date, date, str] | None:
    if numeric := _NUMERIC_SINGLE.search(folded):
        day, month, year = (int(g) for g in numeric.groups())
        return _dates((year, month, day), (year, month, day), folded[numeric.end() :])
    found = _SINGLE.search(folded)
    if found is None:
        return None
    d, m, y = found.groups()
    month, day = _month(m), _day(d)
    year = int(y) if y else _year(month, day, reference)
    return _dates((year, month, day), (year, month, day), folded[found.end() :])


def _dates(
    first: tuple[int, int, int], last: tuple[int, int, int], rest: str
) -> tuple[date, date, str] | None:
    try:
        start, end = date(*first), date(*last)
    except ValueError:  # 31 février
        return None
    if end < start or (end - start).days > 366 or not 1900 <= start.year <= 2200:
        return None
    return start, end, rest[:60]


def _month(text: str) -> int:
    return next(number for prefix, number in _MONTHS.items() if text.startswith(prefix))


def _day(text: str) -> int:
    return 1 if text == "1er" else int(text)


def _year(month: int, day: int, reference: datetime) -> int:
    try:
        candidate = date(reference.year, month, day)
    except ValueError:
        return reference.year
    return reference.year + 1 if candidate < reference.date() - _HALF_YEAR else reference.year


def _at(day: date, hour: str, minute: str | None, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(int(hour), int(minute or 0)), tzinfo=zone)
    return local.astimezone(UTC)

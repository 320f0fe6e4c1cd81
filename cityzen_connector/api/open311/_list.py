"""GET requests' filters and paging, and GET servicerequestupdates' window.

GeoReport v2, "GET Service Requests": ``service_request_id`` (comma-delimited; "if this is
specified, all other parameters are ignored"), ``service_code`` (comma-delimited),
``start_date`` / ``end_date`` (W3C), ``status`` (open, closed, comma-delimited); "default query
limit is a span of 90 days or first 1000 requests returned, whichever is smallest". Paging is
the Open311 pagination extension (``page``, ``page_size``; wiki.open311.org
GeoReport_v2/Extensions, "Pagination"). Requests are listed newest first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from cityzen_connector.sync.intake import FiledRequest

from ._errors import GeoReportError

T = TypeVar("T")
DEFAULT_SPAN = timedelta(days=90)
MAX_RESULTS = 1000
MAX_PAGE, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE = 1000, 100, 50
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_IDS = re.compile(rf"^{_UUID}(,{_UUID}){{0,49}}$")
_CODE = r"[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}"
_CODES = re.compile(rf"^{_CODE}(,{_CODE}){{0,49}}$")
_STATUS = re.compile(r"^(open|closed)(,(open|closed))?$")
# W3C-DTF (the spec's "Date/time format"): the offset is required; a fraction may have up to
# nine digits (a nanosecond clock's, as Perl's DateTime writes them), read to the microsecond.
_W3 = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(\.[0-9]{1,9})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def _instant(query: Mapping[str, str], name: str, problems: list[str]) -> datetime | None:
    text = query.get(name)
    if text is None:
        return None
    # A "+01:00" put unencoded in a query string arrives as " 01:00" (a "+" in a query is a
    # space, HTML's form encoding): the only reading of a space there is the "+" it was.
    if len(text) > 6 and text[-6] == " ":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        found = _W3.match(text)
        if found is None:
            raise ValueError(name)
        stamp, fraction, zone = found.groups()
        fraction = (fraction or "")[:7]  # Python reads six digits at most
        return datetime.fromisoformat(f"{stamp}{fraction}{zone.replace('Z', '+00:00')}")
    except ValueError:
        problems.append(f"{name}: a W3C date and time with its offset")
        return None


def _whole(query: Mapping[str, str], name: str, default: int, top: int, problems: list[str]) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", text) or not 1 <= int(text) <= top:
        problems.append(f"{name}: a whole number, 1 to {top}")
        return default
    return int(text)


@dataclass(frozen=True)
class RequestFilters:
    ids: frozenset[str] | None
    codes: frozenset[str] | None
    start: datetime
    end: datetime
    statuses: frozenset[str]
    page: int
    page_size: int

    @classmethod
    def read(cls, query: Mapping[str, str], now: datetime) -> RequestFilters:
        problems: list[str] = []
        ids = codes = None
        for name, pattern in (("service_request_id", _IDS), ("service_code", _CODES)):
            text = query.get(name)
            if text is not None and not pattern.match(text):
                problems.append(f"{name}: comma-separated, 50 at most")
            elif text is not None:
                found = frozenset(
                    t.lower() if name == "service_request_id" else t for t in text.split(",")
                )
                ids, codes = (found, codes) if name == "service_request_id" else (ids, found)
        status = query.get("status")
        if status is not None and not _STATUS.match(status):
            problems.append("status: open, closed or open,closed")
        start, end = _instant(query, "start_date", problems), _instant(query, "end_date", problems)
        page = _whole(query, "page", 1, MAX_PAGE, problems)
        page_size = _whole(query, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, problems)
        if problems:
            raise GeoReportError("invalid_parameter", *problems)
        end = end or (start + DEFAULT_SPAN if start else now)
        start = start or end - DEFAULT_SPAN
        statuses = frozenset(status.split(",")) if status else frozenset({"open", "closed"})
        return cls(ids, codes, start, end, statuses, page, page_size)

    def page_of(self, views: Sequence[T]) -> list[T]:
        wanted = [v for v in views if getattr(v, "status", "open") in self.statuses]
        wanted = wanted[:MAX_RESULTS]
        first = (self.page - 1) * self.page_size
        return wanted[first : first + self.page_size]


def select(records: Sequence[FiledRequest], filters: RequestFilters) -> list[FiledRequest]:
    """The records the filters keep, newest first (status is filtered on the views)."""
    if filters.ids is not None:
        return [r for r in reversed(records) if r.key.lower() in filters.ids]
    kept = []
    for record in reversed(records):
        at = datetime.fromisoformat(str(record.value.get("requested_at")))
        code = f"{record.value.get('theme')}.{record.value.get('sub_theme')}"
        if not filters.start <= at <= filters.end:
            continue
        if filters.codes is not None and code not in filters.codes:
            continue
        kept.append(record)
    return kept


def updates_window(query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    problems: list[str] = []
    start, end = _instant(query, "start_date", problems), _instant(query, "end_date", problems)
    if problems:
        raise GeoReportError("invalid_parameter", *problems)
    end = end or now
    return start or end - DEFAULT_SPAN, end

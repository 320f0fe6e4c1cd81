"""NCRONTAB schedules as Azure Functions' timer trigger reads them.

Six fields ``{second} {minute} {hour} {day} {month} {day-of-week}``; each ``*``, a value, a range
``a-b``, a step ``*/n`` or ``a-b/n`` or ``a/n``, or a comma list of those. Months and days may be
English names or three-letter abbreviations, case-insensitive; days of week run 0-6 from Sunday.
As in NCrontab, a restricted day-of-month and a restricted day-of-week must BOTH match.
Times are UTC (the Functions default without WEBSITE_TIME_ZONE). References:
https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions
and https://github.com/atifaziz/NCrontab
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cityzen_connector.localhost._errors import CronError

_MONTHS = [
    *("january", "february", "march", "april", "may", "june"),
    *("july", "august", "september", "october", "november", "december"),
]
_DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
# (name, low, high, names for low..)
_FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("second", 0, 59, []),
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 6, _DAYS),
)
_SEARCH_LIMIT = timedelta(days=366 * 5)
_MAX_EXPRESSION = 512


def _value(text: str, field: str, low: int, high: int, names: list[str]) -> int:
    word = text.lower()
    for index, name in enumerate(names):
        if len(word) >= 3 and name.startswith(word):
            return low + index
    if not text.isdigit():
        raise CronError(f"{field} field: {text!r} is not a number or a name")
    number = int(text)
    if not low <= number <= high:
        raise CronError(f"{field} field: {number} is outside {low}-{high}")
    return number


def _parse_field(text: str, field: str, low: int, high: int, names: list[str]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{field} field: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            start, stop = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _value(first, field, low, high, names)
            stop = _value(last, field, low, high, names)
            if start > stop:
                raise CronError(f"{field} field: range {base!r} runs backwards")
        else:
            start = _value(base, field, low, high, names)
            # "a/n" means from a to the end of the field, every n (NCrontab, cron).
            stop = high if slash else start
        values.update(range(start, stop + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed NCRONTAB expression; ``next_after`` gives the next occurrence."""

    expression: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        if len(expression) > _MAX_EXPRESSION:
            raise CronError("schedule expression is too long")
        fields = expression.split()
        if len(fields) == 1 and re.fullmatch(r"\d+:\d{2}:\d{2}", expression.strip()):
            raise CronError("TimeSpan schedules (hh:mm:ss) run only on App Service plans; use CRON")
        if len(fields) != 6:
            hint = " (add the leading {second} field)" if len(fields) == 5 else ""
            raise CronError(f"schedule needs 6 fields, got {len(fields)}{hint}")
        parsed = [
            _parse_field(text, name, low, high, names)
            for text, (name, low, high, names) in zip(fields, _FIELDS, strict=True)
        ]
        schedule = cls(expression, *parsed)
        schedule.next_after(datetime(2000, 1, 1, tzinfo=UTC))  # refuses "31 Feb"-style dates
        return schedule

    def matches(self, moment: datetime) -> bool:
        return (
            moment.second in self.seconds
            and moment.minute in self.minutes
            and moment.hour in self.hours
            and self._day_matches(moment)
        )

    def _day_matches(self, moment: datetime) -> bool:
        weekday = (moment.weekday() + 1) % 7  # Python: Monday=0; NCRONTAB: Sunday=0
        return moment.month in self.months and moment.day in self.days and weekday in self.weekdays

    def next_after(self, moment: datetime) -> datetime:
        """The first occurrence strictly after ``moment`` (aware; computed in UTC)."""
        if moment.tzinfo is None:
            raise ValueError("next_after needs a timezone-aware datetime")
        start = moment.astimezone(UTC).replace(microsecond=0) + timedelta(seconds=1)
        limit = start + _SEARCH_LIMIT
        current = start
        while current <= limit:
            if not self._day_matches(current):
                current = (current + timedelta(days=1)).replace(hour=0, minute=0, second=0)
            elif current.hour not in self.hours:
                current = (current + timedelta(hours=1)).replace(minute=0, second=0)
            elif current.minute not in self.minutes:
                current = (current + timedelta(minutes=1)).replace(second=0)
            elif current.second not in self.seconds:
                current += timedelta(seconds=1)
            else:
                return current
        raise CronError(f"schedule {self.expression!r} never fires")

    def min_interval(self, after: datetime) -> timedelta:
        """Gap between the next two occurrences (Azure's useMonitor default looks at it)."""
        first = self.next_after(after)
        return self.next_after(first) - first

"""Dataverse query functions in ``$filter`` (``Microsoft.Dynamics.CRM.In(PropertyName=…,
PropertyValues=[…])``): "Filter rows using OData", Dataverse query functions (Microsoft Learn,
power-apps/developer/data-platform/webapi/query/filter-rows), and each function's page of the
Web API reference (power-apps/developer/data-platform/webapi/reference/<name>).

Emulated: ``In``/``NotIn`` ("whether the value exists in a list of values"),
``Between``/``NotBetween``, ``EqualUserId``/``NotEqualUserId`` and ``EqualBusinessId``/
``NotEqualBusinessId`` (the caller and the caller's business unit), and the day functions
``Today``, ``Yesterday``, ``Tomorrow``, ``On``, ``OnOrAfter``, ``OnOrBefore``, ``Last7Days``,
``LastXDays``, ``Next7Days``, ``NextXDays``. Microsoft documents each day function in one line
("The value is within last X days"); the emulator reads them with whole days, as Advanced
Find does: ``LastXDays(3)`` runs from midnight three days ago to now, ``NextXDays(3)`` from now
to the end of the third day ahead. Days are UTC days: the emulator's users have no time zone
(Dataverse uses each user's time zone setting). Every other documented function is refused by
name; an unknown name is refused as Microsoft's OData library refuses it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._filter import ArrayLiteral, Literal, Path, QueryFunction
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._sql_types import format_datetime

_PAGE = "Filter rows using OData, Dataverse query functions"
# Every function "Filter rows using OData" lists (Dates, Id values, Hierarchy, Choices columns,
# Between, In, Language) and the full-text Contains it names.
DOCUMENTED = frozenset(
    """InFiscalPeriod InFiscalPeriodAndYear InFiscalYear InOrAfterFiscalPeriodAndYear
    InOrBeforeFiscalPeriodAndYear Last7Days LastFiscalPeriod LastFiscalYear LastMonth
    LastWeek LastXDays LastXFiscalPeriods LastXFiscalYears LastXHours LastXMonths LastXWeeks
    LastXYears LastYear Next7Days NextFiscalPeriod NextFiscalYear NextMonth NextWeek
    NextXDays NextXFiscalPeriods NextXFiscalYears NextXHours NextXMonths NextXWeeks
    NextXYears NextYear OlderThanXDays OlderThanXHours OlderThanXMinutes OlderThanXMonths
    OlderThanXWeeks OlderThanXYears On OnOrAfter OnOrBefore ThisFiscalPeriod ThisFiscalYear
    ThisMonth ThisWeek ThisYear Today Tomorrow Yesterday EqualBusinessId EqualUserId
    NotEqualBusinessId NotEqualUserId Above AboveOrEqual EqualUserOrUserHierarchy
    EqualUserOrUserHierarchyAndTeams EqualUserOrUserTeams EqualUserTeams NotUnder Under
    UnderOrEqual ContainValues DoesNotContainValues Between NotBetween In NotIn
    EqualUserLanguage Contains""".split()  # noqa: SIM905 - the page's list, as it reads
)


class Column(Protocol):
    """A compiled column (``_sql.Column``): SQL, parameters, Edm type, attribute name."""

    sql: str
    params: list[Any]
    edm: str
    name: str

    @property
    def collated(self) -> str: ...


class FilterCompiler(Protocol):
    """What a query function needs of ``_sql.FilterCompiler``."""

    entity: Entity
    env: QueryEnv | None

    def column(self, path: Path) -> Column: ...


@dataclass(frozen=True)
class QueryEnv:
    """What the functions compare with: the caller, the caller's business unit, now."""

    caller_id: str
    business_unit_id: str | None
    now: datetime


def compile_function(compiler: FilterCompiler, node: QueryFunction, params: list[Any]) -> str:
    name = node.name
    handler = _HANDLERS.get(name)
    if handler is None:
        if name in DOCUMENTED:
            raise err.not_emulated(f"the query function Microsoft.Dynamics.CRM.{name}", _PAGE)
        raise err.query_error(
            f"An unknown function with name 'Microsoft.Dynamics.CRM.{name}' was found. This may "
            "also be a function import or a key lookup on a navigation property, which is not "
            "allowed."
        )
    env = compiler.env
    if env is None:
        raise err.not_emulated(f"Microsoft.Dynamics.CRM.{name} in this query", _PAGE)
    col = _property(compiler, node)
    return handler(col, node, env, params)  # each use of the column adds its parameters


def _property(compiler: FilterCompiler, node: QueryFunction) -> Column:
    raw = node.param("PropertyName")
    if not isinstance(raw, Literal) or raw.edm != "Edm.String":
        raise err.query_error(f"Microsoft.Dynamics.CRM.{node.name} needs a PropertyName string.")
    parts = tuple(str(raw.value).split("/"))
    scope = compiler.entity
    if len(parts) == 1 and (attr := scope.attributes.get(parts[0])) and attr.is_lookup:
        parts = (f"_{attr.name}_value",)  # PropertyName names a lookup by its logical name
    return compiler.column(Path(parts))


def _values(col: Column, node: QueryFunction, count: int | None = None) -> list[Any]:
    raw = node.param("PropertyValues")
    if not isinstance(raw, ArrayLiteral) or not raw.items or (count and len(raw.items) != count):
        wanted = f"{count} values" if count else "a non-empty list of values"
        raise err.query_error(f"Microsoft.Dynamics.CRM.{node.name} needs PropertyValues: {wanted}.")
    return [_typed(col, item, node.name) for item in raw.items]


def _typed(col: Column, item: Literal, name: str) -> Any:
    """PropertyValues are Collection(Edm.String): each is read as the column's type."""
    text = str(item.value)
    try:
        if col.edm in ("Edm.Int32", "Edm.Int64"):
            return int(text)
        if col.edm in ("Edm.Decimal", "Edm.Double"):
            return float(text)
        if col.edm == "Edm.Guid":
            return str(uuid.UUID(text))
        if col.edm == "Edm.Boolean":
            return {"true": 1, "false": 0, "1": 1, "0": 0}[text.lower()]
    except (ValueError, KeyError):
        raise err.bad_request(
            f"Microsoft.Dynamics.CRM.{name}: '{text[:50]}' is not a value of '{col.name}'."
        ) from None
    if col.edm == "Edm.DateTimeOffset":
        return format_datetime(_instant(text, name))
    return text


def _instant(text: str, name: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise err.bad_request(f"Microsoft.Dynamics.CRM.{name}: '{text[:50]}' is no date.") from None


def _target(col: Column) -> str:
    return f"lower({col.sql})" if col.edm == "Edm.Guid" else col.collated


def _in(col: Column, node: QueryFunction, env: QueryEnv, params: list[Any]) -> str:
    values = _values(col, node)
    params.extend([*col.params, *values])
    negated = "NOT " if node.name == "NotIn" else ""
    return f"({_target(col)} {negated}IN ({', '.join('?' for _ in values)}))"


def _between(col: Column, node: QueryFunction, env: QueryEnv, params: list[Any]) -> str:
    params.extend([*col.params, *_values(col, node, 2)])
    negated = "NOT " if node.name == "NotBetween" else ""
    return f"({_target(col)} {negated}BETWEEN ? AND ?)"


def _identity(col: Column, node: QueryFunction, env: QueryEnv, params: list[Any]) -> str:
    if col.edm != "Edm.Guid":
        raise err.query_error(f"Microsoft.Dynamics.CRM.{node.name} needs a lookup or id column.")
    value = env.caller_id if node.name.endswith("UserId") else env.business_unit_id
    params.extend([*col.params, value])
    return f"(lower({col.sql}) {'!=' if node.name.startswith('Not') else '='} ?)"


def _days(col: Column, node: QueryFunction, env: QueryEnv, params: list[Any]) -> str:
    """A range of whole UTC days (``[start, end)``), or up to/from now for Last/Next."""
    if col.edm not in ("Edm.DateTimeOffset", "Edm.Date"):
        raise err.query_error(f"Microsoft.Dynamics.CRM.{node.name} needs a date column.")
    today = datetime.combine(env.now.astimezone(UTC).date(), time(), UTC)
    day = timedelta(days=1)
    start: datetime | None
    end: datetime | None
    name = node.name
    if name in ("Today", "Yesterday", "Tomorrow"):
        start = today + {"Today": 0, "Yesterday": -1, "Tomorrow": 1}[name] * day
        end = start + day
    elif name in ("On", "OnOrAfter", "OnOrBefore"):
        raw = node.param("PropertyValue")
        if not isinstance(raw, Literal) or not isinstance(raw.value, date | str):
            raise err.query_error(f"Microsoft.Dynamics.CRM.{name} needs a PropertyValue date.")
        value = raw.value if isinstance(raw.value, date) else _instant(str(raw.value), name)
        first = datetime.combine(
            value.date() if isinstance(value, datetime) else value, time(), UTC
        )
        start = None if name == "OnOrBefore" else first
        end = None if name == "OnOrAfter" else first + day
    else:
        count = 7 if "7" in name else _count(node)
        if name.startswith("Last"):
            start, end = today - count * day, env.now
        else:
            start, end = env.now, today + (count + 1) * day
    # A date-only value is that day's midnight, so both kinds compare as instants.
    value_sql = f"({col.sql} || 'T00:00:00Z')" if col.edm == "Edm.Date" else col.sql
    clauses = []
    if start is not None:
        clauses.append(f"{value_sql} >= ?")
        params.extend([*col.params, format_datetime(start)])
    if end is not None:
        inclusive = name.startswith("Last")  # up to now, now included
        clauses.append(f"{value_sql} {'<=' if inclusive else '<'} ?")
        params.extend([*col.params, format_datetime(end)])
    return "(" + " AND ".join(clauses) + ")"


def _count(node: QueryFunction) -> int:
    raw = node.param("PropertyValue")
    if not isinstance(raw, Literal) or not isinstance(raw.value, int) or raw.value < 0:
        raise err.query_error(f"Microsoft.Dynamics.CRM.{node.name} needs a PropertyValue count.")
    return raw.value


_HANDLERS = {
    "In": _in,
    "NotIn": _in,
    "Between": _between,
    "NotBetween": _between,
    "EqualUserId": _identity,
    "NotEqualUserId": _identity,
    "EqualBusinessId": _identity,
    "NotEqualBusinessId": _identity,
    **dict.fromkeys(
        [
            "Today",
            "Yesterday",
            "Tomorrow",
            "On",
            "OnOrAfter",
            "OnOrBefore",
            "Last7Days",
            "LastXDays",
            "Next7Days",
            "NextXDays",
        ],
        _days,
    ),
}

__all__ = ["DOCUMENTED", "QueryEnv", "compile_function"]

"""A small query builder: ``$select``, ``$filter``, ``$orderby``, ``$top``, ``$expand``,
``$count``. Filters are built from typed functions only; values become escaped literals.

>>> where = eq("emailaddress1", "o'brien@example.org") & gt("createdon", some_datetime)
>>> Query("contacts").select("fullname").where(where).top(10)
>>> Query("teams").where(any_("teammembership_association", lambda u: eq(u("isdisabled"), False)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Self

from ._errors import InvalidRequestError
from ._odata import Literal, check_name, check_path, literal

__all__ = [
    "Expand",
    "Filter",
    "LambdaVariable",
    "Query",
    "all_",
    "and_",
    "any_",
    "contains",
    "endswith",
    "eq",
    "ge",
    "gt",
    "in_",
    "le",
    "lt",
    "ne",
    "not_",
    "or_",
    "startswith",
]


@dataclass(frozen=True)
class Filter:
    """A ``$filter`` expression. Build it with ``eq``, ``contains``, ``&``, ``|``, ``~``."""

    text: str

    def __and__(self, other: Filter) -> Filter:
        return and_(self, other)

    def __or__(self, other: Filter) -> Filter:
        return or_(self, other)

    def __invert__(self) -> Filter:
        return not_(self)


def _compare(op: str, column: str, value: Literal) -> Filter:
    return Filter(f"{check_path(column)} {op} {literal(value)}")


def eq(column: str, value: Literal) -> Filter:
    return _compare("eq", column, value)


def ne(column: str, value: Literal) -> Filter:
    return _compare("ne", column, value)


def gt(column: str, value: Literal) -> Filter:
    return _compare("gt", column, value)


def ge(column: str, value: Literal) -> Filter:
    return _compare("ge", column, value)


def lt(column: str, value: Literal) -> Filter:
    return _compare("lt", column, value)


def le(column: str, value: Literal) -> Filter:
    return _compare("le", column, value)


def _string_function(name: str, column: str, value: str) -> Filter:
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name}() takes a string value")
    return Filter(f"{name}({check_path(column)},{literal(value)})")


def contains(column: str, value: str) -> Filter:
    return _string_function("contains", column, value)


def startswith(column: str, value: str) -> Filter:
    return _string_function("startswith", column, value)


def endswith(column: str, value: str) -> Filter:
    return _string_function("endswith", column, value)


def in_(column: str, values: Sequence[Literal]) -> Filter:
    """``Microsoft.Dynamics.CRM.In`` (Dataverse query function) as an ``or`` of ``eq``s,
    which every OData service understands."""
    if not values:
        raise InvalidRequestError("in_() needs at least one value")
    return or_(*(eq(column, v) for v in values))


@dataclass(frozen=True)
class LambdaVariable:
    """A member of the collection inside ``any_``/``all_``: ``m("lastname")`` is the path
    ``m/lastname``, ``m("nav")`` a nested collection for another lambda."""

    name: str

    def __call__(self, column: str) -> str:
        return f"{self.name}/{check_path(column)}"


def any_(
    navigation: str,
    where: Callable[[LambdaVariable], Filter] | None = None,
    *,
    var: str = "m",
) -> Filter:
    """``navigation/any(m:…)``: rows with at least one related row matching ``where``, or with
    any related row at all without it (Microsoft Learn, "Filter rows using OData", lambda
    operators). ``navigation`` is a collection-valued navigation property."""
    if where is None:
        return Filter(f"{check_path(navigation, 'navigation property')}/any()")
    return _lambda("any", navigation, where, var)


def all_(navigation: str, where: Callable[[LambdaVariable], Filter], *, var: str = "m") -> Filter:
    """``navigation/all(m:…)``: rows whose related rows all match ``where`` (a row without
    related rows does)."""
    return _lambda("all", navigation, where, var)


def _lambda(
    op: str, navigation: str, where: Callable[[LambdaVariable], Filter], var: str
) -> Filter:
    path = check_path(navigation, "navigation property")
    variable = LambdaVariable(check_name(var, "lambda variable"))
    if var in ("and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "null", "true", "false"):
        raise InvalidRequestError(f"invalid lambda variable: {var!r} is an OData keyword")
    condition = where(variable)
    if not isinstance(condition, Filter):
        raise InvalidRequestError(f"{op}_() needs a function returning a Filter")
    return Filter(f"{path}/{op}({variable.name}:{condition.text})")


def and_(*filters: Filter) -> Filter:
    return _join("and", filters)


def or_(*filters: Filter) -> Filter:
    return _join("or", filters)


def not_(inner: Filter) -> Filter:
    return Filter(f"not ({inner.text})")


def _join(op: str, filters: Sequence[Filter]) -> Filter:
    if not filters or not all(isinstance(f, Filter) for f in filters):
        raise InvalidRequestError(f"{op} needs Filter values")
    if len(filters) == 1:
        return filters[0]
    return Filter(f" {op} ".join(f"({f.text})" for f in filters))


@dataclass(frozen=True)
class Expand:
    """``$expand`` of one navigation property, with its own ``$select``/``$filter``/``$top``."""

    navigation: str
    select: tuple[str, ...] = ()
    filter: Filter | None = None
    top: int | None = None

    def render(self) -> str:
        options = []
        if self.select:
            options.append("$select=" + ",".join(check_path(c) for c in self.select))
        if self.filter is not None:
            options.append("$filter=" + self.filter.text)
        if self.top is not None:
            options.append(f"$top={_positive(self.top, '$top')}")
        name = check_name(self.navigation, "navigation property")
        return f"{name}({';'.join(options)})" if options else name


def _positive(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequestError(f"{what} must be a positive integer")
    return value


@dataclass(frozen=True)
class Query:
    """An immutable query on one entity set; each method returns a new query."""

    entity_set: str
    columns: tuple[str, ...] = ()
    filter: Filter | None = None
    order: tuple[str, ...] = ()
    limit: int | None = None
    expands: tuple[Expand, ...] = ()
    with_count: bool = False

    def __post_init__(self) -> None:
        check_name(self.entity_set, "entity set name")

    def select(self, *columns: str) -> Self:
        return replace(self, columns=self.columns + tuple(check_path(c) for c in columns))

    def where(self, condition: Filter) -> Self:
        if not isinstance(condition, Filter):
            raise InvalidRequestError("where() takes a Filter built with eq(), contains()...")
        return replace(self, filter=condition if self.filter is None else self.filter & condition)

    def order_by(self, column: str, *, descending: bool = False) -> Self:
        term = check_path(column) + (" desc" if descending else " asc")
        return replace(self, order=(*self.order, term))

    def top(self, count: int) -> Self:
        return replace(self, limit=_positive(count, "$top"))

    def expand(
        self,
        navigation: str,
        *,
        select: Iterable[str] = (),
        filter: Filter | None = None,
        top: int | None = None,
    ) -> Self:
        item = Expand(check_name(navigation, "navigation property"), tuple(select), filter, top)
        item.render()  # validate now, not at send time
        return replace(self, expands=(*self.expands, item))

    def count(self) -> Self:
        return replace(self, with_count=True)

    def params(self) -> list[tuple[str, str]]:
        """The system query options, in a stable order."""
        out: list[tuple[str, str]] = []
        if self.columns:
            out.append(("$select", ",".join(self.columns)))
        if self.filter is not None:
            out.append(("$filter", self.filter.text))
        if self.order:
            out.append(("$orderby", ",".join(self.order)))
        if self.limit is not None:
            out.append(("$top", str(self.limit)))
        if self.expands:
            out.append(("$expand", ",".join(e.render() for e in self.expands)))
        if self.with_count:
            out.append(("$count", "true"))
        return out

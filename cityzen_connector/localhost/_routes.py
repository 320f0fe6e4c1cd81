"""HTTP trigger route templates, matched as ASP.NET Core routing does for the Functions host.

Supported: literal segments (case-insensitive), ``{name}``, ``{name?}`` (last segment),
``{*name}`` catch-all (last segment) and inline constraints ``{id:guid}``, ``{n:int}``,
``{n:min(1)}``, ``{s:length(2,8)}``, ``{s:regex(^a+$)}``... Reference:
https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-constraints
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from cityzen_connector.localhost._errors import AppLoadError

_CONSTRAINT = re.compile(r"([a-zA-Z]+)(?:\((.*)\))?")
_INT64 = (-(2**63), 2**63 - 1)

Check = Callable[[str], bool]


def _is_int(value: str, bounds: tuple[int, int]) -> bool:
    if not re.fullmatch(r"[+-]?\d+", value):
        return False
    return bounds[0] <= int(value) <= bounds[1]


def _is_decimal(value: str) -> bool:
    try:
        Decimal(value)
    except InvalidOperation:
        return False
    return bool(re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", value))


def _is_guid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _int_args(name: str, args: str, count: int) -> list[int]:
    try:
        values = [int(a) for a in args.split(",")]
    except ValueError as exc:
        raise AppLoadError(f"route constraint {name}({args}) needs integers") from exc
    if len(values) not in (count, 1 if name == "length" else count):
        raise AppLoadError(f"route constraint {name}({args}) has the wrong number of arguments")
    return values


def _constraint(text: str) -> Check:
    match = _CONSTRAINT.fullmatch(text)
    if match is None:
        raise AppLoadError(f"route constraint {text!r} is not understood")
    name, args = match.group(1).lower(), match.group(2) or ""
    simple: Mapping[str, Check] = {
        "int": lambda v: _is_int(v, (-(2**31), 2**31 - 1)),
        "long": lambda v: _is_int(v, _INT64),
        "bool": lambda v: v.lower() in ("true", "false"),
        "guid": _is_guid,
        "alpha": lambda v: re.fullmatch(r"[A-Za-z]+", v) is not None,
        "decimal": _is_decimal,
        "double": _is_decimal,
        "float": _is_decimal,
        "datetime": _is_datetime,
    }
    if name in simple and not args:
        return simple[name]
    if name == "regex" and args:
        try:
            pattern = re.compile(args, re.IGNORECASE)
        except re.error as exc:
            raise AppLoadError(f"route constraint regex({args}) is not a valid regex") from exc
        return lambda v: pattern.search(v) is not None
    if name in ("min", "max", "minlength", "maxlength"):
        (bound,) = _int_args(name, args, 1)
        return {
            "min": lambda v: _is_int(v, _INT64) and int(v) >= bound,
            "max": lambda v: _is_int(v, _INT64) and int(v) <= bound,
            "minlength": lambda v: len(v) >= bound,
            "maxlength": lambda v: len(v) <= bound,
        }[name]
    if name in ("range", "length"):
        values = _int_args(name, args, 2)
        low, high = (values[0], values[0]) if len(values) == 1 else (values[0], values[1])
        if name == "range":
            return lambda v: _is_int(v, _INT64) and low <= int(v) <= high
        return lambda v: low <= len(v) <= high
    raise AppLoadError(f"route constraint {text!r} is not supported")


def _split_constraints(text: str) -> list[str]:
    """``int:min(1)`` → ``["int", "min(1)"]``; colons inside parentheses stay (regexes)."""
    if not text:
        return []
    items, current, depth = [], "", 0
    for char in text:
        if char == ":" and depth == 0:
            items.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    items.append(current)
    return items


@dataclass(frozen=True)
class _Param:
    group: str
    name: str
    checks: tuple[Check, ...]


class RouteTemplate:
    """One compiled route: ``match(path)`` returns the route parameters or None."""

    def __init__(self, prefix: str, route: str) -> None:
        self.template = "/" + "/".join(p for p in (prefix.strip("/"), route.strip("/")) if p)
        self._params: list[_Param] = []
        segments = [s for s in self.template.split("/") if s]
        ranks: list[int] = []
        pattern = ""
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            regex, rank = self._segment(segment, last)
            pattern += regex
            ranks.append(rank)
        self._regex = re.compile((pattern or "/?") + "/?", re.IGNORECASE)
        # ASP.NET precedence: literals before constrained parameters before plain ones before
        # catch-alls, segment by segment.
        self.precedence = (*ranks, 9)

    def _segment(self, segment: str, last: bool) -> tuple[str, int]:
        parts = self._tokens(segment)
        params = [value for kind, value in parts if kind == "param"]
        if not params:
            return "/" + re.escape(parts[0][1] if parts else ""), 0
        regex, rank = "", 2
        for kind, value in parts:
            if kind == "literal":
                regex += re.escape(value)
                continue
            catch_all = value.startswith("*")
            optional = value.endswith("?")
            body = value.lstrip("*").rstrip("?")
            name, _, constraint_text = body.partition(":")
            if not name.isidentifier():
                raise AppLoadError(f"route {self.template!r}: bad parameter name {name!r}")
            if (catch_all or optional) and not (last and len(parts) == 1):
                raise AppLoadError(f"route {self.template!r}: {{{body}}} must be the last segment")
            group = f"p{len(self._params)}"
            checks = tuple(_constraint(c) for c in _split_constraints(constraint_text))
            self._params.append(_Param(group, name, checks))
            if catch_all:
                return f"(?:/(?P<{group}>.*))?", 4
            if optional:
                return f"(?:/(?P<{group}>[^/]+))?", 3
            regex += f"(?P<{group}>[^/]+?)" if len(params) > 1 else f"(?P<{group}>[^/]+)"
            rank = min(rank, 1 if checks else 2)
        return "/" + regex, rank

    def _tokens(self, segment: str) -> list[tuple[str, str]]:
        """Split a segment into literals and parameter bodies; ``{{``/``}}`` escape braces."""
        parts: list[tuple[str, str]] = []
        literal, index, size = "", 0, len(segment)
        while index < size:
            char = segment[index]
            doubled = segment[index + 1 : index + 2] == char
            if char in "{}" and doubled:
                literal, index = literal + char, index + 2
            elif char == "}":
                raise AppLoadError(f"route {self.template!r}: unbalanced braces")
            elif char == "{":
                body, index = self._parameter(segment, index + 1)
                if literal:
                    parts.append(("literal", literal))
                parts.append(("param", body))
                literal = ""
            else:
                literal, index = literal + char, index + 1
        if literal:
            parts.append(("literal", literal))
        return parts

    def _parameter(self, segment: str, index: int) -> tuple[str, int]:
        body = ""
        while index < len(segment):
            char = segment[index]
            doubled = segment[index + 1 : index + 2] == char
            if char in "{}" and doubled:
                body, index = body + char, index + 2
            elif char == "}":
                return body, index + 1
            elif char == "{":
                break
            else:
                body, index = body + char, index + 1
        raise AppLoadError(f"route {self.template!r}: unbalanced braces")

    def match(self, path: str) -> dict[str, str] | None:
        found = self._regex.fullmatch(path)
        if found is None:
            return None
        values: dict[str, str] = {}
        for param in self._params:
            value = found.group(param.group)
            if value is None:
                continue
            if not all(check(value) for check in param.checks):
                return None
            values[param.name] = value
        return values

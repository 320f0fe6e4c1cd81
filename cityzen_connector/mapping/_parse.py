"""Parse one column's TOML inline table into an expression, or say exactly what is wrong."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import ExpressionError
from ._expressions import (
    BindId,
    BindKey,
    BindWhere,
    Blob,
    Const,
    Copy,
    DateOnly,
    DateTimeUtc,
    Expression,
    Option,
    Ref,
    Template,
    Uuid5,
    describe,
)
from ._normalise import NORMALISERS
from ._scope import path_problem

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# Keys each kind accepts besides its own kind key.
_OPTIONS: Mapping[str, frozenset[str]] = {
    "copy": frozenset({"normalise", "required", "max_length"}),
    "template": frozenset({"normalise", "required", "max_length"}),
    "option": frozenset({"map", "default", "required"}),
    "date": frozenset({"required"}),
    "datetime": frozenset({"required"}),
    "const": frozenset(),
    "uuid5": frozenset({"namespace"}),
    "blob": frozenset(),
    "ref": frozenset(),
    "bind": frozenset({"id", "key", "where", "required"}),
}
KINDS = tuple(_OPTIONS)


def parse_expression(raw: object, *, per_attachment: bool) -> Expression:
    if not isinstance(raw, dict):
        raise ExpressionError(
            'expected an inline table such as { copy = "submission.subject" },'
            f" got {describe(raw)}"
        )
    kinds = [name for name in raw if name in _OPTIONS]
    if not kinds:
        unknown = next(iter(raw), "")
        raise ExpressionError(
            f"unknown expression '{unknown}' (expected one of: {', '.join(KINDS)})"
            if unknown
            else "empty expression"
        )
    if len(kinds) > 1:
        raise ExpressionError(f"one expression per column, got {', '.join(kinds)}")
    kind = kinds[0]
    for name in raw:
        if name != kind and name not in _OPTIONS[kind]:
            raise ExpressionError(f"unknown option '{name}' for '{kind}'", name)
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise ExpressionError("must be true or false", "required")
    return _PARSERS[kind](raw, required, per_attachment)


def _path(raw: Mapping[str, Any], name: str, per_attachment: bool) -> str:
    value = raw.get(name)
    if not isinstance(value, str):
        raise ExpressionError(f"expected a field path string, got {describe(value)}", name)
    problem = path_problem(value, per_attachment=per_attachment)
    if problem:
        raise ExpressionError(problem, name)
    return value


def _normalisers(raw: Mapping[str, Any]) -> tuple[str, ...]:
    names = raw.get("normalise", [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExpressionError("expected a list of normaliser names", "normalise")
    for name in names:
        if name not in NORMALISERS:
            known = ", ".join(sorted(NORMALISERS))
            raise ExpressionError(f"unknown normaliser '{name}' (known: {known})", "normalise")
    return tuple(names)


def _max_length(raw: Mapping[str, Any]) -> int | None:
    value = raw.get("max_length")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 2 <= value <= 1_048_576:
        raise ExpressionError("must be an integer between 2 and 1048576", "max_length")
    return value


def _copy(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    sources = raw["copy"]
    if isinstance(sources, list) and sources:
        paths = tuple(_path({"copy": path}, "copy", per_attachment) for path in sources)
    else:
        paths = (_path(raw, "copy", per_attachment),)
    return Copy(paths, _normalisers(raw), required, _max_length(raw))


def _template(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    text = raw["template"]
    if not isinstance(text, str):
        raise ExpressionError(f"expected a string, got {describe(text)}", "template")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ExpressionError(f"invalid template: {exc}", "template") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion:
            raise ExpressionError("placeholders take no format spec or conversion", "template")
        problem = path_problem(name, per_attachment=per_attachment)
        if problem:
            raise ExpressionError(problem, "template")
    return Template(text, _normalisers(raw), required, _max_length(raw))


def _option(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    mapping = raw.get("map")
    if not isinstance(mapping, dict) or not mapping:
        raise ExpressionError("expected a table of value = option number", "map")
    for name, number in mapping.items():
        if not isinstance(number, int) or isinstance(number, bool):
            raise ExpressionError(f"option value for '{name}' must be an integer", "map")
    default = raw.get("default")
    if default is not None and (not isinstance(default, int) or isinstance(default, bool)):
        raise ExpressionError("must be an integer", "default")
    path = _path(raw, "option", per_attachment)
    return Option(path=path, map=tuple(sorted(mapping.items())), default=default, required=required)


def _date(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    return DateOnly(path=_path(raw, "date", per_attachment), required=required)


def _datetime(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    return DateTimeUtc(path=_path(raw, "datetime", per_attachment), required=required)


def _const(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    value = raw["const"]
    if not isinstance(value, str | int | float | bool):
        raise ExpressionError(f"expected a string, number or boolean, got {describe(value)}")
    return Const(value)


def _uuid5(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    return Uuid5(_path(raw, "uuid5", per_attachment), _path(raw, "namespace", per_attachment))


def _blob(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    if raw["blob"] != "attachment":
        raise ExpressionError('the only blob source is "attachment"', "blob")
    if not per_attachment:
        raise ExpressionError('blob is only available with for_each = "attachments"', "blob")
    return Blob()


def _ref(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    target = raw["ref"]
    if not isinstance(target, str) or not _NAME.match(target):
        raise ExpressionError(f"expected a target name, got {describe(target)}", "ref")
    return Ref(target)


def _bind(raw: Mapping[str, Any], required: bool, per_attachment: bool) -> Expression:
    entity_set = raw["bind"]
    if not isinstance(entity_set, str) or not _NAME.match(entity_set):
        raise ExpressionError(f"expected an entity set name, got {describe(entity_set)}", "bind")
    ways = [name for name in ("id", "key", "where") if name in raw]
    if len(ways) != 1:
        raise ExpressionError("a bind needs exactly one of id, key or where")
    if ways == ["id"]:
        return BindId(
            entity_set=entity_set, path=_path(raw, "id", per_attachment), required=required
        )
    table = raw[ways[0]]
    if not isinstance(table, dict) or not table:
        raise ExpressionError("expected a table of column = field path", ways[0])
    pairs: list[tuple[str, str]] = []
    for column in table:
        if not _NAME.match(column):
            raise ExpressionError(f"invalid column name {describe(column)}", ways[0])
        pairs.append((column, _path(table, column, per_attachment)))
    if ways == ["key"]:
        return BindKey(entity_set, tuple(pairs), required)
    if len(pairs) != 1:
        raise ExpressionError("where takes exactly one column = field path", "where")
    column, path = pairs[0]
    return BindWhere(entity_set=entity_set, column=column, path=path, required=required)


_PARSERS: Mapping[str, Callable[[Mapping[str, Any], bool, bool], Expression]] = {
    "copy": _copy,
    "template": _template,
    "option": _option,
    "date": _date,
    "datetime": _datetime,
    "const": _const,
    "uuid5": _uuid5,
    "blob": _blob,
    "ref": _ref,
    "bind": _bind,
}

"""The ``$filter`` syntax tree built by ``_filter`` and compiled by ``_sql``: plain values."""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector.emulator._literals import Literal


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ArrayLiteral:
    """A query function's collection parameter (``PropertyValues=['a','b']``)."""

    items: tuple[Literal, ...]


Operand = Literal | Path
Value = Literal | ArrayLiteral


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand


@dataclass(frozen=True)
class Function:
    name: str
    args: tuple[Operand, Operand]


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolPath:
    """A bare boolean property used as a predicate (``donotemail``)."""

    path: Path


@dataclass(frozen=True)
class Lambda:
    """``collection/any(x: body)`` or ``collection/all(x: body)``; ``any()`` has no body."""

    op: str
    collection: Path
    variable: str | None
    body: Node | None


@dataclass(frozen=True)
class QueryFunction:
    """``Microsoft.Dynamics.CRM.<name>(Param=value, …)``; ``name`` without the namespace."""

    name: str
    params: tuple[tuple[str, Value], ...]

    def param(self, name: str) -> Value | None:
        return next((value for key, value in self.params if key == name), None)


Node = Compare | Function | BoolOp | Not | BoolPath | Lambda | QueryFunction

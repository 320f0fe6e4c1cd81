"""Provisioning's plan and report: one step per thing Dataverse must hold, with its state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cityzen_connector.dataverse import ColumnSpec, TableSpec

from ._catalog import CatalogRecord

__all__ = ["ProvisionPlan", "ProvisionReport", "Step", "StepKind", "StepState"]

StepKind = Literal["table", "column", "key", "option", "record"]
StepState = Literal["present", "missing", "created", "active", "failed", "timed_out"]


@dataclass(frozen=True)
class Step:
    kind: StepKind
    table: str
    name: str  # table or column logical name, key schema name, or "column=value"
    detail: str
    state: StepState
    spec: ColumnSpec | None = None
    key_columns: tuple[str, ...] = ()
    option_value: int | None = None
    record: CatalogRecord | None = None
    table_spec: TableSpec | None = None

    def line(self) -> str:
        where = self.table if self.kind == "table" else f"{self.table}.{self.name}"
        return f"{self.state:<9} {self.kind:<6} {where}  {self.detail}"


@dataclass(frozen=True)
class ProvisionPlan:
    steps: tuple[Step, ...]

    @property
    def todo(self) -> tuple[Step, ...]:
        return tuple(s for s in self.steps if s.state == "missing")


@dataclass
class ProvisionReport:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.state in ("present", "created", "active") for s in self.steps)

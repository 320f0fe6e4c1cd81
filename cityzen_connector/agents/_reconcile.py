"""The use cases: ``plan()`` and ``apply(plan)``, as the CLI, the daily timer and an ops route
call them (``plan() -> Plan`` as data, ``apply(plan) -> Report``).

Logs carry counts, entries of the access model and object ids; never a name, a user principal
name or an e-mail address (the plan shown to an operator may hold principal names: it is an
admin tool's output, not a log).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.mapping import AccessModel

from ._apply import ApplyOptions, Progress, Report, apply_plan
from ._directory import Directory
from ._plan import Plan
from ._planner import plan_reconciliation
from ._state import read_state

__all__ = ["AgentsDeps", "OpsReconciliation", "Reconciliation"]

_LOG = logging.getLogger("cityzen_connector.agents")


@dataclass(frozen=True)
class AgentsDeps:
    """What reconciling needs: the Dataverse client, the directory and the access model."""

    client: DataverseClient
    directory: Directory
    model: AccessModel
    per_batch: int = 500
    logger: logging.Logger = field(default=_LOG)


class Reconciliation:
    def __init__(self, deps: AgentsDeps) -> None:
        self.deps = deps

    def plan(self) -> Plan:
        """Read the directory and Dataverse; ``ReconcileError`` (nothing written) when the
        model names what does not exist. An empty model plans nothing and reads nothing."""
        deps = self.deps
        if not deps.model.groups:
            return Plan()
        state = read_state(deps.client, deps.model)
        plan = plan_reconciliation(deps.model, deps.directory, state)
        deps.logger.info(
            "agents plan: %d group(s), %d member(s): %s",
            plan.counts.get("groups", 0),
            plan.counts.get("members", 0),
            plan.summary(),
        )
        return plan

    def apply(
        self,
        plan: Plan,
        *,
        acting_for: uuid.UUID | None = None,
        progress: Progress | None = None,
        batched: bool = True,
    ) -> Report:
        """Execute ``plan``; each write idempotent, so a second ``plan()`` finds nothing
        left, and a run cut short is completed by the next one."""
        deps = self.deps
        if plan.empty:
            return Report()
        options = ApplyOptions(per_batch=deps.per_batch, batched=batched, acting_for=acting_for)
        report = apply_plan(plan, deps.client, deps.directory, options=options, progress=progress)
        deps.logger.info(
            "agents apply%s: %s",
            f" for {acting_for}" if acting_for else "",
            report.summary(),
        )
        for failure in report.failed:
            change = failure.change
            deps.logger.warning(
                "agents apply: %s %s (%s) failed: %s",
                change.action,
                change.principal,
                change.entry or "leaver",
                failure.error,
            )
        return report


class OpsReconciliation:
    """The reconciliation as the ops routes call it (``api.AgentsReconciler``): ``apply`` runs
    on behalf of the calling agent, whose Entra ID object id Dataverse impersonates
    (``CallerObjectId``), so the audit in Dynamics 365 names the agent, not the application.
    Built on first use: a deployment whose directory is misconfigured still serves the other
    ops routes."""

    def __init__(self, reconciliation: Callable[[], Reconciliation]) -> None:
        self._reconciliation = reconciliation

    def plan(self) -> Plan:
        return self._reconciliation().plan()

    def apply(self, plan: Plan, *, caller: str) -> Report:
        return self._reconciliation().apply(plan, acting_for=uuid.UUID(caller))

"""Agents' accounts: Entra ID groups (directory port over Microsoft Graph) to Dataverse users,
teams and roles, reconciliation planned as data (ARCHITECTURE.md, the ``agents/`` room).

::

    deps = AgentsDeps(client, directory, mappings.agents)
    plan = Reconciliation(deps).plan()      # Plan: changes and notices, JSON-serialisable
    report = Reconciliation(deps).apply(plan, acting_for=agent_object_id)   # Report

``Directory`` is the port (``GraphDirectory`` in Azure, ``FileDirectory`` locally); see
docs/agents.md for the access model, the permissions and the commands.
"""

from ._apply import ApplyOptions, Failure, Progress, Report, apply_plan, request_for
from ._directory import Directory, DirectoryUser, FileDirectory
from ._errors import AgentsError, DirectoryError, ReconcileError, UnknownGroupError
from ._graph import USER_PROPERTIES, GraphConfig, GraphDirectory
from ._plan import ACTIONS, Action, Change, Notice, Plan
from ._planner import NAMESPACE, plan_reconciliation, team_id_for, user_id_for
from ._reconcile import AgentsDeps, OpsReconciliation, Reconciliation
from ._state import DataverseState, read_state

__all__ = [
    "ACTIONS",
    "NAMESPACE",
    "USER_PROPERTIES",
    "Action",
    "AgentsDeps",
    "AgentsError",
    "ApplyOptions",
    "Change",
    "DataverseState",
    "Directory",
    "DirectoryError",
    "DirectoryUser",
    "Failure",
    "FileDirectory",
    "GraphConfig",
    "GraphDirectory",
    "Notice",
    "OpsReconciliation",
    "Plan",
    "Progress",
    "ReconcileError",
    "Reconciliation",
    "Report",
    "UnknownGroupError",
    "apply_plan",
    "plan_reconciliation",
    "read_state",
    "request_for",
    "team_id_for",
    "user_id_for",
]

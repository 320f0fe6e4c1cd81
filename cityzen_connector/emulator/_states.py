"""State (``statecode``) and status reason (``statuscode``) rules, applied on every write.

"Define custom state model transitions" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/define-custom-state-model-transitions):
each status reason belongs to one state (``StatusOptionMetadata.State``); the incident's are
Active 0 → In Progress 1, On Hold 2, Waiting for Details 3, Researching 4; Resolved 1 →
Problem Solved 5, Information Provided 1000; Canceled 2 → Canceled 6, Merged 2000 (also the
"Case (Incident) table/entity reference",
https://learn.microsoft.com/dynamics365/customerengagement/on-premises/developer/entities/incident).
A state set without a status reason takes the state's default one (``DefaultStatus``).

The case lifecycle, from the same pages and the incident's message list:
- a case is resolved with the ``CloseIncident`` action, never by setting ``statecode`` to 1
  (``_close_incident``); an update that tries is refused;
- it is canceled by setting ``statecode`` 2 (``SetState`` is an update of ``statecode`` and
  ``statuscode``) — from Active only: a resolved or canceled case is "Already Closed or
  Canceled" (IncidentIsAlreadyClosedOrCancelled) until it is reopened;
- it is reopened by setting ``statecode`` back to 0, which Dataverse allows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._schema import Entity

CLOSE_INCIDENT = "CloseIncident"
_RESOLVED, _CANCELED = 1, 2


def settle_state(
    entity: Entity,
    before: Mapping[str, Any] | None,
    data: dict[str, Any],
    changes: Mapping[str, Any],
    message: str,
) -> None:
    """Complete ``data`` (the row after a create, ``before`` is None, or an update) with the
    default status reason of a new state, and refuse a state or pair Dataverse refuses."""
    if not entity.states:
        return
    if before is None:
        data.setdefault("statecode", 0)
    state = data.get("statecode")
    if not isinstance(state, int):
        return  # a null statecode is refused later, as a missing SystemRequired column
    state_set = before is None or "statecode" in changes
    if entity.logical_name == "incident" and "statecode" in changes:
        _case_transition(before, state, message)
    if state not in entity.states:
        raise err.invalid_state_status()
    if changes.get("statuscode") is None and (state_set or data.get("statuscode") is None):
        data["statuscode"] = entity.states[state]
    status = data.get("statuscode")
    known = isinstance(status, int) and entity.status_states.get(status) == state
    if entity.status_states and not known:
        raise err.invalid_state_status()


def _case_transition(before: Mapping[str, Any] | None, state: int, message: str) -> None:
    previous = 0 if before is None else before.get("statecode", 0)
    if state == _RESOLVED and message != CLOSE_INCIDENT:
        raise err.use_close_incident()
    if state == _CANCELED and previous != 0:
        raise err.incident_already_closed()

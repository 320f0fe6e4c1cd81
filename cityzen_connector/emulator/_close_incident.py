"""The ``CloseIncident`` unbound action: resolve a case and record its resolution.

"CloseIncident Action" (Web API reference,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/reference/closeincident):
parameters ``IncidentResolution`` (an ``incidentresolution`` entity, not nullable) and
``Status`` (``Edm.Int32``, not nullable); no return value. "Use Web API actions"
(https://learn.microsoft.com/power-apps/developer/data-platform/webapi/use-web-api-actions)
shows the call for its twin ``WinOpportunity``: ``POST [Organization URI]/api/data/v9.2/
CloseIncident`` with the entity bound to its case through ``incidentid@odata.bind``, answered
``204 No Content``.

``CloseIncidentRequest.Status`` (SDK reference): the case's status reason; ``-1`` lets the
system pick the resolved state's default one. The resolution is a completed activity
(incidentresolution statecode 1 Completed, statuscode 2 Closed: "By default, all case
resolutions are completed", incidentresolution table reference). A case that is not active is
"Already Closed or Canceled" (IncidentIsAlreadyClosedOrCancelled).
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._http import Request, Response
from cityzen_connector.emulator._states import CLOSE_INCIDENT

ACTION = CLOSE_INCIDENT
_RESOLUTION_TYPE = "Microsoft.Dynamics.CRM.incidentresolution"
_RESOLVED = 1


def handle_close_incident(context: HandlerContext, req: Request) -> Response:
    if req.method != "POST":
        raise err.method_not_allowed(req.method)
    body = req.json_body("incidentresolutions")
    resolution, status = _parameters(body)
    records = context.records
    incidents = context.schema.by_name["incident"]
    resolutions = context.schema.by_name["incidentresolution"]
    with context.store.transaction():
        changes = records.changes(resolutions, resolution, req)
        case_id = changes.get("incidentid")
        if not case_id:
            raise err.incident_missing()
        case = records.get(incidents, str(case_id))
        if case.data.get("statecode") != 0:
            raise err.incident_already_closed()
        if status == -1:
            status = incidents.states[_RESOLVED]
        if incidents.status_states.get(status) != _RESOLVED:
            raise err.invalid_state_status()
        changes.update({"statecode": 1, "statuscode": 2})  # Completed, Closed
        records.create(resolutions, changes, caller=req.caller)
        records.update(
            incidents,
            case,
            {"statecode": _RESOLVED, "statuscode": status},
            caller=req.caller,
            message=CLOSE_INCIDENT,
        )
    return Response(204)


def _parameters(body: dict[str, Any]) -> tuple[dict[str, Any], int]:
    resolution = body.get("IncidentResolution")
    status = body.get("Status")
    unknown = sorted(set(body) - {"IncidentResolution", "Status"})
    if unknown:
        raise err.bad_request(f"The parameter '{unknown[0]}' is not a parameter of CloseIncident.")
    if not isinstance(resolution, dict):
        raise err.bad_request("The CloseIncident parameter 'IncidentResolution' is required.")
    if isinstance(status, bool) or not isinstance(status, int):
        raise err.bad_request("The CloseIncident parameter 'Status' (Edm.Int32) is required.")
    declared = resolution.get("@odata.type", _RESOLUTION_TYPE)
    if not isinstance(declared, str) or declared.lstrip("#") != _RESOLUTION_TYPE:
        raise err.payload_error(
            "incidentresolutions", f"'IncidentResolution' must be a {_RESOLUTION_TYPE}."
        )
    return resolution, status

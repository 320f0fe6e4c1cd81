"""Impersonation: who a request runs as.

"Impersonate another user using the Web API" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/impersonate-another-user-web-api):
the ``CallerObjectId`` header carries the Entra ID object id of the user to impersonate, found
in ``systemuser.azureactivedirectoryobjectid``; the legacy ``MSCRMCallerID`` header carries a
``systemuserid``. A row created that way is created by, and owned by, the impersonated user;
``createdonbehalfby`` (``modifiedonbehalfby`` on update) names the user who actually called.
When the header names the caller itself, no impersonation takes place and those columns stay
null (MicrosoftDocs/powerapps-docs issue #2088, answered by the page's author). The caller's
``prvActOnBehalfOfAnotherUser`` privilege is not checked: security roles are not emulated.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._http import Caller, Request
from cityzen_connector.emulator._store import Row, Store

OBJECT_ID_HEADER = "CallerObjectId"
LEGACY_HEADER = "MSCRMCallerID"
HEADERS = (OBJECT_ID_HEADER.lower(), LEGACY_HEADER.lower())  # forwarded into $batch parts


def resolve_caller(store: Store, application_user: str, req: Request) -> Caller:
    """The caller of ``req``: the application user, or the user it impersonates."""
    object_id = req.header(OBJECT_ID_HEADER)
    legacy = req.header(LEGACY_HEADER)
    if object_id is None and legacy is None:
        return Caller(application_user)
    if object_id is not None and legacy is not None:
        raise err.bad_request(
            f"Send either {OBJECT_ID_HEADER} or {LEGACY_HEADER} to impersonate a user, not both."
        )
    value = _guid(object_id if object_id is not None else str(legacy))
    row: Row | None
    if object_id is not None:
        found = store.find("systemuser", {"azureactivedirectoryobjectid": value})
        row = store.get("systemuser", found[0]) if found else None
    else:
        row = store.get("systemuser", value)
    if row is None:
        raise err.invalid_principal()
    if row.data.get("isdisabled"):
        raise err.user_not_enabled()
    if row.id == application_user:
        return Caller(application_user)
    return Caller(row.id, on_behalf_of=application_user)


def audit(data: dict[str, Any], caller: Caller, *, created: bool) -> None:
    """createdby/modifiedby name the user a row was written as; createdonbehalfby and
    modifiedonbehalfby the user who called on their behalf ("Determine the actual user")."""
    for step in ("created", "modified") if created else ("modified",):
        data[f"{step}by"] = caller.user_id
        data[f"{step}onbehalfby"] = caller.on_behalf_of


def _guid(text: str) -> str:
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        raise err.bad_request(
            f"The {OBJECT_ID_HEADER} or {LEGACY_HEADER} header is not a GUID."
        ) from None

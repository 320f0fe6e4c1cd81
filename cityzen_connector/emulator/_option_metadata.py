"""The state and status reason columns' definitions, through their casts.

"Query table definitions using the Web API", section "Retrieving attributes" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api#retrieving-attributes):
an attribute's ``OptionSet`` is reached by casting it to its type and expanding it, e.g.
``EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='statuscode')/
Microsoft.Dynamics.CRM.StatusAttributeMetadata?$expand=OptionSet``. The options of a status
reason are ``StatusOptionMetadata`` (with ``State``, the state the reason belongs to, and
``TransitionData``), those of a state ``StateOptionMetadata`` (with ``DefaultStatus`` and
``InvariantName``), as the Web API reference of those entity types lists them.

Labels are the English (1033) ones of the table references on Microsoft Learn: no French
labels of these out-of-the-box options are published there (see docs/emulator.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._http import Request, Response, json_response
from cityzen_connector.emulator._query import split_top_level
from cityzen_connector.emulator._schema import METADATA_NS, Attribute, Entity

NAMESPACE = "Microsoft.Dynamics.CRM."
CASTS = {
    f"{NAMESPACE}StatusAttributeMetadata": "Status",
    f"{NAMESPACE}StateAttributeMetadata": "State",
}
ENGLISH = 1033


def option_attribute(
    entity: Entity, attr: Attribute, cast: str, body: dict[str, Any], req: Request
) -> Response:
    """The reply to ``…/Attributes(…)/Microsoft.Dynamics.CRM.{Status|State}AttributeMetadata``."""
    if CASTS.get(cast) != attr.type:
        raise err.segment_not_found(cast)
    expand = [
        item.partition("(")[0].strip() for item in split_top_level(req.query.get("$expand", ""))
    ]
    for name in expand:
        if name != "OptionSet":
            raise err.unknown_property(name, cast)
    select = [s.strip() for s in req.query.get("$select", "").split(",") if s.strip()]
    for name in select:
        if name not in body:
            raise err.unknown_property(name, cast)
    shaped = {k: v for k, v in body.items() if not select or k in select or k == "MetadataId"}
    if expand:
        shaped["OptionSet"] = option_set(entity, attr)
    context = (
        f"{req.service_root}$metadata#EntityDefinitions('{entity.logical_name}')/Attributes/"
        f"{cast}/$entity"
    )
    return json_response(200, {"@odata.context": context, **shaped})


def option_set(entity: Entity, attr: Attribute) -> dict[str, Any]:
    name = f"{entity.logical_name}_{attr.name}"
    return {
        "MetadataId": str(uuid.uuid5(METADATA_NS, f"optionset:{name}")),
        "HasChanged": None,
        "IsCustomOptionSet": False,
        "IsGlobal": False,
        "IsManaged": True,
        "Name": name,
        "OptionSetType": attr.type,
        "Options": [_option(entity, attr, value, label) for value, label in attr.options.items()],
    }


def _option(entity: Entity, attr: Attribute, value: int, label: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@odata.type": f"#{NAMESPACE}{attr.type}OptionMetadata",
        "Value": value,
        "Color": None,
        "IsManaged": True,
        "ExternalValue": None,
        "ParentValues": [],
        "MetadataId": None,
        "HasChanged": None,
        "Label": _label(f"{entity.logical_name}.{attr.name}.{value}", label),
        "Description": {"LocalizedLabels": [], "UserLocalizedLabel": None},
    }
    if attr.type == "Status":
        out["State"] = entity.status_states.get(value)
        out["TransitionData"] = None  # no status reason transitions are defined
    else:
        out["DefaultStatus"] = entity.states.get(value)
        out["InvariantName"] = label
    return out


def _label(key: str, text: str) -> dict[str, Any]:
    localized = {
        "Label": text,
        "LanguageCode": ENGLISH,
        "IsManaged": True,
        "MetadataId": str(uuid.uuid5(METADATA_NS, f"label:{key}")),
        "HasChanged": None,
    }
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": localized}

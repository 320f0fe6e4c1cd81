"""The choices of a column as Dataverse describes them: OptionSetMetadata (choice, state and
status columns) and BooleanOptionSetMetadata (yes/no columns), reached through the
``OptionSet`` and ``GlobalOptionSet`` navigation properties of a cast attribute or through
``GlobalOptionSetDefinitions``. Shapes from Microsoft Learn, "Query table definitions using the
Web API" (OptionSetMetadata, StatusOptionMetadata.State, StateOptionMetadata.DefaultStatus)
and "Reference Dataverse schema definitions by name or MetadataId" (OptionMetadata).
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import _definitions as defs
from cityzen_connector.emulator._metadata_shapes import CRM, label, managed_property, metadata_id
from cityzen_connector.emulator._schema import Attribute, Entity

OPTION_SET_PROPERTIES = (
    "MetadataId",
    "HasChanged",
    "Name",
    "OptionSetType",
    "IsGlobal",
    "IsCustomOptionSet",
    "IsManaged",
    "IsCustomizable",
    "IntroducedVersion",
    "ExternalTypeName",
    "ParentOptionSetName",
)


def _option(entity: Entity, attr: Attribute, value: int, text: str) -> dict[str, Any]:
    # The OptionMetadata of "Reference Dataverse schema definitions by name or MetadataId".
    key = f"option:{entity.logical_name}.{attr.name}:{value}"
    return {
        "Value": value,
        "Color": None,
        "IsManaged": not attr.custom,
        "ExternalValue": None,
        "ParentValues": [],
        "Tag": None,
        "IsHidden": False,
        "MetadataId": None,
        "HasChanged": None,
        "Label": label(text, key, managed=not attr.custom),
        "Description": label(None, key),
    }


def option_set_json(entity: Entity, attr: Attribute) -> dict[str, Any]:
    """The OptionSet (and GlobalOptionSet) of a choice, state, status or yes/no column."""
    name = defs.option_set_name(entity, attr)
    out: dict[str, Any] = {
        "MetadataId": metadata_id(f"optionset:{name}"),
        "HasChanged": None,
        "Name": name,
        "OptionSetType": "Picklist" if attr.type == "Picklist" else attr.type,
        "IsGlobal": defs.is_global(entity, attr),
        "IsCustomOptionSet": attr.custom,
        "IsManaged": not attr.custom,
        "IsCustomizable": managed_property(True, attr.custom, "iscustomizable"),
        "IntroducedVersion": None,
        "ExternalTypeName": None,
        "ParentOptionSetName": None,
    }
    if attr.type == "Boolean":
        true_label, false_label = defs.boolean_labels(entity, attr)
        out["TrueOption"] = _option(entity, attr, 1, true_label)
        out["FalseOption"] = _option(entity, attr, 0, false_label)
        return out
    options: list[dict[str, Any]] = []
    if attr.type == "State":
        for value, text, invariant, default in defs.state_options(entity):
            options.append(
                {
                    "@odata.type": f"#{CRM}StateOptionMetadata",
                    **_option(entity, attr, value, text),
                    "DefaultStatus": default,
                    "InvariantName": invariant,
                }
            )
    elif attr.type == "Status":
        for value, text, state in defs.status_options(entity):
            options.append(
                {
                    "@odata.type": f"#{CRM}StatusOptionMetadata",
                    **_option(entity, attr, value, text),
                    "State": state,
                    "TransitionData": None,
                }
            )
    else:
        options = [_option(entity, attr, v, t) for v, t in sorted(attr.options.items())]
    out["Options"] = options
    return out


def option_set_type(attr: Attribute) -> str:
    return "BooleanOptionSetMetadata" if attr.type == "Boolean" else "OptionSetMetadata"


def option_set_properties(attr: Attribute) -> tuple[str, ...]:
    extra = ("TrueOption", "FalseOption") if attr.type == "Boolean" else ("Options",)
    return (*OPTION_SET_PROPERTIES, *extra)

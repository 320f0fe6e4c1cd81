"""Definition writes as data: a table, an alternate key, an option value, and the option set
of a choice column (columns themselves: ``_metadata``).

Wire shapes from Microsoft Learn: "Create and update table definitions using the Web API"
(``POST EntityDefinitions`` with an ``EntityMetadata`` whose ``Attributes`` hold the primary
name column, a ``StringAttributeMetadata`` with ``IsPrimaryName`` true; "204 No Content"),
"Custom activities" (an activity table: ``IsActivity`` true, its primary column named
``Subject``, ``HasNotes`` true, ``HasActivities`` false, ``IsAvailableOffline`` true,
``IsMailMergeEnabled`` false, ``ActivityTypeMask`` 1 to show it in the activity menus) and
"Create and update column definitions using the Web API", "Create a choice column" (a local
``OptionSetMetadata``: ``IsGlobal`` false, ``OptionSetType`` Picklist, ``Options`` with their
``Value`` and ``Label``), "Define alternate keys using the Web API" and "InsertOptionValue
Action".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cityzen_connector._types import Headers, JsonObject

from ._errors import InvalidRequestError
from ._odata import check_name, literal
from ._request import DataverseRequest, Expect, WriteResult

__all__ = [
    "TableSpec",
    "create_key_request",
    "create_table_request",
    "entity_path",
    "insert_option_value_request",
    "label",
    "local_option_set",
]

_CRM = "Microsoft.Dynamics.CRM."
# "Custom activities": "The schema name of the PrimaryAttribute for all activities must be
# 'Subject'".
ACTIVITY_PRIMARY = "Subject"


def entity_path(logical_name: str) -> str:
    return f"EntityDefinitions(LogicalName={literal(check_name(logical_name, 'table name'))})"


def _solution(solution: str | None) -> Headers:
    return Headers({"MSCRM.SolutionUniqueName": check_name(solution)} if solution else {})


def label(text: str, language_code: int) -> JsonObject:
    return {
        "@odata.type": _CRM + "Label",
        "LocalizedLabels": [
            {"@odata.type": _CRM + "LocalizedLabel", "Label": text, "LanguageCode": language_code}
        ],
    }


@dataclass(frozen=True)
class TableSpec:
    """A user-owned table to create with its primary name column (an activity's is
    ``Subject``). ``language_code`` must be a language provisioned in the org."""

    schema_name: str
    label: str
    collection_label: str
    primary_schema_name: str
    primary_label: str
    primary_max_length: int = 100
    activity: bool = False
    has_notes: bool = False
    change_tracking: bool = False
    language_code: int = 1036

    @property
    def logical_name(self) -> str:
        return self.schema_name.lower()


def create_table_request(
    spec: TableSpec, *, solution: str | None = None
) -> DataverseRequest[WriteResult]:
    """POST a table definition. A repeat fails on the existing schema name rather than creating
    a second table, so it is safe to repeat."""
    if spec.activity and spec.primary_schema_name != ACTIVITY_PRIMARY:
        raise InvalidRequestError("an activity table's primary column is named Subject")
    if spec.activity and not spec.has_notes:
        raise InvalidRequestError("an activity table has notes (HasNotes)")
    if not 1 <= spec.primary_max_length <= 4000:
        raise InvalidRequestError("string columns hold 1..4000 characters")
    primary: JsonObject = {
        "@odata.type": _CRM + "StringAttributeMetadata",
        "SchemaName": (
            ACTIVITY_PRIMARY
            if spec.activity
            else check_name(spec.primary_schema_name, "schema name")
        ),
        "AttributeType": "String",
        "AttributeTypeName": {"Value": "StringType"},
        "IsPrimaryName": True,
        "MaxLength": spec.primary_max_length,
        "FormatName": {"Value": "Text"},
        "DisplayName": label(spec.primary_label, spec.language_code),
        "RequiredLevel": {
            "Value": "None",
            "CanBeChanged": True,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
    }
    body: JsonObject = {
        "@odata.type": _CRM + "EntityMetadata",
        "SchemaName": check_name(spec.schema_name, "schema name"),
        "DisplayName": label(spec.label, spec.language_code),
        "DisplayCollectionName": label(spec.collection_label, spec.language_code),
        "OwnershipType": "UserOwned",
        "IsActivity": spec.activity,
        "HasActivities": False,
        "HasNotes": spec.has_notes,
        "ChangeTrackingEnabled": spec.change_tracking,
        "Attributes": [primary],
    }
    if spec.activity:
        body |= {
            "IsAvailableOffline": True,
            "ActivityTypeMask": 1,  # Communication Activity: in the activity menus
            "IsMailMergeEnabled": {
                "Value": False,
                "CanBeChanged": True,
                "ManagedPropertyLogicalName": "canmodifymailmergesettings",
            },
        }
    return DataverseRequest(
        "POST",
        "EntityDefinitions",
        f"create table {spec.logical_name}",
        Expect.ENTITY,
        safe_to_repeat=True,
        headers=_solution(solution),
        body=body,
    )


def local_option_set(options: Sequence[tuple[int, str]], language_code: int) -> JsonObject:
    """The ``OptionSet`` of a local choice column."""
    if not options:
        raise InvalidRequestError("a choice column needs at least one option")
    values = [value for value, _ in options]
    if len(set(values)) != len(values):
        raise InvalidRequestError("a choice column's option values are distinct")
    return {
        "@odata.type": _CRM + "OptionSetMetadata",
        "IsGlobal": False,
        "OptionSetType": "Picklist",
        "Options": [
            {"Value": value, "Label": label(text, language_code)} for value, text in options
        ],
    }


def create_key_request(
    table: str,
    schema_name: str,
    display_name: str,
    columns: Sequence[str],
    *,
    language_code: int = 1036,
    solution: str | None = None,
) -> DataverseRequest[WriteResult]:
    if not columns:
        raise InvalidRequestError("an alternate key needs at least one column")
    return DataverseRequest(
        "POST",
        entity_path(table) + "/Keys",
        f"create key on {table}",
        Expect.ENTITY,
        safe_to_repeat=True,
        headers=_solution(solution),
        body={
            "SchemaName": check_name(schema_name, "schema name"),
            "DisplayName": label(display_name, language_code),
            "KeyAttributes": [check_name(c, "column") for c in columns],
        },
    )


def insert_option_value_request(
    table: str,
    column: str,
    text: str,
    *,
    value: int | None = None,
    language_code: int = 1036,
    solution: str | None = None,
) -> DataverseRequest[JsonObject]:
    """The ``InsertOptionValue`` action on a local choice column."""
    body: JsonObject = {
        "EntityLogicalName": check_name(table, "table name"),
        "AttributeLogicalName": check_name(column, "column"),
        "Label": label(text, language_code),
    }
    if value is not None:
        body["Value"] = value
    if solution:
        body["SolutionUniqueName"] = check_name(solution)
    return DataverseRequest(
        "POST", "InsertOptionValue", "InsertOptionValue", Expect.JSON, False, body=body
    )

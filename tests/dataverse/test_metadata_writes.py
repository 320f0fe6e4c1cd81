"""Table and choice column definitions as requests: the wire shapes of "Create and update table
definitions using the Web API", "Custom activities" and "Create a choice column" (Microsoft
Learn)."""

from __future__ import annotations

import pytest

from cityzen_connector.dataverse import (
    ColumnSpec,
    InvalidRequestError,
    TableSpec,
    create_column_request,
    create_table_request,
)

CRM = "Microsoft.Dynamics.CRM."
MESSAGE = TableSpec(
    "cz_CaseMessage",
    "Message",
    "Messages",
    "Subject",
    "Objet",
    primary_max_length=200,
    activity=True,
    has_notes=True,
    change_tracking=True,
)


def test_an_activity_table_is_posted_as_custom_activities_describes_it() -> None:
    request = create_table_request(MESSAGE)
    assert (request.method, request.path, request.safe_to_repeat) == (
        "POST",
        "EntityDefinitions",
        True,
    )
    body = dict(request.body or {})
    # "Creating a custom activity": IsActivity true, IsAvailableOffline true, IsMailMergeEnabled
    # false, HasActivities false, HasNotes true, the primary column's SchemaName "Subject".
    assert {
        "@odata.type": f"{CRM}EntityMetadata",
        "SchemaName": "cz_CaseMessage",
        "OwnershipType": "UserOwned",
        "IsActivity": True,
        "HasActivities": False,
        "HasNotes": True,
        "IsAvailableOffline": True,
        "ActivityTypeMask": 1,
        "ChangeTrackingEnabled": True,
    }.items() <= body.items()
    assert body["IsMailMergeEnabled"]["Value"] is False
    [primary] = body["Attributes"]
    assert primary["@odata.type"] == f"{CRM}StringAttributeMetadata"
    assert (primary["SchemaName"], primary["IsPrimaryName"], primary["MaxLength"]) == (
        "Subject",
        True,
        200,
    )
    assert primary["DisplayName"]["LocalizedLabels"][0] == {
        "@odata.type": f"{CRM}LocalizedLabel",
        "Label": "Objet",
        "LanguageCode": 1036,
    }


def test_an_activity_is_refused_without_subject_or_notes() -> None:
    with pytest.raises(InvalidRequestError, match="Subject"):
        create_table_request(
            TableSpec("cz_X", "X", "Xs", "cz_Name", "Nom", activity=True, has_notes=True)
        )
    with pytest.raises(InvalidRequestError, match="HasNotes"):
        create_table_request(TableSpec("cz_X", "X", "Xs", "Subject", "Objet", activity=True))


def test_a_choice_column_carries_its_local_option_set() -> None:
    spec = ColumnSpec(
        "cz_Direction",
        "choice",
        "Sens",
        options=((1, "De l'usager"), (2, "À l'usager")),
        default_option=2,
    )
    body = dict(create_column_request("cz_casemessage", spec).body or {})
    assert body["@odata.type"] == f"{CRM}PicklistAttributeMetadata"
    assert (body["AttributeType"], body["DefaultFormValue"]) == ("Picklist", 2)
    option_set = body["OptionSet"]
    assert {k: option_set[k] for k in ("@odata.type", "IsGlobal", "OptionSetType")} == {
        "@odata.type": f"{CRM}OptionSetMetadata",
        "IsGlobal": False,
        "OptionSetType": "Picklist",
    }
    options = option_set["Options"]
    assert [(o["Value"], o["Label"]["LocalizedLabels"][0]["Label"]) for o in options] == [
        (1, "De l'usager"),
        (2, "À l'usager"),
    ]


@pytest.mark.parametrize(
    "spec",
    [
        ColumnSpec("cz_C", "choice", "C"),  # no option
        ColumnSpec("cz_C", "choice", "C", options=((1, "a"), (1, "b"))),
        ColumnSpec("cz_C", "choice", "C", options=((1, "a"),), default_option=9),
    ],
)
def test_bad_choice_columns_are_refused(spec: ColumnSpec) -> None:
    with pytest.raises(InvalidRequestError):
        create_column_request("cz_casemessage", spec)

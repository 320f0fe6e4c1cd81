"""Metadata: entity definitions read once and cached; columns, keys and option values."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from cityzen_connector.dataverse import (
    ColumnSpec,
    DataverseClient,
    InvalidRequestError,
    create_column_request,
)

from .conftest import ROOT

DEFINITION = {
    "LogicalName": "incident",
    "EntitySetName": "incidents",
    "PrimaryIdAttribute": "incidentid",
    "PrimaryNameAttribute": "title",
    "Attributes": [
        {"LogicalName": "title", "AttributeType": "String"},
        {"LogicalName": "cz_submissionid", "AttributeType": "String"},
    ],
    "Keys": [
        {
            "LogicalName": "cz_submission_key",
            "KeyAttributes": ["cz_submissionid"],
            "EntityKeyIndexStatus": "Pending",
        }
    ],
}
DEF_URL = (
    ROOT + "EntityDefinitions(LogicalName='incident')"
    "?$select=LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,IsActivity"
    "&$expand=Attributes($select=LogicalName,AttributeType),"
    "Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)"
)


def test_entity_definition_is_read_once_and_cached(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(DEF_URL, json=DEFINITION)
    definition = client.metadata.entity("incident")
    assert wire.calls[0].request.url == DEF_URL
    assert definition.entity_set_name == "incidents"
    assert definition.primary_id_attribute == "incidentid"
    assert definition.attributes["cz_submissionid"] == "String"
    assert definition.keys[0].columns == ("cz_submissionid",)
    assert client.with_correlation_id("c").metadata.entity_set_name("incident") == "incidents"
    assert len(wire.calls) == 1


def test_key_status_reads_fresh_definitions(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(DEF_URL, json=DEFINITION)
    active = {**DEFINITION, "Keys": [{**DEFINITION["Keys"][0], "EntityKeyIndexStatus": "Active"}]}  # type: ignore[dict-item]
    wire.get(DEF_URL, json=active)
    assert client.metadata.key_status("incident", "cz_submission_key") == "Pending"
    assert client.metadata.key_status("incident", "cz_submission_key") == "Active"
    wire.get(DEF_URL, json=active)
    with pytest.raises(InvalidRequestError):
        client.metadata.key_status("incident", "nope")


def test_create_string_column_wire_shape(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.post(
        ROOT + "EntityDefinitions(LogicalName='incident')/Attributes",
        status=204,
        headers={"OData-EntityId": ROOT + "EntityDefinitions(x)/Attributes(y)"},
        match=[matchers.header_matcher({"MSCRM.SolutionUniqueName": "CityZen"})],
    )
    client.metadata.create_column(
        "incident", ColumnSpec("cz_SubmissionId", "string", "Identifiant", max_length=64),
        solution="CityZen",
    )  # fmt: skip
    assert json.loads(wire.calls[0].request.body) == {
        "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
        "SchemaName": "cz_SubmissionId",
        "AttributeType": "String",
        "AttributeTypeName": {"Value": "StringType"},
        "DisplayName": {
            "@odata.type": "Microsoft.Dynamics.CRM.Label",
            "LocalizedLabels": [
                {
                    "@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel",
                    "Label": "Identifiant",
                    "LanguageCode": 1036,
                }
            ],
        },
        "RequiredLevel": {
            "Value": "None",
            "CanBeChanged": True,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
        "MaxLength": 64,
        "FormatName": {"Value": "Text"},
    }


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (ColumnSpec("cz_Count", "integer", "N", min_value=0, max_value=10),
         {"MinValue": 0, "MaxValue": 10, "Format": "None", "AttributeType": "Integer"}),
        (ColumnSpec("cz_Amount", "decimal", "A", precision=4),
         {"Precision": 4, "AttributeType": "Decimal"}),
        (ColumnSpec("cz_Seen", "datetime", "S"),
         {"Format": "DateAndTime", "DateTimeBehavior": {"Value": "UserLocal"}}),
        (ColumnSpec("cz_Birth", "date", "B", required=True),
         {"Format": "DateOnly", "DateTimeBehavior": {"Value": "DateOnly"}}),
        (ColumnSpec("cz_Notes", "memo", "N", max_length=10000),
         {"@odata.type": "Microsoft.Dynamics.CRM.MemoAttributeMetadata", "MaxLength": 10000,
          "Format": "TextArea", "AttributeType": "Memo"}),
        (ColumnSpec("cz_Flag", "boolean", "F"),
         {"@odata.type": "Microsoft.Dynamics.CRM.BooleanAttributeMetadata",
          "AttributeType": "Boolean", "DefaultValue": False}),
    ],
)  # fmt: skip
def test_other_column_kinds(spec: ColumnSpec, expected: dict[str, object]) -> None:
    body = dict(create_column_request("incident", spec).body or {})
    assert expected.items() <= body.items()
    if spec.required:
        assert body["RequiredLevel"]["Value"] == "ApplicationRequired"  # type: ignore[index]


def test_bad_column_specs_are_refused() -> None:
    with pytest.raises(InvalidRequestError):
        create_column_request("incident", ColumnSpec("cz_X", "string", "x", max_length=0))
    with pytest.raises(InvalidRequestError):
        create_column_request("incident", ColumnSpec("bad name", "string", "x"))
    with pytest.raises(InvalidRequestError):
        create_column_request("incident", ColumnSpec("cz_X", "blob", "x"))  # type: ignore[arg-type]


def test_alternate_key_creation_then_definition_is_reloaded(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(DEF_URL, json=DEFINITION)
    wire.post(
        ROOT + "EntityDefinitions(LogicalName='incident')/Keys",
        status=204,
        match=[matchers.json_params_matcher({
            "SchemaName": "cz_submission_key",
            "DisplayName": {
                "@odata.type": "Microsoft.Dynamics.CRM.Label",
                "LocalizedLabels": [{"@odata.type": "Microsoft.Dynamics.CRM.LocalizedLabel",
                                     "Label": "Soumission", "LanguageCode": 1036}],
            },
            "KeyAttributes": ["cz_submissionid"],
        })],
    )  # fmt: skip
    wire.get(DEF_URL, json=DEFINITION)
    client.metadata.entity("incident")
    client.metadata.create_alternate_key(
        "incident", "cz_submission_key", "Soumission", ["cz_submissionid"]
    )
    client.metadata.entity("incident")  # cache was dropped: fetched again
    assert len(wire.calls) == 3
    with pytest.raises(InvalidRequestError):
        client.metadata.create_alternate_key("incident", "k", "K", [])


def test_insert_option_value(wire: responses.RequestsMock, client: DataverseClient) -> None:
    wire.post(ROOT + "InsertOptionValue", json={"NewOptionValue": 727000001})
    value = client.metadata.insert_option_value("incident", "cz_theme", "Voirie")
    assert value == 727000001
    body = json.loads(wire.calls[0].request.body)
    assert body["EntityLogicalName"] == "incident"
    assert body["AttributeLogicalName"] == "cz_theme"
    assert body["Label"]["LocalizedLabels"][0]["Label"] == "Voirie"
    assert "Value" not in body


def test_malformed_definition_is_a_typed_error(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(DEF_URL, json={"LogicalName": "incident"})
    with pytest.raises(Exception, match="lacks expected fields"):
        client.metadata.entity("incident")

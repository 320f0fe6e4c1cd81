"""Column definitions cast to their derived types, and their choices (Microsoft Learn: "Query
table definitions using the Web API", "Reference Dataverse schema definitions by name or
MetadataId"; option values from the Case (incident), Contact and User table references)."""

from __future__ import annotations

from typing import Any

from .conftest import Api

CRM = "Microsoft.Dynamics.CRM."
INCIDENT = "EntityDefinitions(LogicalName='incident')"


def _label(text: str, language: int = 1036) -> dict[str, Any]:
    return {"Label": text, "LanguageCode": language}


def _labels(option: dict[str, Any]) -> tuple[str, str]:
    label = option["Label"]
    return label["LocalizedLabels"][0]["Label"], label["UserLocalizedLabel"]["Label"]


def test_status_reason_options_carry_their_state(api: Api) -> None:
    response = api.get(
        f"{INCIDENT}/Attributes(LogicalName='statuscode')/{CRM}StatusAttributeMetadata"
        "?$select=LogicalName&$expand=OptionSet"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # "…/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata(LogicalName,OptionSet)
    # /$entity" in the documented response.
    assert body["@odata.context"].endswith(
        f"/Attributes/{CRM}StatusAttributeMetadata(LogicalName,OptionSet)/$entity"
    )
    assert set(body) == {"@odata.context", "MetadataId", "LogicalName", "OptionSet"}
    assert body["LogicalName"] == "statuscode"
    option_set = body["OptionSet"]
    assert option_set["OptionSetType"] == "Status"
    assert option_set["Name"] == "incident_statuscode"
    assert option_set["IsGlobal"] is False
    # "StatusCode Options" of the Case table reference: value, label, state.
    options = {o["Value"]: (_labels(o)[0], o["State"]) for o in option_set["Options"]}
    assert options == {
        1: ("In Progress", 0),
        2: ("On Hold", 0),
        3: ("Waiting for Details", 0),
        4: ("Researching", 0),
        5: ("Problem Solved", 1),
        6: ("Canceled", 2),
        1000: ("Information Provided", 1),
        2000: ("Merged", 2),
    }
    first = option_set["Options"][0]
    assert first["@odata.type"] == f"#{CRM}StatusOptionMetadata"
    localized = first["Label"]["LocalizedLabels"][0]
    assert set(localized) == {"Label", "LanguageCode", "IsManaged", "MetadataId", "HasChanged"}
    # A built-in label is Microsoft's English one, tagged 1033 (no French one is published).
    assert {k: localized[k] for k in ("Label", "LanguageCode")} == _label("In Progress", 1033)
    assert first["Label"]["UserLocalizedLabel"] == localized
    assert first["Description"] == {"LocalizedLabels": [], "UserLocalizedLabel": None}
    assert first["Color"] is None
    assert first["TransitionData"] is None


def test_state_options_carry_their_default_status(api: Api) -> None:
    response = api.get(
        f"{INCIDENT}/Attributes(LogicalName='statecode')/{CRM}StateAttributeMetadata"
        "?$select=LogicalName&$expand=OptionSet($select=Options)"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].endswith(
        f"{CRM}StateAttributeMetadata(LogicalName,OptionSet(Options))/$entity"
    )
    assert set(body["OptionSet"]) == {"MetadataId", "Options"}
    # "StateCode Options": value, label, default status, invariant name.
    states = [
        (o["Value"], _labels(o)[0], o["DefaultStatus"], o["InvariantName"])
        for o in body["OptionSet"]["Options"]
    ]
    assert states == [
        (0, "Active", 1, "Active"),
        (1, "Resolved", 5, "Resolved"),
        (2, "Canceled", 6, "Canceled"),
    ]


def test_choice_options_through_option_set_and_global_option_set(api: Api) -> None:
    response = api.get(
        f"{INCIDENT}/Attributes(LogicalName='prioritycode')/{CRM}PicklistAttributeMetadata"
        "?$select=LogicalName&$expand=OptionSet($select=Options),GlobalOptionSet($select=Options)"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # "You can get the option definition from either property regardless of whether the
    # attribute is configured to use global option sets or the local option set."
    assert body["OptionSet"] == body["GlobalOptionSet"]
    option = body["OptionSet"]["Options"][0]
    assert set(option) == {
        "Value",
        "Color",
        "IsManaged",
        "ExternalValue",
        "ParentValues",
        "Tag",
        "IsHidden",
        "MetadataId",
        "HasChanged",
        "Label",
        "Description",
    }
    assert [(o["Value"], _labels(o)) for o in body["OptionSet"]["Options"]] == [
        (1, ("High", "High")),
        (2, ("Normal", "Normal")),
        (3, ("Low", "Low")),
    ]


def test_yes_no_column_has_true_and_false_options(api: Api) -> None:
    response = api.get(
        "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='donotemail')"
        f"/{CRM}BooleanAttributeMetadata?$select=LogicalName,DefaultValue&$expand=OptionSet"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["DefaultValue"] is False
    option_set = body["OptionSet"]
    assert option_set["OptionSetType"] == "Boolean"
    assert "Options" not in option_set
    # "DoNotEMail Options": 1 Do Not Allow, 0 Allow.
    assert (option_set["TrueOption"]["Value"], _labels(option_set["TrueOption"])[0]) == (
        1,
        "Do Not Allow",
    )
    assert (option_set["FalseOption"]["Value"], _labels(option_set["FalseOption"])[0]) == (
        0,
        "Allow",
    )


def test_collection_cast_lists_only_that_type_as_the_python_sdk_reads_it(api: Api) -> None:
    # PowerPlatform-Dataverse-Client's picklist cache: Attributes/…PicklistAttributeMetadata
    # ?$select=LogicalName&$expand=OptionSet($select=Options).
    response = api.get(
        f"{INCIDENT}/Attributes/{CRM}PicklistAttributeMetadata"
        "?$select=LogicalName&$expand=OptionSet($select=Options)"
    )
    assert response.status_code == 200, response.text
    rows = response.json()["value"]
    assert {r["LogicalName"] for r in rows} == {"prioritycode", "caseorigincode", "casetypecode"}
    assert all("@odata.type" not in r for r in rows)
    origin = next(r for r in rows if r["LogicalName"] == "caseorigincode")
    assert {o["Value"] for o in origin["OptionSet"]["Options"]} >= {1, 2, 3, 2483, 3986}
    statuses = api.get(f"{INCIDENT}/Attributes/{CRM}StatusAttributeMetadata?$select=LogicalName")
    assert [r["LogicalName"] for r in statuses.json()["value"]] == ["statuscode"]


def test_attributes_of_the_base_type_are_annotated_with_their_derived_type(api: Api) -> None:
    # "Retrieve schema definitions by MetadataId": {"@odata.type":
    # "#Microsoft.Dynamics.CRM.PicklistAttributeMetadata", "MetadataId": "…"}.
    response = api.get(
        f"{INCIDENT}/Attributes?$filter=LogicalName eq 'prioritycode'&$select=MetadataId"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].endswith("/Attributes(MetadataId)")
    [row] = body["value"]
    assert set(row) == {"@odata.type", "MetadataId"}
    assert row["@odata.type"] == f"#{CRM}PicklistAttributeMetadata"
    one = api.get(f"{INCIDENT}/Attributes(LogicalName='title')").json()
    assert one["@odata.type"] == f"#{CRM}StringAttributeMetadata"
    assert (one["MaxLength"], one["Format"]) == (200, "Text")
    assert one["RequiredLevel"] == {
        "Value": "None",
        "CanBeChanged": True,
        "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
    }


def test_option_set_path_under_a_cast(api: Api) -> None:
    # "…/Microsoft.Dynamics.CRM.PicklistAttributeMetadata/OptionSet?$select=Options"
    response = api.get(
        f"{INCIDENT}/Attributes(LogicalName='casetypecode')/{CRM}PicklistAttributeMetadata"
        "/OptionSet?$select=Options"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].endswith("/OptionSet(Options)/$entity")
    assert set(body) == {"@odata.context", "MetadataId", "Options"}
    assert [o["Value"] for o in body["Options"]] == [1, 2, 3]


def test_a_cast_to_the_wrong_type_is_not_found(api: Api) -> None:
    # OData URL Conventions 4.11: a single entity not of the cast type is 404 Not Found.
    response = api.get(
        f"{INCIDENT}/Attributes(LogicalName='title')/{CRM}PicklistAttributeMetadata"
        "?$expand=OptionSet"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "0x80040217"
    assert "PicklistAttributeMetadata" in response.json()["error"]["message"]
    status_as_state = api.get(
        f"{INCIDENT}/Attributes(LogicalName='statuscode')/{CRM}StateAttributeMetadata"
    )
    assert status_as_state.status_code == 404


def test_option_sets_need_a_cast(api: Api) -> None:
    # "You can't include the OptionSet or GlobalOptionSet … within the $select of this query":
    # without the cast they are not properties of AttributeMetadata.
    plain = api.get(f"{INCIDENT}/Attributes(LogicalName='prioritycode')?$expand=OptionSet")
    assert plain.status_code == 400
    assert "OptionSet" in plain.json()["error"]["message"]
    # "You cannot cast the attributes to" EnumAttributeMetadata.
    enum = api.get(f"{INCIDENT}/Attributes/{CRM}EnumAttributeMetadata")
    assert enum.status_code == 404
    # MaxLength is a StringAttributeMetadata property, not one of AttributeMetadata.
    base = api.get(f"{INCIDENT}/Attributes?$select=LogicalName,MaxLength")
    assert base.status_code == 400
    cast = api.get(f"{INCIDENT}/Attributes/{CRM}StringAttributeMetadata?$select=MaxLength")
    assert cast.status_code == 200
    assert {"MaxLength", "MetadataId"} == set(cast.json()["value"][0])


def test_new_option_values_appear_in_the_option_set(api: Api) -> None:
    inserted = api.post(
        "InsertOptionValue",
        {
            "EntityLogicalName": "incident",
            "AttributeLogicalName": "casetypecode",
            "Label": {"LocalizedLabels": [_label("Signalement")]},
        },
    )
    assert inserted.status_code == 200, inserted.text
    options = api.get(
        f"{INCIDENT}/Attributes(LogicalName='casetypecode')/{CRM}PicklistAttributeMetadata"
        "/OptionSet?$select=Options"
    ).json()["Options"]
    assert (options[-1]["Value"], _labels(options[-1])[0]) == (100000000, "Signalement")


def test_documented_attribute_filters(api: Api) -> None:
    # "…?$select=LogicalName&$expand=Attributes($select=LogicalName;$filter=AttributeType eq
    # Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist')"
    expanded = api.get(
        f"{INCIDENT}?$select=LogicalName&$expand=Attributes($select=LogicalName;"
        f"$filter=AttributeType eq {CRM}AttributeTypeCode'Picklist')"
    )
    assert expanded.status_code == 200, expanded.text
    body = expanded.json()
    assert body["@odata.context"].endswith(
        "EntityDefinitions(LogicalName,Attributes(LogicalName))/$entity"
    )
    assert {a["LogicalName"] for a in body["Attributes"]} == {
        "prioritycode",
        "caseorigincode",
        "casetypecode",
    }
    # "Filtering by required level": RequiredLevel/Value eq …AttributeRequiredLevel'…'.
    required = api.get(
        f"{INCIDENT}/Attributes?$select=LogicalName&$filter=RequiredLevel/Value eq "
        f"{CRM}AttributeRequiredLevel'SystemRequired'"
    )
    assert required.status_code == 200, required.text
    assert {a["LogicalName"] for a in required.json()["value"]} == {
        "incidentid",
        "statecode",
        "ownerid",
        "customerid",
    }

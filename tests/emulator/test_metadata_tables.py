"""Table definitions (EntityMetadata) with $select and $filter, as Microsoft Learn queries them
("Query table definitions using the Web API", "Use change tracking to synchronize data with
external systems"; names and type codes from the table references)."""

from __future__ import annotations

from urllib.parse import quote

from .conftest import Api


def test_select_returns_the_selected_properties_and_the_metadata_id(api: Api) -> None:
    # "GET …/EntityDefinitions(LogicalName='account')?$select=DisplayName,…,EntitySetName":
    # "The MetadataId property value is always returned", labels as LocalizedLabels and
    # UserLocalizedLabel.
    response = api.get(
        "EntityDefinitions(LogicalName='incident')?$select=DisplayName,EntitySetName,SchemaName"
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.context"].endswith(
        "$metadata#EntityDefinitions(DisplayName,EntitySetName,SchemaName)/$entity"
    )
    assert set(body) == {
        "@odata.context",
        "MetadataId",
        "DisplayName",
        "EntitySetName",
        "SchemaName",
    }
    assert (body["EntitySetName"], body["SchemaName"]) == ("incidents", "Incident")
    localized = body["DisplayName"]["LocalizedLabels"][0]
    assert (localized["Label"], localized["LanguageCode"]) == ("Case", 1033)
    assert set(localized) == {"Label", "LanguageCode", "IsManaged", "MetadataId", "HasChanged"}
    assert body["DisplayName"]["UserLocalizedLabel"] == localized


def test_common_entity_metadata_properties(api: Api) -> None:
    body = api.get("EntityDefinitions(LogicalName='contact')").json()
    expected = {
        "LogicalName": "contact",
        "SchemaName": "Contact",
        "EntitySetName": "contacts",
        "PrimaryIdAttribute": "contactid",
        "PrimaryNameAttribute": "fullname",
        "ObjectTypeCode": 2,
        "IsCustomEntity": False,
        "IsPrivate": False,
        "IsActivity": False,
        "ChangeTrackingEnabled": True,  # emulator/schema.json: contacts track changes
        "OwnershipType": "UserOwned",
        "IsCustomizable": {
            "Value": True,
            "CanBeChanged": False,
            "ManagedPropertyLogicalName": "iscustomizable",
        },
    }
    assert {k: body[k] for k in expected} == expected
    assert body["DisplayCollectionName"]["UserLocalizedLabel"]["Label"] == "Contacts"
    by_id = api.get(f"EntityDefinitions({body['MetadataId']})?$select=LogicalName").json()
    assert by_id["LogicalName"] == "contact"
    codes = {
        r["LogicalName"]: r["ObjectTypeCode"]
        for r in api.get("EntityDefinitions?$select=LogicalName,ObjectTypeCode").json()["value"]
    }
    assert {k: codes[k] for k in ("account", "incident", "subject", "systemuser")} == {
        "account": 1,
        "incident": 112,
        "subject": 129,
        "systemuser": 8,
    }


def test_filters_on_primitive_enum_and_managed_properties(api: Api) -> None:
    def names(query: str) -> set[str]:
        response = api.get("EntityDefinitions?$select=LogicalName&$filter=" + quote(query))
        assert response.status_code == 200, response.text
        return {r["LogicalName"] for r in response.json()["value"]}

    everything = names("IsPrivate eq false")  # what the Python SDK's tables.list() sends
    assert {"contact", "incident", "systemuser"} <= everything
    assert names("LogicalName eq 'incident'") == {"incident"}
    assert names("IsCustomEntity eq false") == everything
    # The documented change-tracking query: every built-in table of the emulator but subject.
    tracked = names("ChangeTrackingEnabled eq true and IsCustomEntity eq false")
    assert "subject" not in tracked
    assert {"contact", "incident", "account", "annotation"} <= tracked
    # "Use enum types in $filter operations".
    user_owned = names("OwnershipType eq Microsoft.Dynamics.CRM.OwnershipTypes'UserOwned'")
    assert user_owned == {
        "contact",
        "account",
        "incident",
        "incidentresolution",
        "annotation",
        "activitypointer",
        "knowledgearticle",
    }
    # "Use complex types in $filter operations".
    assert names("CanCreateAttributes/Value eq true") == everything
    assert names("IsPrivate eq false and (ObjectTypeCode lt 10)") == {
        "account",
        "contact",
        "annotation",
        "systemuser",
        "team",
    }


def test_filters_that_dataverse_refuses_are_refused(api: Api) -> None:
    # "This does not work on properties of Label ComplexType".
    label = api.get("EntityDefinitions?$filter=DisplayName/UserLocalizedLabel/Label eq 'Case'")
    assert label.status_code == 400
    wrong_enum = api.get(
        "EntityDefinitions?$filter=OwnershipType eq "
        "Microsoft.Dynamics.CRM.AttributeTypeCode'Lookup'"
    )
    assert wrong_enum.status_code == 400
    assert "incompatible types" in wrong_enum.json()["error"]["message"]
    unknown = api.get("EntityDefinitions?$select=LogicalName&$filter=Nope eq 1")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == (
        "Could not find a property named 'Nope' on type 'Microsoft.Dynamics.CRM.EntityMetadata'."
    )


def test_the_python_sdk_resolves_tables_and_columns(api: Api) -> None:
    # PowerPlatform-Dataverse-Client: _get_entity_by_table_schema_name, then
    # _get_attribute_metadata on EntityDefinitions(<MetadataId>)/Attributes.
    table = api.get(
        "EntityDefinitions?$select=MetadataId,LogicalName,SchemaName,EntitySetName,"
        "PrimaryNameAttribute,PrimaryIdAttribute&$filter=" + quote("LogicalName eq 'incident'")
    ).json()["value"][0]
    assert table["SchemaName"] == "Incident"
    column = api.get(
        f"EntityDefinitions({table['MetadataId']})/Attributes?$select=MetadataId,LogicalName,"
        "SchemaName,AttributeType&$filter=" + quote("LogicalName eq 'ticketnumber'")
    )
    assert column.status_code == 200, column.text
    [row] = column.json()["value"]
    assert (row["LogicalName"], row["AttributeType"]) == ("ticketnumber", "String")
    strings = api.get(
        f"EntityDefinitions({table['MetadataId']})/Attributes?$select=LogicalName"
        "&$filter=" + quote("AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Memo'")
    )
    assert [r["LogicalName"] for r in strings.json()["value"]] == ["description"]


def test_created_columns_keep_their_schema_name(api: Api) -> None:
    created = api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "cz_IdentityKey",
            "MaxLength": 64,
        },
    )
    assert created.status_code == 204, created.text
    column = api.get(
        "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='cz_identitykey')"
        "?$select=SchemaName,IsCustomAttribute"
    ).json()
    assert (column["SchemaName"], column["IsCustomAttribute"]) == ("cz_IdentityKey", True)


def test_definition_writes_it_does_not_emulate_are_refused(api: Api) -> None:
    # Creating and deleting tables, columns and keys is emulated (test_definition_writes.py);
    # updating a definition (PUT) is not, and says so.
    table = api.session.put(
        api.url("EntityDefinitions(LogicalName='account')"),
        json={"@odata.type": "Microsoft.Dynamics.CRM.EntityMetadata", "SchemaName": "Account"},
        timeout=10,
    )
    assert table.status_code == 501
    assert "not emulated" in table.json()["error"]["message"]
    column = api.session.put(
        api.url("EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='title')"),
        json={"@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata"},
        timeout=10,
    )
    assert column.status_code == 501

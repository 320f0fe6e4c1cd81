"""Relationship and global choice definitions (Microsoft Learn: "Query table definitions using
the Web API", sections "Querying relationship metadata" and "Querying Global OptionSets";
"Reference Dataverse schema definitions by name or MetadataId"; relationship names from the
table references)."""

from __future__ import annotations

from urllib.parse import quote

from cityzen_connector.emulator import EmulatorApp

from .conftest import Api

CRM = "Microsoft.Dynamics.CRM."


def test_relationships_listed_with_their_derived_type(api: Api) -> None:
    response = api.get("RelationshipDefinitions?$select=SchemaName")
    assert response.status_code == 200, response.text
    rows = response.json()["value"]
    names = {r["SchemaName"] for r in rows}
    assert {
        "incident_customer_contacts",
        "incident_customer_accounts",
        "subject_incidents",
        "Incident_Annotation",
        "business_unit_teams",
        "owner_incidents",
        "teammembership_association",
        "systemuserroles_association",
    } <= names
    assert {r["@odata.type"] for r in rows} == {
        f"#{CRM}OneToManyRelationshipMetadata",
        f"#{CRM}ManyToManyRelationshipMetadata",
    }


def test_one_to_many_cast_filters_on_referenced_entity(api: Api) -> None:
    # "RelationshipDefinitions/Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata
    # ?$select=SchemaName&$filter=ReferencedEntity eq 'account'"
    response = api.get(
        f"RelationshipDefinitions/{CRM}OneToManyRelationshipMetadata?$select=SchemaName"
        "&$filter=" + quote("ReferencedEntity eq 'contact'")
    )
    assert response.status_code == 200, response.text
    names = {r["SchemaName"] for r in response.json()["value"]}
    assert names == {
        "account_primary_contact",
        "contact_customer_contacts",
        "incident_customer_contacts",
        "contact_as_primary_contact",
        "Contact_Annotation",
        "Contact_ActivityPointers",  # activitypointer.regardingobjectid (its reference)
    }
    # "…essentially the same results as" the entity's OneToManyRelationships.
    same = api.get(
        "EntityDefinitions(LogicalName='contact')/OneToManyRelationships?$select=SchemaName"
    )
    assert {r["SchemaName"] for r in same.json()["value"]} == names


def test_relationship_by_schema_name(api: Api) -> None:
    # "GET /api/data/v9.2/RelationshipDefinitions(SchemaName='Account_Tasks')"
    response = api.get("RelationshipDefinitions(SchemaName='subject_incidents')")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.type"] == f"#{CRM}OneToManyRelationshipMetadata"
    expected = {
        "SchemaName": "subject_incidents",
        "RelationshipType": "OneToManyRelationship",
        "ReferencedEntity": "subject",
        "ReferencedAttribute": "subjectid",
        "ReferencingEntity": "incident",
        "ReferencingAttribute": "subjectid",
        "ReferencingEntityNavigationPropertyName": "subjectid",
        "ReferencedEntityNavigationPropertyName": "subject_incidents",
        "IsHierarchical": False,
        "IsCustomRelationship": False,
    }
    assert {k: body[k] for k in expected} == expected
    by_id = api.get(f"RelationshipDefinitions({body['MetadataId']})?$select=SchemaName")
    assert by_id.json()["SchemaName"] == "subject_incidents"
    # The Python SDK's get_relationship: $filter=SchemaName eq '…'.
    listed = api.get(
        "RelationshipDefinitions?$filter=" + quote("SchemaName eq 'subject_parent_subject'")
    ).json()["value"]
    assert [(r["SchemaName"], r["IsHierarchical"]) for r in listed] == [
        ("subject_parent_subject", True)
    ]
    as_many = api.get(
        f"RelationshipDefinitions(SchemaName='subject_incidents')/{CRM}ManyToManyRelationshipMetadata"
    )
    assert as_many.status_code == 404
    missing = api.get("RelationshipDefinitions(SchemaName='nope')")
    assert missing.status_code == 404


def test_relationship_type_filter_as_the_python_sdk_documents_it(api: Api) -> None:
    query = "RelationshipType eq Microsoft.Dynamics.CRM.RelationshipType'ManyToManyRelationship'"
    response = api.get("RelationshipDefinitions?$filter=" + quote(query) + "&$select=SchemaName")
    assert response.status_code == 200, response.text
    assert sorted(r["SchemaName"] for r in response.json()["value"]) == [
        "systemuserroles_association",
        "teammembership_association",
        "teamroles_association",
    ]


def test_many_to_many_relationships_come_from_the_schema(api: Api) -> None:
    # "Web API Navigation Properties": teammembership_association between systemuser and team,
    # through the teammembership intersect table; the team table reference lists team as its
    # Entity1 and systemuser as its Entity2.
    response = api.get(f"RelationshipDefinitions/{CRM}ManyToManyRelationshipMetadata")
    assert response.status_code == 200, response.text
    rows = {r["SchemaName"]: r for r in response.json()["value"]}
    row = rows["teammembership_association"]
    expected = {
        "SchemaName": "teammembership_association",
        "RelationshipType": "ManyToManyRelationship",
        "Entity1LogicalName": "team",
        "Entity2LogicalName": "systemuser",
        "IntersectEntityName": "teammembership",
        "Entity1IntersectAttribute": "teamid",
        "Entity2IntersectAttribute": "systemuserid",
        "Entity1NavigationPropertyName": "teammembership_association",
        "Entity2NavigationPropertyName": "teammembership_association",
    }
    assert {k: row[k] for k in expected} == expected
    of_team = api.get("EntityDefinitions(LogicalName='team')/ManyToManyRelationships")
    assert [r["SchemaName"] for r in of_team.json()["value"]] == [
        "teammembership_association",
        "teamroles_association",
    ]
    # Its properties are not those of OneToManyRelationshipMetadata.
    wrong = api.get(
        "EntityDefinitions(LogicalName='team')/ManyToManyRelationships?$select=ReferencedEntity"
    )
    assert wrong.status_code == 400


def test_relationship_collections_expand_on_entity_definitions(api: Api) -> None:
    response = api.get(
        "EntityDefinitions(LogicalName='incident')?$select=LogicalName"
        "&$expand=ManyToOneRelationships($select=SchemaName,ReferencedEntity)"
    )
    assert response.status_code == 200, response.text
    many_to_one = {
        (r["SchemaName"], r["ReferencedEntity"]) for r in response.json()["ManyToOneRelationships"]
    }
    assert ("incident_customer_accounts", "account") in many_to_one
    assert ("business_unit_incidents", "businessunit") in many_to_one


def test_global_option_set_by_name_and_by_metadata_id(api: Api) -> None:
    # "GET …/GlobalOptionSetDefinitions(Name='incident_caseorigincode')"
    response = api.get("GlobalOptionSetDefinitions(Name='incident_caseorigincode')")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["@odata.type"] == f"#{CRM}OptionSetMetadata"
    assert (body["Name"], body["IsGlobal"], body["OptionSetType"]) == (
        "incident_caseorigincode",
        True,
        "Picklist",
    )
    assert {o["Value"] for o in body["Options"]} >= {1, 2, 3, 2483, 3986}
    by_id = api.get(f"GlobalOptionSetDefinitions({body['MetadataId']})?$select=Name")
    assert by_id.json()["Name"] == "incident_caseorigincode"
    listed = api.get("GlobalOptionSetDefinitions?$select=Name").json()["value"]
    assert [r["Name"] for r in listed] == ["incident_caseorigincode"]
    through_column = api.get(
        "EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='caseorigincode')"
        f"/{CRM}PicklistAttributeMetadata?$select=LogicalName&$expand=GlobalOptionSet($select=Name)"
    )
    assert through_column.json()["GlobalOptionSet"]["Name"] == "incident_caseorigincode"


def test_global_option_sets_refuse_filter_and_unknown_names(api: Api) -> None:
    # "This path does not support the use of the $filter system query option."
    filtered = api.get("GlobalOptionSetDefinitions?$filter=" + quote("Name eq 'x'"))
    assert filtered.status_code == 400
    missing = api.get("GlobalOptionSetDefinitions(Name='incident_prioritycode')")
    assert missing.status_code == 404


def test_creating_definitions_here_is_not_emulated(api: Api) -> None:
    response = api.post(
        "RelationshipDefinitions",
        {"@odata.type": f"{CRM}OneToManyRelationshipMetadata", "SchemaName": "cz_a_b"},
    )
    assert response.status_code == 501
    assert "not emulated" in response.json()["error"]["message"]


def test_each_served_one_to_many_collection_is_its_relationships_navigation(
    app: EmulatorApp, api: Api
) -> None:
    # One model: the collections $expand, lambdas and $ref serve are the
    # ReferencedEntityNavigationPropertyName of the relationship the metadata lists, under the
    # table reference's schema name.
    for collection in app.schema.relationships.one_to_many:
        response = api.get(f"RelationshipDefinitions(SchemaName='{collection.name}')")
        assert response.status_code == 200, collection.name
        body = response.json()
        assert (
            body["ReferencedEntity"],
            body["ReferencingEntity"],
            body["ReferencingAttribute"],
            body["ReferencedEntityNavigationPropertyName"],
        ) == (collection.source, collection.target, collection.lookup, collection.name)

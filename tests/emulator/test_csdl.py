"""The CSDL $metadata document (Microsoft Learn: "Web API Service Documents", "Web API
EntityTypes", "Web API Properties", "Web API Navigation Properties", "Web API Actions",
"Web API Functions", "Use Web API functions")."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cityzen_connector.testing import FakeClock

from .conftest import Api

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def _schema(api: Api, query: str = "") -> ET.Element:
    response = api.get("$metadata" + query, headers={"Accept": "application/xml"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/xml"
    assert response.headers["OData-Version"] == "4.0"
    root = ET.fromstring(response.content)
    assert root.tag == f"{EDMX}Edmx"
    assert root.get("Version") == "4.0"
    schema = root.find(f"{EDMX}DataServices/{EDM}Schema")
    assert schema is not None
    return schema


def _entity_type(schema: ET.Element, name: str) -> ET.Element:
    found = schema.find(f"{EDM}EntityType[@Name='{name}']")
    assert found is not None, name
    return found


def _properties(entity_type: ET.Element) -> dict[str, str]:
    return {p.get("Name", ""): p.get("Type", "") for p in entity_type.findall(f"{EDM}Property")}


def test_service_namespace_and_entity_types(api: Api) -> None:
    schema = _schema(api)
    # '<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" …>'
    assert (schema.get("Namespace"), schema.get("Alias")) == ("Microsoft.Dynamics.CRM", "mscrm")
    base = _entity_type(schema, "crmbaseentity")
    assert base.get("Abstract") == "true"
    account = _entity_type(schema, "account")
    # '<EntityType Name="account" BaseType="mscrm.crmbaseentity"><Key><PropertyRef
    # Name="accountid" /></Key>'
    assert account.get("BaseType") == "mscrm.crmbaseentity"
    assert [r.get("Name") for r in account.findall(f"{EDM}Key/{EDM}PropertyRef")] == ["accountid"]


def test_properties_use_the_edm_types_dataverse_maps_columns_to(api: Api) -> None:
    schema = _schema(api)
    contact = _properties(_entity_type(schema, "contact"))
    assert contact["contactid"] == "Edm.Guid"
    assert contact["firstname"] == "Edm.String"
    assert contact["address1_latitude"] == "Edm.Double"
    assert contact["donotemail"] == "Edm.Boolean"
    assert contact["birthdate"] == "Edm.Date"
    assert contact["createdon"] == "Edm.DateTimeOffset"
    assert contact["gendercode"] == "Edm.Int32"
    assert contact["statecode"] == "Edm.Int32"
    assert contact["versionnumber"] == "Edm.Int64"
    # Lookups are '_<name>_value' Edm.Guid properties ("Web API Properties").
    assert contact["_parentcustomerid_value"] == "Edm.Guid"
    assert "parentcustomerid" not in contact
    account = _entity_type(schema, "account")
    revenue = account.find(f"{EDM}Property[@Name='revenue']")
    assert revenue is not None
    assert (revenue.get("Type"), revenue.get("Scale")) == ("Edm.Decimal", "Variable")
    assert _properties(account)["numberofemployees"] == "Edm.Int32"


def test_lookups_are_navigation_properties_with_a_referential_constraint(api: Api) -> None:
    schema = _schema(api)
    incident = _entity_type(schema, "incident")
    navigations = {n.get("Name"): n for n in incident.findall(f"{EDM}NavigationProperty")}
    # A multi-table lookup: one single-valued navigation property per table, one lookup
    # property ("Multi-table lookups", Web API Navigation Properties).
    customer = navigations["customerid_contact"]
    assert customer.get("Type") == "mscrm.contact"
    constraint = customer.find(f"{EDM}ReferentialConstraint")
    assert constraint is not None
    assert (constraint.get("Property"), constraint.get("ReferencedProperty")) == (
        "_customerid_value",
        "contactid",
    )
    assert navigations["customerid_account"].get("Type") == "mscrm.account"
    assert navigations["subjectid"].get("Type") == "mscrm.subject"
    owner = navigations["ownerid"]
    assert owner.get("Type") == "mscrm.principal"
    # systemuser and team inherit from principal, whose key is ownerid ("Web API EntityTypes").
    assert _entity_type(schema, "systemuser").get("BaseType") == "mscrm.principal"
    principal = _entity_type(schema, "principal")
    assert [r.get("Name") for r in principal.findall(f"{EDM}Key/{EDM}PropertyRef")] == ["ownerid"]


def test_entity_sets_and_operations(api: Api) -> None:
    schema = _schema(api)
    container = schema.find(f"{EDM}EntityContainer")
    assert container is not None
    sets = {s.get("Name"): s for s in container.findall(f"{EDM}EntitySet")}
    assert sets["incidents"].get("EntityType") == "mscrm.incident"
    bindings = {
        b.get("Path"): b.get("Target")
        for b in sets["incidents"].findall(f"{EDM}NavigationPropertyBinding")
    }
    assert bindings["customerid_contact"] == "contacts"
    # '<Function Name="WhoAmI"><ReturnType Type="mscrm.WhoAmIResponse" Nullable="false" />'
    who_am_i = schema.find(f"{EDM}Function[@Name='WhoAmI']")
    assert who_am_i is not None
    returns = who_am_i.find(f"{EDM}ReturnType")
    assert returns is not None
    assert (returns.get("Type"), returns.get("Nullable")) == ("mscrm.WhoAmIResponse", "false")
    response_type = schema.find(f"{EDM}ComplexType[@Name='WhoAmIResponse']")
    assert response_type is not None
    assert set(_properties(response_type)) == {"BusinessUnitId", "UserId", "OrganizationId"}
    for name in ("CreateMultiple", "UpsertMultiple"):
        action = schema.find(f"{EDM}Action[@Name='{name}']")
        assert action is not None, name
        assert action.get("IsBound") == "true"
        parameters = [(p.get("Name"), p.get("Type")) for p in action.findall(f"{EDM}Parameter")]
        assert parameters[1] == ("Targets", "Collection(mscrm.crmbaseentity)")
    imports = {f.get("Name") for f in container.findall(f"{EDM}FunctionImport")}
    assert "WhoAmI" in imports
    # The service document and $metadata name the same entity sets.
    service = api.get("").json()["value"]
    assert {s["name"] for s in service} == set(sets)


def test_active_alternate_keys_are_annotated(api: Api, clock: FakeClock) -> None:
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "cz_IdentityKey",
            "MaxLength": 64,
        },
    )
    api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]},
    )
    term = f"{EDM}Annotation[@Term='OData.Community.Keys.V1.AlternateKeys']"
    assert _entity_type(_schema(api), "contact").find(term) is None  # still Pending
    clock.advance(3)
    contact = _entity_type(_schema(api), "contact")
    assert _properties(contact)["cz_identitykey"] == "Edm.String"
    annotation = contact.find(term)
    assert annotation is not None
    values = {
        v.get("Property"): v.get("String") or v.get("PropertyPath")
        for v in annotation.iter(f"{EDM}PropertyValue")
        if v.get("Property") in ("Alias", "Name")
    }
    assert values == {"Alias": "cz_identitykey", "Name": "cz_identitykey"}


def test_annotations_mark_read_only_properties(api: Api) -> None:
    plain = _entity_type(_schema(api), "incident")
    assert plain.find(f"{EDM}Property[@Name='createdon']/{EDM}Annotation") is None
    annotated = _entity_type(_schema(api, "?annotations=true"), "incident")
    terms = {
        a.get("Term")
        for a in annotated.findall(f"{EDM}Property[@Name='createdon']/{EDM}Annotation")
    }
    assert terms == {"Org.OData.Core.V1.Computed", "Org.OData.Core.V1.Permissions"}
    assert annotated.find(f"{EDM}Property[@Name='title']/{EDM}Annotation") is None
    assert api.get("$metadata?$top=1").status_code == 400


def test_many_to_many_relationships_are_collection_valued_navigation_properties(
    api: Api,
) -> None:
    schema = _schema(api)
    # '<NavigationProperty Name="teammembership_association" Type="Collection(mscrm.team)"
    # Partner="teammembership_association" />' ("Many-to-Many Relationships").
    for name, other in (("systemuser", "team"), ("team", "systemuser")):
        navigation = _entity_type(schema, name).find(
            f"{EDM}NavigationProperty[@Name='teammembership_association']"
        )
        assert navigation is not None, name
        assert navigation.get("Type") == f"Collection(mscrm.{other})"
        assert navigation.get("Partner") == "teammembership_association"


def test_served_one_to_many_collections_are_partners_of_their_lookups(api: Api) -> None:
    # "Web API Navigation Properties": '<NavigationProperty Name="createdby"
    # Type="mscrm.systemuser" Nullable="false" Partner="lk_accountbase_createdby">' on account
    # and '<NavigationProperty Name="lk_accountbase_createdby" Type="Collection(mscrm.account)"
    # Partner="createdby" />' on systemuser.
    schema = _schema(api)
    contact = _entity_type(schema, "contact")
    collection = contact.find(f"{EDM}NavigationProperty[@Name='incident_customer_contacts']")
    assert collection is not None
    assert collection.get("Type") == "Collection(mscrm.incident)"
    assert collection.get("Partner") == "customerid_contact"
    incident = _entity_type(schema, "incident")
    lookup = incident.find(f"{EDM}NavigationProperty[@Name='customerid_contact']")
    assert lookup is not None
    assert lookup.get("Partner") == "incident_customer_contacts"
    # A lookup whose collection the emulator does not serve names no partner.
    owner = incident.find(f"{EDM}NavigationProperty[@Name='ownerid']")
    assert owner is not None
    assert owner.get("Partner") is None
    # The entity set binds the collection to its target set, as it binds lookups.
    container = schema.find(f"{EDM}EntityContainer")
    assert container is not None
    contacts = container.find(f"{EDM}EntitySet[@Name='contacts']")
    assert contacts is not None
    bindings = {
        b.get("Path"): b.get("Target") for b in contacts.findall(f"{EDM}NavigationPropertyBinding")
    }
    assert bindings["incident_customer_contacts"] == "incidents"


def test_every_collection_the_emulator_serves_is_described(api: Api) -> None:
    schema = _schema(api)
    relationships = api.get("RelationshipDefinitions").json()["value"]
    many = {r["SchemaName"] for r in relationships if "Entity1LogicalName" in r}
    assert many == {
        "teammembership_association",
        "teamroles_association",
        "systemuserroles_association",
    }
    for table, name, other in (
        ("team", "teamroles_association", "role"),
        ("role", "teamroles_association", "team"),
        ("systemuser", "systemuserroles_association", "role"),
        ("role", "systemuserroles_association", "systemuser"),
    ):
        navigation = _entity_type(schema, table).find(f"{EDM}NavigationProperty[@Name='{name}']")
        assert navigation is not None, (table, name)
        assert (navigation.get("Type"), navigation.get("Partner")) == (
            f"Collection(mscrm.{other})",
            name,
        )


def test_update_multiple_is_a_bound_action_without_return_type(api: Api) -> None:
    # "UpdateMultiple Action": bound to a crmbaseentity collection; "HTTP/1.1 204 NoContent".
    action = _schema(api).find(f"{EDM}Action[@Name='UpdateMultiple']")
    assert action is not None
    assert action.get("IsBound") == "true"
    parameters = [(p.get("Name"), p.get("Type")) for p in action.findall(f"{EDM}Parameter")]
    assert parameters == [
        ("entityset", "Collection(mscrm.crmbaseentity)"),
        ("Targets", "Collection(mscrm.crmbaseentity)"),
    ]
    assert action.find(f"{EDM}ReturnType") is None

"""What Microsoft documents about the tables the emulator holds beyond their columns: names and
type codes, display labels, the options of their state, status and yes/no columns, which
choices are global, and the schema names of their relationships.

``schema.json`` says what a table holds; this module says how Dataverse describes it. A table,
column or lookup that is not listed here (one another part of the emulator adds) still gets a
definition, built by the fallback rule written beside each table.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector.emulator._schema import Attribute, Entity, Schema

# The org's base language: a French collectivité's (1036), the language of the labels it
# creates (provisioning). The built-in labels are the English (1033) ones of Microsoft's table
# references, tagged as such: no French labels of them are published (docs/emulator.md).
LANGUAGE = 1036
BUILT_IN_LANGUAGE = 1033
# Custom tables get type codes from 10,000 up, which "vary for custom entities in different
# organizations" (EntityMetadata.ObjectTypeCode, Microsoft Learn, dotnet/api).
CUSTOM_TYPE_CODES = 10_000


@dataclass(frozen=True)
class TableInfo:
    schema_name: str
    collection_schema_name: str
    display_name: str
    display_collection_name: str
    object_type_code: int
    is_custom: bool = False


# "<Table> table/entity reference" (Microsoft Learn, power-apps/developer/data-platform/
# reference/entities/<name>), "Properties": SchemaName, CollectionSchemaName, DisplayName,
# DisplayCollectionName. Type codes: "ObjectTypeCode Values" (Microsoft Learn,
# previous-versions/ms955729) and "Object Types" (previous-versions/ms914415).
TABLES = {
    "account": TableInfo("Account", "Accounts", "Account", "Accounts", 1),
    "contact": TableInfo("Contact", "Contacts", "Contact", "Contacts", 2),
    "annotation": TableInfo("Annotation", "Annotations", "Note", "Notes", 5),
    "activitypointer": TableInfo(
        "ActivityPointer", "ActivityPointers", "Activity", "Activities", 4200
    ),
    "systemuser": TableInfo("SystemUser", "SystemUsers", "User", "Users", 8),
    "team": TableInfo("Team", "Teams", "Team", "Teams", 9),
    "businessunit": TableInfo(
        "BusinessUnit", "BusinessUnits", "Business Unit", "Business Units", 10
    ),
    "incident": TableInfo("Incident", "Incidents", "Case", "Cases", 112),
    "subject": TableInfo("Subject", "Subjects", "Subject", "Subjects", 129),
    "role": TableInfo("Role", "Roles", "Security Role", "Security Roles", 1036),
    "sdkmessage": TableInfo("SdkMessage", "SdkMessages", "Sdk Message", "Sdk Messages", 4606),
    "sdkmessagefilter": TableInfo(
        "SdkMessageFilter", "SdkMessageFilters", "Sdk Message Filter", "Sdk Message Filters", 4607
    ),
    "sdkmessageprocessingstep": TableInfo(
        "SdkMessageProcessingStep",
        "SdkMessageProcessingSteps",
        "Sdk Message Processing Step",
        "Sdk Message Processing Steps",
        4608,
    ),
    "sdkmessageprocessingstepimage": TableInfo(
        "SdkMessageProcessingStepImage",
        "SdkMessageProcessingStepImages",
        "Sdk Message Processing Step Image",
        "Sdk Message Processing Step Images",
        4615,
    ),
    "serviceendpoint": TableInfo(
        "ServiceEndpoint", "ServiceEndpoints", "Service Endpoint", "Service Endpoints", 4618
    ),
    "knowledgearticle": TableInfo(
        "KnowledgeArticle", "KnowledgeArticles", "Knowledge Article", "Knowledge Articles", 9953
    ),
    "languagelocale": TableInfo("LanguageLocale", "LanguageLocales", "Language", "Languages", 9957),
}

# "<Column> Options" of yes/no columns (true label, false label); other yes/no columns use
# Yes/No, as annotation.isdocument does.
BOOLEANS = {
    ("contact", "donotemail"): ("Do Not Allow", "Allow"),
    ("systemuser", "isdisabled"): ("Disabled", "Enabled"),
}

# Choices that use a global option set: "Query table definitions using the Web API" retrieves
# GlobalOptionSetDefinitions(Name='incident_caseorigincode').
GLOBAL_CHOICES = frozenset({("incident", "caseorigincode")})

# Relationship schema names from the reference pages' "One-To-Many" / "Many-To-One" lists, by
# (referencing table, lookup column, referenced table).
RELATIONSHIP_NAMES = {
    ("account", "primarycontactid", "contact"): "account_primary_contact",
    ("contact", "parentcustomerid", "account"): "contact_customer_accounts",
    ("contact", "parentcustomerid", "contact"): "contact_customer_contacts",
    ("incident", "customerid", "account"): "incident_customer_accounts",
    ("incident", "customerid", "contact"): "incident_customer_contacts",
    ("incident", "primarycontactid", "contact"): "contact_as_primary_contact",
    ("incident", "subjectid", "subject"): "subject_incidents",
    ("subject", "parentsubject", "subject"): "subject_parent_subject",
    ("annotation", "objectid", "account"): "Account_Annotation",
    ("annotation", "objectid", "contact"): "Contact_Annotation",
    ("annotation", "objectid", "incident"): "Incident_Annotation",
    ("activitypointer", "regardingobjectid", "account"): "Account_ActivityPointers",
    ("activitypointer", "regardingobjectid", "contact"): "Contact_ActivityPointers",
    ("activitypointer", "regardingobjectid", "incident"): "Incident_ActivityPointers",
    ("businessunit", "parentbusinessunitid", "businessunit"): "business_unit_parent_business_unit",
    ("systemuser", "businessunitid", "businessunit"): "business_unit_system_users",
    ("team", "businessunitid", "businessunit"): "business_unit_teams",
    ("role", "businessunitid", "businessunit"): "business_unit_roles",
    ("sdkmessagefilter", "sdkmessageid", "sdkmessage"): "sdkmessageid_sdkmessagefilter",
    ("sdkmessageprocessingstep", "eventhandler", "serviceendpoint"): (
        "serviceendpoint_sdkmessageprocessingstep"
    ),
    ("sdkmessageprocessingstep", "sdkmessageid", "sdkmessage"): (
        "sdkmessageid_sdkmessageprocessingstep"
    ),
    ("sdkmessageprocessingstep", "sdkmessagefilterid", "sdkmessagefilter"): (
        "sdkmessagefilterid_sdkmessageprocessingstep"
    ),
    ("sdkmessageprocessingstep", "impersonatinguserid", "systemuser"): (
        "impersonatinguserid_sdkmessageprocessingstep"
    ),
    ("sdkmessageprocessingstepimage", "sdkmessageprocessingstepid", "sdkmessageprocessingstep"): (
        "sdkmessageprocessingstepid_sdkmessageprocessingstepimage"
    ),
    ("knowledgearticle", "languagelocaleid", "languagelocale"): "knowledgearticle_languagelocaleid",
    ("knowledgearticle", "rootarticleid", "knowledgearticle"): "knowledgearticle_rootarticle_id",
    ("knowledgearticle", "parentarticlecontentid", "knowledgearticle"): (
        "knowledgearticle_parentarticle_contentid"
    ),
    ("knowledgearticle", "previousarticlecontentid", "knowledgearticle"): (
        "knowledgearticle_previousarticle_contentid"
    ),
    ("knowledgearticle", "subjectid", "subject"): "subject_knowledgearticles",
}
# IsHierarchical is True on subject_parent_subject and knowledgearticle_rootarticle_id (the
# subject and knowledgearticle reference pages).
HIERARCHICAL = frozenset({"subject_parent_subject", "knowledgearticle_rootarticle_id"})


def table_info(schema: Schema, entity: Entity) -> TableInfo:
    known = TABLES.get(entity.logical_name)
    if known is not None:
        return known
    # Not documented here: named after its logical name, numbered after the known tables.
    unknown = sorted(n for n in schema.by_name if n not in TABLES)
    return TableInfo(
        entity.schema_name or entity.logical_name,
        entity.entity_set,
        entity.schema_name or entity.logical_name,
        entity.entity_set,
        CUSTOM_TYPE_CODES + unknown.index(entity.logical_name),
        is_custom="_" in entity.logical_name,
    )


def state_options(entity: Entity) -> list[tuple[int, str, str, int]]:
    """(value, label, invariant name, default status) of each state: the labels are the
    schema's ``state_options`` (the table references' "StateCode Options"), the invariant name
    the label, as the references show for the out-of-the-box tables."""
    labels = _labels(entity, "statecode")
    return [
        (value, labels.get(value, str(value)), labels.get(value, str(value)), default_status)
        for value, default_status in sorted(entity.states.items())
    ]


def status_options(entity: Entity) -> list[tuple[int, str, int]]:
    """(value, label, state) of each status reason, grouped by state: the schema's
    ``status_options`` (the table references' "StatusCode Options"), one source for the
    metadata and for the records' state rules (``_states.py``)."""
    labels = _labels(entity, "statuscode")
    pairs = entity.status_states or {status: state for state, status in entity.states.items()}
    return [
        (status, labels.get(status, str(status)), state)
        for status, state in sorted(pairs.items(), key=lambda item: (item[1], item[0]))
    ]


def _labels(entity: Entity, column: str) -> dict[int, str]:
    attr = entity.attributes.get(column)
    return {} if attr is None or attr.options is None else dict(attr.options)


def boolean_labels(entity: Entity, attr: Attribute) -> tuple[str, str]:
    return BOOLEANS.get((entity.logical_name, attr.name), ("Yes", "No"))


def option_set_name(entity: Entity, attr: Attribute) -> str:
    # "account_preferredappointmentdaycode", "incident_caseorigincode" in the Learn examples.
    return f"{entity.logical_name}_{attr.name}"


def is_global(entity: Entity, attr: Attribute) -> bool:
    return (entity.logical_name, attr.name) in GLOBAL_CHOICES


def relationship_name(entity: Entity, attr: Attribute, target: str) -> str:
    if attr.type == "Owner":
        return f"owner_{entity.entity_set}"  # owner_accounts, owner_contacts, owner_incidents
    if attr.name == "owningbusinessunit":
        return f"business_unit_{entity.entity_set}"  # business_unit_accounts, …_annotations
    known = RELATIONSHIP_NAMES.get((entity.logical_name, attr.name, target))
    if known is not None:
        return known
    if entity.is_activity and attr.name == "regardingobjectid":
        # A custom activity's regarding relationships, as the Portal Comment reference lists
        # an activity's: "account_adx_portalcomments", "contact_adx_portalcomments".
        return f"{target}_{entity.entity_set}"
    if entity.logical_name == "annotation" and attr.name == "objectid":
        # The notes of a table created with HasNotes: "adx_portalcomment_Annotations".
        return f"{target}_Annotations"
    # Not documented here: the name the Dataverse SDK for Python gives a lookup it creates.
    return f"{target}_{entity.logical_name}_{attr.name}"

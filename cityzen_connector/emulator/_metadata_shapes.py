"""The JSON of table, column and choice definitions (EntityMetadata, the AttributeMetadata
types, OptionSetMetadata, BooleanOptionSetMetadata), as Microsoft Learn shows them in "Query
table definitions using the Web API" and "Reference Dataverse schema definitions by name or
MetadataId": labels with LocalizedLabels and UserLocalizedLabel, managed properties as
``{Value, CanBeChanged, ManagedPropertyLogicalName}``, options with their Label and Description.

Only properties the emulator can back are given; selecting another one is refused by name.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from cityzen_connector.emulator import _definitions as defs
from cityzen_connector.emulator._schema import METADATA_NS, Attribute, Entity, Schema

CRM = "Microsoft.Dynamics.CRM."
ENTITY_PROPERTIES = (
    "MetadataId",
    "HasChanged",
    "LogicalName",
    "SchemaName",
    "EntitySetName",
    "LogicalCollectionName",
    "CollectionSchemaName",
    "PrimaryIdAttribute",
    "PrimaryNameAttribute",
    "ObjectTypeCode",
    "OwnershipType",
    "TableType",
    "IsCustomEntity",
    "IsManaged",
    "IsPrivate",
    "IsActivity",
    "IsIntersect",
    "IsCustomizable",
    "CanCreateAttributes",
    "ChangeTrackingEnabled",
    "IsOptimisticConcurrencyEnabled",
    "DisplayName",
    "DisplayCollectionName",
)
# Derived AttributeMetadata type and AttributeTypeName of each AttributeType
# (AttributeTypeCode and AttributeTypeDisplayName EnumTypes).
ATTRIBUTE_TYPES = {
    "String": ("StringAttributeMetadata", "StringType"),
    "Memo": ("MemoAttributeMetadata", "MemoType"),
    "Integer": ("IntegerAttributeMetadata", "IntegerType"),
    "BigInt": ("BigIntAttributeMetadata", "BigIntType"),
    "Decimal": ("DecimalAttributeMetadata", "DecimalType"),
    "Money": ("MoneyAttributeMetadata", "MoneyType"),
    "Double": ("DoubleAttributeMetadata", "DoubleType"),
    "Boolean": ("BooleanAttributeMetadata", "BooleanType"),
    "DateTime": ("DateTimeAttributeMetadata", "DateTimeType"),
    "DateOnly": ("DateTimeAttributeMetadata", "DateTimeType"),
    "Picklist": ("PicklistAttributeMetadata", "PicklistType"),
    "State": ("StateAttributeMetadata", "StateType"),
    "Status": ("StatusAttributeMetadata", "StatusType"),
    "Uniqueidentifier": ("UniqueIdentifierAttributeMetadata", "UniqueidentifierType"),
    "Lookup": ("LookupAttributeMetadata", "LookupType"),
    "Customer": ("LookupAttributeMetadata", "CustomerType"),
    "Owner": ("LookupAttributeMetadata", "OwnerType"),
    "EntityName": ("EntityNameAttributeMetadata", "EntityNameType"),
}
ATTRIBUTE_PROPERTIES = (
    "MetadataId",
    "HasChanged",
    "LogicalName",
    "SchemaName",
    "EntityLogicalName",
    "AttributeType",
    "AttributeTypeName",
    "RequiredLevel",
    "IsCustomAttribute",
    "IsManaged",
    "IsPrimaryId",
    "IsPrimaryName",
    "IsValidForCreate",
    "IsValidForUpdate",
    "IsValidForRead",
)
_ENUM = ("DefaultFormValue",)
DERIVED_PROPERTIES: dict[str, tuple[str, ...]] = {
    "StringAttributeMetadata": ("MaxLength", "Format", "FormatName"),
    "MemoAttributeMetadata": ("MaxLength", "Format"),
    "IntegerAttributeMetadata": ("MinValue", "MaxValue", "Format"),
    "BigIntAttributeMetadata": ("MinValue", "MaxValue"),
    "DecimalAttributeMetadata": ("MinValue", "MaxValue", "Precision"),
    "MoneyAttributeMetadata": ("MinValue", "MaxValue", "Precision"),
    "DoubleAttributeMetadata": ("MinValue", "MaxValue", "Precision"),
    "BooleanAttributeMetadata": ("DefaultValue",),
    "DateTimeAttributeMetadata": ("Format", "DateTimeBehavior"),
    "PicklistAttributeMetadata": _ENUM,
    "StateAttributeMetadata": _ENUM,
    "StatusAttributeMetadata": _ENUM,
    "UniqueIdentifierAttributeMetadata": (),
    "LookupAttributeMetadata": ("Targets",),
}
# Navigation properties of the types that have choices: OptionSet and GlobalOptionSet.
WITH_OPTIONS = frozenset(
    {
        "PicklistAttributeMetadata",
        "StateAttributeMetadata",
        "StatusAttributeMetadata",
        "BooleanAttributeMetadata",
    }
)
_INT32 = (-2_147_483_648, 2_147_483_647)
_INT64 = (-9_223_372_036_854_775_808, 9_223_372_036_854_775_807)


def metadata_id(key: str) -> str:
    return str(uuid.uuid5(METADATA_NS, key))


def label(text: str | None, key: str, *, managed: bool = True) -> dict[str, Any]:
    if text is None:
        return {"LocalizedLabels": [], "UserLocalizedLabel": None}
    localized = {
        "Label": text,
        "LanguageCode": defs.BUILT_IN_LANGUAGE if managed else defs.LANGUAGE,
        "IsManaged": managed,
        "MetadataId": metadata_id(f"label:{key}"),
        "HasChanged": None,
    }
    return {"LocalizedLabels": [localized], "UserLocalizedLabel": dict(localized)}


def managed_property(value: object, can_be_changed: bool, name: str) -> dict[str, Any]:
    return {"Value": value, "CanBeChanged": can_be_changed, "ManagedPropertyLogicalName": name}


def entity_json(schema: Schema, entity: Entity) -> dict[str, Any]:
    info = defs.table_info(schema, entity)
    name = entity.logical_name
    return {
        "MetadataId": entity.metadata_id,
        "HasChanged": None,
        "LogicalName": name,
        "SchemaName": info.schema_name,
        "EntitySetName": entity.entity_set,
        # "Web API Service Documents": by default the entity set name is LogicalCollectionName.
        "LogicalCollectionName": entity.entity_set,
        "CollectionSchemaName": info.collection_schema_name,
        "PrimaryIdAttribute": entity.primary_id,
        "PrimaryNameAttribute": entity.primary_name,
        "ObjectTypeCode": info.object_type_code,
        "OwnershipType": entity.ownership,
        "TableType": "Standard",
        "IsCustomEntity": info.is_custom,
        "IsManaged": not info.is_custom,
        "IsPrivate": False,
        "IsActivity": entity.is_activity,  # "Custom activities": EntityMetadata.IsActivity
        "IsIntersect": False,
        "IsCustomizable": managed_property(True, info.is_custom, "iscustomizable"),
        "CanCreateAttributes": managed_property(True, info.is_custom, "cancreateattributes"),
        # "Use change tracking to synchronize data with external systems": clients check this
        # before asking for changes; emulator/schema.json says which tables track them.
        "ChangeTrackingEnabled": entity.change_tracking,
        "IsOptimisticConcurrencyEnabled": True,
        "DisplayName": label(info.display_name, f"entity:{name}"),
        "DisplayCollectionName": label(info.display_collection_name, f"entities:{name}"),
    }


def attribute_type(attr: Attribute) -> str:
    return ATTRIBUTE_TYPES.get(attr.type, ("StringAttributeMetadata", ""))[0]


def attribute_json(entity: Entity, attr: Attribute) -> dict[str, Any]:
    derived, type_name = ATTRIBUTE_TYPES.get(attr.type, ("StringAttributeMetadata", "StringType"))
    # A table's primary key is SystemRequired (e.g. IncidentId in the Case table reference);
    # the schema leaves it at None so that creates may omit it.
    required = "SystemRequired" if attr.name == entity.primary_id else attr.required
    system_required = required == "SystemRequired"
    out: dict[str, Any] = {
        "MetadataId": attr.metadata_id,
        "HasChanged": None,
        "LogicalName": attr.name,
        "SchemaName": attr.schema_name or attr.name,
        "EntityLogicalName": entity.logical_name,
        "AttributeType": "DateTime" if attr.type == "DateOnly" else attr.type,
        "AttributeTypeName": {"Value": type_name},
        "RequiredLevel": managed_property(
            required, not system_required, "canmodifyrequirementlevelsettings"
        ),
        "IsCustomAttribute": attr.custom,
        "IsManaged": not attr.custom,
        "IsPrimaryId": attr.name == entity.primary_id,
        "IsPrimaryName": attr.name == entity.primary_name,
        "IsValidForCreate": not attr.readonly,
        "IsValidForUpdate": not attr.readonly and attr.name != entity.primary_id,
        "IsValidForRead": True,
    }
    out.update(_derived(derived, attr))
    return out


def _derived(derived: str, attr: Attribute) -> dict[str, Any]:
    builder = _DERIVED_BUILDERS.get(derived)
    return builder(attr) if builder is not None else {}


def _text(attr: Attribute) -> dict[str, Any]:
    if attr.type == "Memo":
        return {"MaxLength": attr.max_length, "Format": "TextArea"}
    return {"MaxLength": attr.max_length, "Format": "Text", "FormatName": {"Value": "Text"}}


def _whole(attr: Attribute) -> dict[str, Any]:
    low, high = _INT64 if attr.type == "BigInt" else _INT32
    out: dict[str, Any] = {
        "MinValue": int(attr.min_value) if attr.min_value is not None else low,
        "MaxValue": int(attr.max_value) if attr.max_value is not None else high,
    }
    return out | ({"Format": "None"} if attr.type == "Integer" else {})


def _real(attr: Attribute) -> dict[str, Any]:
    return {"MinValue": attr.min_value, "MaxValue": attr.max_value, "Precision": attr.precision}


def _date(attr: Attribute) -> dict[str, Any]:
    behavior = "DateOnly" if attr.type == "DateOnly" else "UserLocal"
    return {
        "Format": "DateOnly" if attr.type == "DateOnly" else "DateAndTime",
        "DateTimeBehavior": {"Value": behavior},
    }


_DERIVED_BUILDERS: dict[str, Callable[[Attribute], dict[str, Any]]] = {
    "StringAttributeMetadata": _text,
    "MemoAttributeMetadata": _text,
    "IntegerAttributeMetadata": _whole,
    "BigIntAttributeMetadata": _whole,
    "DecimalAttributeMetadata": _real,
    "MoneyAttributeMetadata": _real,
    "DoubleAttributeMetadata": _real,
    "DateTimeAttributeMetadata": _date,
    "BooleanAttributeMetadata": lambda attr: {"DefaultValue": bool(attr.default)},
    "LookupAttributeMetadata": lambda attr: {"Targets": sorted(attr.targets)},
    "PicklistAttributeMetadata": lambda attr: {"DefaultFormValue": attr.default},
    "StateAttributeMetadata": lambda attr: {"DefaultFormValue": attr.default},
    "StatusAttributeMetadata": lambda attr: {"DefaultFormValue": attr.default},
}

"""Relationship definitions (RelationshipDefinitions, a table's relationship collections), read
from the schema: every lookup column is one one-to-many relationship per table it targets, and
the many-to-many relationships are those of the schema's relationship model
(``_relationships``, from ``schema.json``), listed as they are declared (Microsoft Learn: "Web
API Navigation Properties", "Query table definitions using the Web API", section "Querying
relationship metadata").

The JSON shapes are those of OneToManyRelationshipMetadata and ManyToManyRelationshipMetadata
("Create and update table relationships using the Web API"); only properties the emulator can
back are given (no CascadeConfiguration: it emulates no cascade; no menu configurations).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from cityzen_connector.emulator._definitions import HIERARCHICAL, relationship_name
from cityzen_connector.emulator._relationships import ManyToMany
from cityzen_connector.emulator._schema import METADATA_NS, Entity, Schema

CRM = "Microsoft.Dynamics.CRM."
ONE_TO_MANY = "OneToManyRelationshipMetadata"
MANY_TO_MANY = "ManyToManyRelationshipMetadata"
# Properties of RelationshipMetadataBase, then those of each derived type.
BASE_PROPERTIES = (
    "MetadataId",
    "HasChanged",
    "SchemaName",
    "RelationshipType",
    "IsCustomRelationship",
    "IsManaged",
    "IsValidForAdvancedFind",
    "IsCustomizable",
    "SecurityTypes",
    "IntroducedVersion",
)
DERIVED_PROPERTIES = {
    ONE_TO_MANY: (
        "ReferencedAttribute",
        "ReferencedEntity",
        "ReferencingAttribute",
        "ReferencingEntity",
        "ReferencedEntityNavigationPropertyName",
        "ReferencingEntityNavigationPropertyName",
        "IsHierarchical",
    ),
    MANY_TO_MANY: (
        "Entity1LogicalName",
        "Entity2LogicalName",
        "IntersectEntityName",
        "Entity1IntersectAttribute",
        "Entity2IntersectAttribute",
        "Entity1NavigationPropertyName",
        "Entity2NavigationPropertyName",
    ),
}


@dataclass(frozen=True)
class OneToMany:
    schema_name: str
    referenced_entity: str
    referenced_attribute: str
    referencing_entity: str
    referencing_attribute: str
    referencing_navigation: str  # the single-valued navigation property of the lookup
    custom: bool

    @property
    def metadata_id(self) -> str:
        return str(uuid.uuid5(METADATA_NS, f"relationship:{self.schema_name}"))


def one_to_many(schema: Schema) -> list[OneToMany]:
    out: dict[str, OneToMany] = {}
    for entity in schema.by_name.values():
        for attr in entity.attributes.values():
            if not attr.is_lookup:
                continue
            for target, navigation in sorted(attr.targets.items()):
                name = relationship_name(entity, attr, target)
                if attr.type == "Owner":
                    # One relationship to the abstract "owner" table ("Web API EntityTypes":
                    # systemuser and team inherit ownerid from principal).
                    referenced_entity, referenced = "owner", "ownerid"
                else:
                    known = schema.by_name.get(target)
                    referenced_entity = target
                    referenced = known.primary_id if known else f"{target}id"
                out.setdefault(
                    name,
                    OneToMany(
                        name,
                        referenced_entity,
                        referenced,
                        entity.logical_name,
                        attr.name,
                        navigation,
                        attr.custom,
                    ),
                )
    return sorted(out.values(), key=lambda r: r.schema_name.lower())


def many_to_many(schema: Schema) -> list[ManyToMany]:
    # The schema holds both tables of each (build_relationships checks it).
    return sorted(schema.relationships.many_to_many, key=lambda r: r.schema_name.lower())


def many_to_many_id(relationship: ManyToMany) -> str:
    return str(uuid.uuid5(METADATA_NS, f"relationship:{relationship.schema_name}"))


def _common(name: str, kind: str, metadata_id: str, custom: bool) -> dict[str, Any]:
    return {
        "MetadataId": metadata_id,
        "HasChanged": None,
        "SchemaName": name,
        "RelationshipType": kind,
        "IsCustomRelationship": custom,
        "IsManaged": not custom,
        "IsValidForAdvancedFind": True,
        "IsCustomizable": {
            "Value": True,
            "CanBeChanged": custom,
            "ManagedPropertyLogicalName": "iscustomizable",
        },
        "SecurityTypes": "None",
        "IntroducedVersion": None,
    }


def one_to_many_json(relationship: OneToMany) -> dict[str, Any]:
    return {
        **_common(
            relationship.schema_name,
            "OneToManyRelationship",
            relationship.metadata_id,
            relationship.custom,
        ),
        "ReferencedAttribute": relationship.referenced_attribute,
        "ReferencedEntity": relationship.referenced_entity,
        "ReferencingAttribute": relationship.referencing_attribute,
        "ReferencingEntity": relationship.referencing_entity,
        # By default the collection-valued side is named after the relationship ("Web API
        # Navigation Properties": Partner = ReferencedEntityNavigationPropertyName).
        "ReferencedEntityNavigationPropertyName": relationship.schema_name,
        "ReferencingEntityNavigationPropertyName": relationship.referencing_navigation,
        "IsHierarchical": relationship.schema_name in HIERARCHICAL,
    }


def many_to_many_json(relationship: ManyToMany) -> dict[str, Any]:
    return {
        **_common(
            relationship.schema_name,
            "ManyToManyRelationship",
            many_to_many_id(relationship),
            False,  # the schema declares system relationships only
        ),
        "Entity1LogicalName": relationship.entity1,
        "Entity2LogicalName": relationship.entity2,
        "IntersectEntityName": relationship.intersect_entity,
        "Entity1IntersectAttribute": relationship.entity1_attribute,
        "Entity2IntersectAttribute": relationship.entity2_attribute,
        "Entity1NavigationPropertyName": relationship.entity1_navigation,
        "Entity2NavigationPropertyName": relationship.entity2_navigation,
    }


def relationship_rows(schema: Schema) -> list[tuple[str, dict[str, Any]]]:
    """Every relationship as (derived type name, JSON)."""
    rows = [(ONE_TO_MANY, one_to_many_json(r)) for r in one_to_many(schema)]
    rows += [(MANY_TO_MANY, many_to_many_json(r)) for r in many_to_many(schema)]
    return rows


def of_entity(schema: Schema, entity: Entity, kind: str) -> list[dict[str, Any]]:
    """An entity's ``OneToManyRelationships``, ``ManyToOneRelationships`` or
    ``ManyToManyRelationships`` collection."""
    name = entity.logical_name
    if kind == "OneToManyRelationships":
        return [one_to_many_json(r) for r in one_to_many(schema) if r.referenced_entity == name]
    if kind == "ManyToOneRelationships":
        return [one_to_many_json(r) for r in one_to_many(schema) if r.referencing_entity == name]
    return [many_to_many_json(r) for r in many_to_many(schema) if name in (r.entity1, r.entity2)]

"""Table definitions: what each entity set holds, loaded from ``schema.json``.

Metadata drives everything, as in Dataverse: which columns exist, their types and lengths, which
lookups exist and their navigation properties, which alternate keys can be used. Columns, keys
and option values added at run time (provisioning) are kept here and persisted by the store.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from cityzen_connector.emulator._relationships import Relationships, build_relationships

# Namespace for stable metadata ids (uuid5), so MetadataId values survive restarts.
METADATA_NS = uuid.UUID("6f1d3a52-5d2e-4a43-9a43-3e1c0d7f2c10")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,99}$")

LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
STRING_TYPES = frozenset({"String", "Memo"})
# AttributeType values as Microsoft's AttributeTypeCode enumeration names them.
# The system lookups to the users who created and last modified a row, and to the application
# that did it on their behalf under impersonation, are read-only (IsValidForCreate and
# IsValidForUpdate false in every table reference on Microsoft Learn).
AUDIT_LOOKUPS = ("createdby", "modifiedby", "createdonbehalfby", "modifiedonbehalfby")
READONLY = frozenset(
    {"createdon", "modifiedon", "versionnumber", "owningbusinessunit", *AUDIT_LOOKUPS}
)


@dataclass
class Attribute:
    name: str
    type: str
    max_length: int | None = None
    required: str = "None"
    targets: dict[str, str] = field(default_factory=dict)
    options: dict[int, str] = field(default_factory=dict)
    # DefaultValue (a yes/no column's bool) or DefaultFormValue (a choice's value); a table's
    # own logical name for an activity's activitytypecode (_activities).
    default: int | str | None = None
    computed: str | None = None
    custom: bool = False
    precision: int | None = None
    min_value: float | None = None
    max_value: float | None = None
    schema_name: str | None = None  # as created (``cz_IdentityKey``); None: the logical name
    # IsValidForRead False (serviceendpoint.saskey…): written, stored, never returned.
    readable: bool = True

    @property
    def metadata_id(self) -> str:
        return str(uuid.uuid5(METADATA_NS, f"attr:{self.name}"))

    @property
    def is_lookup(self) -> bool:
        return self.type in LOOKUP_TYPES

    @property
    def readonly(self) -> bool:
        return self.name in READONLY or self.computed is not None


@dataclass
class Key:
    schema_name: str
    attributes: tuple[str, ...]
    status: str = "Active"
    created_at: float = 0.0

    @property
    def logical_name(self) -> str:
        return self.schema_name.lower()

    @property
    def metadata_id(self) -> str:
        return str(uuid.uuid5(METADATA_NS, f"key:{self.logical_name}"))


@dataclass
class Entity:
    logical_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    ownership: str
    attributes: dict[str, Attribute]
    keys: dict[str, Key] = field(default_factory=dict)
    states: dict[int, int] = field(default_factory=dict)  # state → its default status reason
    status_states: dict[int, int] = field(default_factory=dict)  # status reason → its state
    # EntityMetadata.ChangeTrackingEnabled: whether Prefer: odata.track-changes is answered.
    change_tracking: bool = False
    schema_name: str | None = None  # as created (``cz_Request``); None: the reference's name
    # The table reference's messages when it lacks Create, Update or Delete (sdkmessage: only
    # Retrieve and RetrieveMultiple); None: every record operation.
    messages: frozenset[str] | None = None
    # EntityMetadata.IsActivity: its rows are activities, each with its activitypointer row
    # (_activities).
    is_activity: bool = False

    @property
    def metadata_id(self) -> str:
        return str(uuid.uuid5(METADATA_NS, f"entity:{self.logical_name}"))

    def navigation(self, nav: str) -> tuple[Attribute, str] | None:
        """The lookup attribute and target entity a single-valued navigation name denotes."""
        for attr in self.attributes.values():
            for target, name in attr.targets.items():
                if name == nav and attr.type != "Owner":
                    return attr, target
        return None

    def lookup_by_value_name(self, name: str) -> Attribute | None:
        """``_customerid_value`` → the ``customerid`` lookup."""
        if name.startswith("_") and name.endswith("_value"):
            attr = self.attributes.get(name[1:-6])
            if attr is not None and attr.is_lookup:
                return attr
        return None


class Schema:
    """Every entity, by logical name and by entity set name, and the relationships between
    them (``_relationships``)."""

    def __init__(self, entities: list[Entity], relationships: Relationships | None = None) -> None:
        self.by_name = {e.logical_name: e for e in entities}
        self.by_set = {e.entity_set: e for e in entities}
        # Collection-valued navigation properties (one-to-many, many-to-many).
        self.relationships = relationships or Relationships([], [])

    def entity_for_set(self, entity_set: str) -> Entity | None:
        return self.by_set.get(entity_set)

    def custom_metadata(self) -> dict[str, Any]:
        """What provisioning added: custom columns, keys and option values, to persist."""
        out: dict[str, Any] = {}
        for entity in self.by_name.values():
            out[entity.logical_name] = {
                "attributes": [_attr_to_json(a) for a in entity.attributes.values() if a.custom],
                "keys": [
                    {
                        "schema_name": k.schema_name,
                        "attributes": list(k.attributes),
                        "status": k.status,
                        "created_at": k.created_at,
                    }
                    for k in entity.keys.values()
                ],
                "options": {
                    a.name: {str(v): label for v, label in a.options.items()}
                    for a in entity.attributes.values()
                    if a.type == "Picklist"
                },
            }
        return out

    def apply_custom_metadata(self, data: dict[str, Any]) -> None:
        for logical_name, parts in data.items():
            entity = self.by_name.get(logical_name)
            if entity is None:
                continue
            for raw in parts.get("attributes", []):
                attr = _attr_from_json(raw)
                attr.custom = True
                entity.attributes[attr.name] = attr
            for raw in parts.get("keys", []):
                key = Key(
                    raw["schema_name"],
                    tuple(raw["attributes"]),
                    raw.get("status", "Active"),
                    float(raw.get("created_at", 0.0)),
                )
                entity.keys[key.logical_name] = key
            for attr_name, options in parts.get("options", {}).items():
                choice = entity.attributes.get(attr_name)
                if choice is not None:
                    choice.options = {int(v): str(label) for v, label in options.items()}


def _attr_to_json(attr: Attribute) -> dict[str, Any]:
    return {
        "name": attr.name,
        "type": attr.type,
        "max_length": attr.max_length,
        "required": attr.required,
        "precision": attr.precision,
        "min_value": attr.min_value,
        "max_value": attr.max_value,
        "schema_name": attr.schema_name,
        "default": attr.default,
    }


def _attr_from_json(raw: dict[str, Any]) -> Attribute:
    return Attribute(
        name=str(raw["name"]),
        type=str(raw["type"]),
        max_length=raw.get("max_length"),
        required=str(raw.get("required", "None")),
        targets={str(k): str(v) for k, v in raw.get("targets", {}).items()},
        options={int(k): str(v) for k, v in raw.get("options", {}).items()},
        default=raw.get("default"),
        computed=raw.get("computed"),
        precision=raw.get("precision"),
        min_value=raw.get("min_value"),
        max_value=raw.get("max_value"),
        schema_name=raw.get("schema_name"),
        readable=bool(raw.get("readable", True)),
    )


def system_attributes(entity: dict[str, Any]) -> list[Attribute]:
    """The columns every table of ``entity``'s shape has (a ``schema.json`` entry's keys)."""
    attrs = [
        Attribute(entity["primary_id"], "Uniqueidentifier"),
        Attribute("createdon", "DateTime"),
        Attribute("modifiedon", "DateTime"),
        Attribute("versionnumber", "BigInt"),
    ]
    attrs += [Attribute(name, "Lookup", targets={"systemuser": name}) for name in AUDIT_LOOKUPS]
    states = entity.get("states", {})
    if states:
        # SystemRequired, as the table definitions on Microsoft Learn list it (e.g. contact).
        labels = entity.get("state_options", {})
        attrs.append(
            Attribute(
                "statecode",
                "State",
                required="SystemRequired",
                options={int(s): str(labels.get(s, s)) for s in states},
            )
        )
        reasons = entity.get("status_options", {})
        attrs.append(
            Attribute(
                "statuscode", "Status", options={int(v): str(r[1]) for v, r in reasons.items()}
            )
        )
    if entity["ownership"] == "UserOwned":
        attrs.append(
            Attribute(
                "ownerid",
                "Owner",
                required="SystemRequired",
                targets={"systemuser": "ownerid", "team": "ownerid"},
            )
        )
        attrs.append(
            Attribute(
                "owningbusinessunit", "Lookup", targets={"businessunit": "owningbusinessunit"}
            )
        )
    return attrs


def load_schema() -> Schema:
    """The built-in schema shipped with the package."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    raw = json.loads(text)
    entities = []
    for item in raw["entities"]:
        attributes = {a.name: a for a in system_attributes(item)}
        for raw_attr in item["attributes"]:
            attr = _attr_from_json(raw_attr)
            attributes[attr.name] = attr
        entities.append(
            Entity(
                logical_name=item["logical_name"],
                entity_set=item["entity_set"],
                primary_id=item["primary_id"],
                primary_name=item["primary_name"],
                ownership=item["ownership"],
                attributes=attributes,
                states={int(k): int(v) for k, v in item.get("states", {}).items()},
                status_states={
                    int(k): int(v[0]) for k, v in item.get("status_options", {}).items()
                },
                change_tracking=bool(item.get("change_tracking", False)),
                messages=frozenset(item["messages"]) if "messages" in item else None,
            )
        )
    lookups = {
        (e.logical_name, a.name): len(a.targets)
        for e in entities
        for a in e.attributes.values()
        if a.is_lookup
    }
    tables = {e.logical_name for e in entities}
    return Schema(entities, build_relationships(raw, lookups, tables))

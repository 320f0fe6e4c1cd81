"""Tables created at run time: their skeleton (names, ownership, system columns, whether it is
an activity and has notes) and how it is kept across restarts.

The columns a client adds to such a table (its primary name column included, except an
activity's ``subject``, inherited from activitypointer) are custom columns, persisted with the
others by ``Schema.custom_metadata``; this module keeps only what they hang on. It is loaded
before them (``_context.load_custom_metadata``). An activity's inherited columns, state model,
relationships and activitypointer rows come from ``_activities``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from cityzen_connector.emulator import _activities as activities
from cityzen_connector.emulator._schema import Attribute, Entity, Schema, system_attributes
from cityzen_connector.emulator._store import Store

_CUSTOM_TABLES = "custom_tables"
# A custom table's state model: "For custom tables this value is Active or Inactive" (statecode,
# "Define custom state model transitions", Microsoft Learn), with "1 = Active and 2 = Inactive"
# as status reasons ("UpdateStateValueRequest.DefaultStatusCode", Microsoft Learn, dotnet/api).
_STATES = {"0": 1, "1": 2}
_STATE_LABELS = {"0": "Active", "1": "Inactive"}
_STATUS_OPTIONS: dict[str, tuple[int, str]] = {"1": (0, "Active"), "2": (1, "Inactive")}


@dataclass(frozen=True)
class TableSkeleton:
    logical_name: str
    schema_name: str
    entity_set: str
    primary_id: str
    primary_name: str
    ownership: str
    is_activity: bool = False  # EntityMetadata.IsActivity
    has_notes: bool = False  # HasNotes: its rows can have notes (annotation.objectid)
    # EntityMetadata.ChangeTrackingEnabled, false unless the definition said true ("Create and
    # update table definitions using the Web API" shows the defaults of a created table).
    change_tracking: bool = False
    subject_max_length: int = 100  # an activity's subject, as its definition sized it

    def entity(self) -> Entity:
        if self.is_activity:
            states = {str(k): v for k, v in activities.STATES.items()}
            labels = {str(k): v for k, v in activities.STATE_LABELS.items()}
            reasons = {str(k): v for k, v in activities.STATUS_OPTIONS.items()}
        else:
            states, labels, reasons = dict(_STATES), dict(_STATE_LABELS), dict(_STATUS_OPTIONS)
        raw = {
            "primary_id": self.primary_id,
            "ownership": self.ownership,
            "states": states,
            "state_options": labels,
            "status_options": reasons,
        }
        attributes = {a.name: a for a in system_attributes(raw)}
        if self.is_activity:
            subject = Attribute(
                "subject", "String", max_length=self.subject_max_length, schema_name="Subject"
            )
            for attr in activities.activity_attributes(self.logical_name, subject):
                attributes[attr.name] = attr
        return Entity(
            logical_name=self.logical_name,
            entity_set=self.entity_set,
            primary_id=self.primary_id,
            primary_name=self.primary_name,
            ownership=self.ownership,
            attributes=attributes,
            states={int(k): v for k, v in states.items()},
            status_states={int(k): v[0] for k, v in reasons.items()},
            change_tracking=self.change_tracking,
            schema_name=self.schema_name,
            is_activity=self.is_activity,
        )


def skeletons(store: Store) -> dict[str, TableSkeleton]:
    saved = store.get_meta(_CUSTOM_TABLES)
    raw: list[dict[str, Any]] = json.loads(saved) if saved else []
    return {item["logical_name"]: TableSkeleton(**item) for item in raw}


def add_table(store: Store, schema: Schema, table: TableSkeleton, entity: Entity) -> None:
    """Make ``entity`` (built from ``table``, with its columns) served, and remember it."""
    tables = skeletons(store)
    tables[table.logical_name] = table
    store.set_meta(_CUSTOM_TABLES, json.dumps([asdict(t) for t in tables.values()]))
    # Copy-on-write: requests served concurrently may be iterating the old mappings.
    schema.by_name = {**schema.by_name, entity.logical_name: entity}
    schema.by_set = {**schema.by_set, entity.entity_set: entity}
    activities.wire(schema, entity, has_notes=table.has_notes)


def remove_table(store: Store, schema: Schema, entity: Entity) -> None:
    tables = skeletons(store)
    tables.pop(entity.logical_name, None)
    store.set_meta(_CUSTOM_TABLES, json.dumps([asdict(t) for t in tables.values()]))
    activities.unwire(schema, entity)
    schema.by_name = {k: v for k, v in schema.by_name.items() if k != entity.logical_name}
    schema.by_set = {k: v for k, v in schema.by_set.items() if k != entity.entity_set}
    if entity.is_activity:
        activities.drop_pointers(store, entity)
    store.drop_entity(entity.logical_name)


def is_created(store: Store, entity: Entity) -> bool:
    return entity.logical_name in skeletons(store)


def load_tables(store: Store, schema: Schema) -> None:
    """Serve again the tables created by earlier runs on the same database (empty: their
    columns follow with the custom metadata)."""
    for table in skeletons(store).values():
        entity = table.entity()
        schema.by_name[entity.logical_name] = entity
        schema.by_set[entity.entity_set] = entity
        activities.wire(schema, entity, has_notes=table.has_notes)


def created_tables(store: Store) -> list[str]:
    """The logical names of the tables created through the Web API, in name order."""
    return sorted(skeletons(store))

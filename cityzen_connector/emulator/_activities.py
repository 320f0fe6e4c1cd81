"""Activity tables created through the metadata API: their columns, the ``activitypointer`` row
kept for each of their rows, and the relationships Dataverse gives them.

"Custom activities" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/custom-activities): a custom table
created with ``IsActivity`` true; "each custom activity must have a primary column named
'Subject'"; "all the properties and privileges of the activitypointer table are inherited";
``HasNotes`` must be true, ``HasActivities`` false, ``IsAvailableOffline`` true,
``IsMailMergeEnabled`` false, the ownership user- or team-owned, ``ActivityTypeMask`` 0 or 1.

"Activity (ActivityPointer) table/entity reference" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/activitypointer):
the inherited columns (``activityid``, ``subject``, ``description`` Memo of 2,000,
``regardingobjectid``, ``activitytypecode`` of type EntityName, read-only, the actual and
scheduled start and end); ``statecode`` Open 0, Completed 1, Canceled 2, Scheduled 3 with the
status reasons 1 Open, 2 Completed, 3 Canceled, 4 Scheduled; the table itself answers Retrieve
and RetrieveMultiple only (``schema.json``: ``messages``): its rows are the platform's, one per
activity, read as the timeline reads them (``Incident_ActivityPointers``,
``activitypointers?$filter=_regardingobjectid_value eq …``).

Names, as the "Portal Comment (adx_portalcomment) table/entity reference" shows them for an
activity (https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/adx_portalcomment):
the regarding lookup's navigation properties ``regardingobjectid_<table>_<activity>``, their
relationships ``<table>_<activity entity set>`` (``incident_adx_portalcomments``), the notes
``<activity>_Annotations`` with ``objectid_<activity>`` on the note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._relationships import TARGETS, Collection
from cityzen_connector.emulator._schema import Attribute, Entity, Schema
from cityzen_connector.emulator._store import Row, Store
from cityzen_connector.emulator._write_events import Write, WriteObserver

__all__ = [
    "POINTER",
    "STATES",
    "STATE_LABELS",
    "STATUS_OPTIONS",
    "ActivityPointers",
    "activity_attributes",
    "check_activity_definition",
    "drop_pointers",
    "forget_pointer",
    "refuse_parties",
    "unwire",
    "wire",
]

POINTER = "activitypointer"
PAGE = "Custom activities"
# The tables of the emulator an activity can be regarding: those with activities
# (HasActivities). The activitypointer reference lists account and contact among
# regardingobjectid's targets; the incident reference lists Incident_ActivityPointers.
REGARDING = ("account", "contact", "incident")
STATES = {0: 1, 1: 2, 2: 3, 3: 4}
STATE_LABELS = {0: "Open", 1: "Completed", 2: "Canceled", 3: "Scheduled"}
STATUS_OPTIONS: dict[int, tuple[int, str]] = {
    1: (0, "Open"),
    2: (1, "Completed"),
    3: (2, "Canceled"),
    4: (3, "Scheduled"),
}
# "all the activity party types become available for the custom activity": the party list
# columns (activitypointer's allparties; the Portal Comment's from, to, cc…) and the parties'
# own collection. Activity parties are not emulated: writing one is refused by name.
PARTY_LISTS = frozenset(
    {
        "allparties",
        "bcc",
        "cc",
        "customers",
        "from",
        "optionalattendees",
        "organizer",
        "partners",
        "requiredattendees",
        "resources",
        "to",
    }
)
_PARTIES_PAGE = "Activity tables, ActivityParty table"


def activity_attributes(logical_name: str, subject: Attribute) -> list[Attribute]:
    """The columns an activity inherits from activitypointer, ``subject`` (as created) first."""
    targets = {table: f"regardingobjectid_{table}_{logical_name}" for table in REGARDING}
    return [
        subject,
        Attribute("description", "Memo", max_length=2000),
        Attribute(
            "activitytypecode",
            "EntityName",
            required="SystemRequired",
            computed="activitytypecode",
            default=logical_name,  # the row's table: set by the platform, never by a client
        ),
        Attribute("regardingobjectid", "Lookup", targets=targets),
        *(Attribute(name, "DateTime") for name in _DATES),
    ]


_DATES = ("actualstart", "actualend", "scheduledstart", "scheduledend")


def check_activity_definition(body: Mapping[str, Any]) -> None:
    """Refuse what "Custom activities" says a custom activity cannot be (400: Microsoft
    documents no code for these; 0x80040203 is InvalidArgument)."""
    if body.get("HasActivities") is True:
        raise err.bad_request(
            "A custom activity table must not have a relationship with activities."
        )
    if body.get("HasNotes") is not True:
        raise err.bad_request(
            "A custom activity table must have a relationship to notes (HasNotes)."
        )
    if body.get("IsAvailableOffline") is False:
        raise err.bad_request("A custom activity table must have offline availability.")
    mail_merge = body.get("IsMailMergeEnabled")
    if isinstance(mail_merge, Mapping) and mail_merge.get("Value") is True:
        raise err.bad_request("A custom activity table cannot have mail merge enabled.")
    if body.get("ActivityTypeMask", 1) not in (0, 1):
        raise err.bad_request("ActivityTypeMask must be 0 (None) or 1 (Communication Activity).")
    if body.get("OwnershipType") == "OrganizationOwned":
        raise err.bad_request("A custom activity table can be either team-owned or user-owned.")


def refuse_parties(entity: Entity, name: str) -> None:
    """An activity party written to an activity: refused by name, never "no such property"."""
    if entity.is_activity and (name in PARTY_LISTS or name.endswith("_activity_parties")):
        raise err.not_emulated(f"activity parties ('{name[:60]}')", _PARTIES_PAGE)


# -- relationships -----------------------------------------------------------------------------


def wire(schema: Schema, entity: Entity, *, has_notes: bool) -> None:
    """Give a created table its relationships: an activity's regarding collections on the tables
    it can be regarding, and, with notes, ``objectid_<table>`` on the note and
    ``<table>_Annotations``. Copy-on-write: requests served meanwhile keep the mappings they
    hold."""
    name = entity.logical_name
    added: list[Collection] = []
    if entity.is_activity:
        regarding = entity.attributes["regardingobjectid"]
        for table in regarding.targets:
            added.append(
                Collection(
                    name=f"{table}_{entity.entity_set}",
                    source=table,
                    target=name,
                    lookup="regardingobjectid",
                    polymorphic=len(regarding.targets) > 1,
                )
            )
    if has_notes:
        annotation = schema.by_name["annotation"]
        objectid = annotation.attributes["objectid"]
        targets = {**objectid.targets, name: f"objectid_{name}"}
        annotation.attributes = {
            **annotation.attributes,
            "objectid": replace(objectid, targets=targets),
        }
        added.append(
            Collection(
                name=f"{name}_Annotations",
                source=name,
                target="annotation",
                lookup="objectid",
                polymorphic=True,
            )
        )
    schema.relationships = schema.relationships.changed(added=added)


def unwire(schema: Schema, entity: Entity) -> None:
    """Take a deleted table's relationships away (its notes stay, as rows that pointed at it)."""
    name = entity.logical_name
    gone = {
        (c.source, c.name) for c in schema.relationships.one_to_many if name in (c.source, c.target)
    }
    schema.relationships = schema.relationships.changed(added=[], removed=gone)
    annotation = schema.by_name["annotation"]
    objectid = annotation.attributes["objectid"]
    if name in objectid.targets:
        targets = {t: n for t, n in objectid.targets.items() if t != name}
        annotation.attributes = {
            **annotation.attributes,
            "objectid": replace(objectid, targets=targets),
        }


# -- activitypointer rows ----------------------------------------------------------------------


def _mirror(schema: Schema, store: Store, entity: Entity, row: Row) -> None:
    """The activitypointer row of an activity row: the columns they share, the same id and
    version (one record, seen through two tables)."""
    pointer = schema.by_name[POINTER]
    data = {n: v for n, v in row.data.items() if n in pointer.attributes}
    targets = {k: v for k, v in row.data.get(TARGETS, {}).items() if k in pointer.attributes}
    if targets:
        data[TARGETS] = targets
    data[pointer.primary_id] = row.id
    data["activitytypecode"] = entity.logical_name
    mirrored = Row(row.id, data, row.version)
    if store.get(POINTER, row.id) is None:
        store.insert(POINTER, mirrored)
    else:
        store.replace(POINTER, mirrored)


def forget_pointer(store: Store, entity: Entity, record_id: str) -> None:
    """A deleted activity takes its activitypointer row with it."""
    if entity.is_activity and store.get(POINTER, record_id) is not None:
        store.delete(POINTER, record_id)


def drop_pointers(store: Store, entity: Entity) -> None:
    """A deleted activity table takes every activitypointer row of its type with it."""
    for record_id in store.find(POINTER, {"activitytypecode": entity.logical_name}):
        store.delete(POINTER, record_id)


class ActivityPointers:
    """``Records.observer`` in front of the event pipeline: keeps each activity's activitypointer
    row as the activity is written (inside its transaction), then tells the pipeline."""

    def __init__(self, schema: Schema, store: Store, then: WriteObserver | None) -> None:
        self.schema, self.store, self.then = schema, store, then

    def check(self, entity: Entity, data: Mapping[str, Any], before: Row | None) -> None:
        if self.then is not None:
            self.then.check(entity, data, before)

    def written(self, write: Write) -> None:
        if write.entity.is_activity:
            _mirror(self.schema, self.store, write.entity, write.after)
        if self.then is not None:
            self.then.written(write)

"""The platform's SDK messages and their filters: which tables' Create and Update are events.

"Sdk Message Filter (SdkMessageFilter) table/entity reference" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/sdkmessagefilter):
one row per message and table (``primaryobjecttypecode``), which clients look up by name to
register a step ("Register a plug-in": the message and its primary table) and cannot write
(``_table_messages``). The seed holds the filters of the built-in tables; a table created
through the Web API gets its own when it is created, as a custom table's Create and Update are
events (its table reference: "Create … Event: True"), and loses them when it is deleted.

The ids here are the emulator's: look them up, never hard-code them.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.emulator._config import SEED_NS
from cityzen_connector.emulator._records import TARGETS, Records
from cityzen_connector.emulator._store import Store

__all__ = [
    "SDK_MESSAGES",
    "add_event_filters",
    "filter_row",
    "remove_event_filters",
    "sdk_message_filter_id",
    "sdk_message_id",
]

# The messages a step on a service endpoint can be registered on in the emulator
# (_registrations).
SDK_MESSAGES = ("Create", "Update")
_FILTER = "sdkmessagefilter"


def sdk_message_id(name: str) -> str:
    """Id of a seeded ``sdkmessage`` (``Create``, ``Update``)."""
    return str(uuid.uuid5(SEED_NS, f"sdkmessage:{name}"))


def sdk_message_filter_id(message: str, table: str) -> str:
    """Id of the ``sdkmessagefilter`` of a message on a table."""
    return str(uuid.uuid5(SEED_NS, f"sdkmessagefilter:{message}:{table}"))


def filter_row(message: str, table: str) -> dict[str, Any]:
    return {
        "sdkmessagefilterid": sdk_message_filter_id(message, table),
        "sdkmessageid": sdk_message_id(message),
        "primaryobjecttypecode": table,
        "secondaryobjecttypecode": "none",
        "availability": 0,  # Server
        "iscustomprocessingstepallowed": True,
        "isvisible": True,
        TARGETS: {"sdkmessageid": "sdkmessage"},
    }


def add_event_filters(records: Records, table: str) -> None:
    """The filters of a new table, for each SDK message the organisation holds (an emulator
    not yet seeded has none: seeding adds them for the tables created before)."""
    entity = records.schema.by_name[_FILTER]
    for message in SDK_MESSAGES:
        if records.store.get("sdkmessage", sdk_message_id(message)) is None:
            continue
        if records.store.get(_FILTER, sdk_message_filter_id(message, table)) is None:
            records.create(entity, filter_row(message, table))


def remove_event_filters(store: Store, table: str) -> None:
    for message in SDK_MESSAGES:
        filter_id = sdk_message_filter_id(message, table)
        if store.get(_FILTER, filter_id) is not None:
            store.delete(_FILTER, filter_id)

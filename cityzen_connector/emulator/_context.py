"""What a request handler may use: the records layer, the schema, the store, the clock and the
caller's id — not the application.

``_app`` builds one :class:`HandlerContext` per emulator and hands it to the router; the
handlers (records, ``$batch``, bulk actions, metadata) never see the WSGI entry point, the
service protection or the fault injection, so they cannot depend on them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cityzen_connector._clock import WallClock
from cityzen_connector.emulator._custom_tables import load_tables
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._schema import Schema
from cityzen_connector.emulator._store import Store

# The meta row that keeps columns, keys and choice values created at run time.
_CUSTOM_METADATA = "custom_metadata"


def load_custom_metadata(store: Store, schema: Schema) -> None:
    """Re-apply the metadata written by earlier runs on the same database."""
    load_tables(store, schema)  # tables created at run time, before the columns they hold
    saved = store.get_meta(_CUSTOM_METADATA)
    if saved:
        schema.apply_custom_metadata(json.loads(saved))


def save_custom_metadata(store: Store, schema: Schema) -> None:
    store.set_meta(_CUSTOM_METADATA, json.dumps(schema.custom_metadata()))


@dataclass(frozen=True)
class HandlerContext:
    records: Records
    schema: Schema
    store: Store
    clock: WallClock  # timestamps and the activation delay of new keys
    caller_id: str  # the system user every request runs as (WhoAmI, default owner)

    def persist_metadata(self) -> None:
        save_custom_metadata(self.store, self.schema)

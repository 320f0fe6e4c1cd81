"""Write-only columns: a secret is accepted, never stored, never returned.

"ServiceEndpoint table/entity reference" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/reference/entities/serviceendpoint):
``saskey``, ``sastoken`` and ``authvalue`` are writable but ``IsValidForRead`` False, and the
read-only Booleans ``issaskeyset``, ``issastokenset`` and ``isauthvalueset`` tell whether one
was set. Dataverse keeps the key to sign its posts; the emulator posts to no Service Bus, so it
keeps nothing: the value never reaches the database file, a query, a filter (no oracle) or a
change-tracking delta, and a read answers ``null`` (``schema.json``: ``"readable": false``,
``"computed": "is_set:<column>"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cityzen_connector.emulator._schema import Entity

_IS_SET = "is_set:"


def seal(entity: Entity, data: dict[str, Any], changes: Mapping[str, Any]) -> None:
    """Set each ``is…set`` column from what ``changes`` writes, then drop the secrets."""
    for attr in entity.attributes.values():
        if attr.computed is None or not attr.computed.startswith(_IS_SET):
            continue
        source = attr.computed[len(_IS_SET) :]
        if source in changes:
            data[attr.name] = changes[source] not in (None, "")
        elif data.get(attr.name) is None:
            data[attr.name] = False
    for attr in entity.attributes.values():
        if not attr.readable:
            data[attr.name] = None

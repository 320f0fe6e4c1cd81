"""The Open311 GeoReport v2 facade's dependencies (api/open311/, docs/open311.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityzen_connector.api.open311 import Open311Dependencies
    from cityzen_connector.sync.intake import ApiKeys

    from ._wiring import Parts


def open311_keys(c: Parts) -> ApiKeys:
    """The Open311 apps' keys, hashed with the identity pepper in the state store."""
    from cityzen_connector.sync.intake import ApiKeys

    return ApiKeys(c.store, pepper=c.pepper, clock=c.clock)


def open311(c: Parts) -> Open311Dependencies:
    """The Open311 facade's own dependencies (docs/open311.md)."""
    from cityzen_connector.api.open311 import Open311Dependencies

    s = c.settings
    return Open311Dependencies(
        keys=c.open311_keys,
        jurisdiction_id=s.open311_jurisdiction_id,
        immediate_id=s.open311_immediate_id,
        base_url=s.open311_base_url,
        contact=s.open311_contact,
    )

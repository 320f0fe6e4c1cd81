"""An address outside the territory is refused when the request is filed, if its commune is
known then: the INSEE code the portal sent, or — when the portal sent a suggestion's id that
address help served recently — the commune the geocoder gave for it (a lookup in memory, no
network: the intake never waits for the geocoder). An id not seen recently is resolved by the
pipeline, which refuses the request then if its commune is outside."""

from __future__ import annotations

from typing import Protocol

from cityzen_connector.mapping import ThemeCatalog
from cityzen_connector.models import Location

from ._errors import OutsideTerritoryError


class KnownAddresses(Protocol):
    """``portal.AddressHelp`` as the intake uses it: what it served, without asking."""

    def cached(self, geocoder_id: str) -> Location | None: ...


def check_territory(
    location: Location | None, catalog: ThemeCatalog, addresses: KnownAddresses | None
) -> None:
    """Raise ``OutsideTerritoryError`` when the address's known commune is not served."""
    if location is None:
        return
    citycode = location.citycode
    if location.geocoder_id is not None and addresses is not None:
        served = addresses.cached(location.geocoder_id)
        if served is not None and served.citycode is not None:
            citycode = served.citycode
    if catalog.outside_territory(citycode):
        raise OutsideTerritoryError(
            "the address is outside the territory this service covers (location.citycode)"
        )

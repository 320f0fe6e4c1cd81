"""The embedded geocoder for tests: its sample, served on 127.0.0.1 (any free port), and an
``AddressHelp`` over the real adapter pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cityzen_connector.emulator import serve
from cityzen_connector.portal import (
    AddressHelp,
    AddressHelpConfig,
    GeoplateformeGeocoder,
    LocalGeocoderApp,
    load_addresses,
)
from cityzen_connector.testing import FakeClock
from tests.support.paths import ROOT

SAMPLE = ROOT / "samples" / "addresses"
INDEX = load_addresses(SAMPLE)
# A house number of the sample: 12 Rue de la République, Valbrume (ville-centre).
VALBRUME_12 = {
    "id": "00101_0010_00012",
    "label": "12 Rue de la République 00100 Valbrume",
    "citycode": "00101",
    "latitude": 46.39993,
    "longitude": 2.602816,
}
# In Saint-Clair-sur-Orme, a member commune with its own technical services.
SAINT_CLAIR_3 = {
    "id": "00102_0010_00003",
    "label": "3 Grande Rue 00110 Saint-Clair-sur-Orme",
    "citycode": "00102",
}
# Hautbois-le-Vieux: a neighbour, outside the metropolis.
HAUTBOIS_2 = {
    "id": "00201_0010_00002",
    "label": "2 Rue Principale 00200 Hautbois-le-Vieux",
    "citycode": "00201",
}


@contextmanager
def served_geocoder() -> Iterator[str]:
    """The embedded geocoder over HTTP; yields its base URL (``…/geocodage``)."""
    handle = serve(LocalGeocoderApp(INDEX), "127.0.0.1", 0)
    try:
        yield f"{handle.url}/geocodage"
    finally:
        handle.stop()


def address_help(base_url: str, clock: FakeClock | None = None, **config: float) -> AddressHelp:
    return AddressHelp(
        GeoplateformeGeocoder(base_url, timeout=5.0),
        AddressHelpConfig(**config),  # type: ignore[arg-type]
        clock=clock or FakeClock(),
    )

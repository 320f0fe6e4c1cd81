"""The ``Geocoder`` port: text or a point in, normalised addresses out.

Two implementations speak HTTP to a Géoplateforme-shaped service: ``GeoplateformeGeocoder``
(``_geocoder_geoplateforme.py``) is the only one; what changes is the service behind its base
URL — the IGN Géoplateforme (``https://data.geopf.fr/geocodage``) in production, the embedded
geocoder (``_geocoder_local.py``, the shipped sample of a fictional metropolis) on 127.0.0.1 in
local mode. Tests script the remote side with ``responses`` or serve the embedded one.

Whose duty is what: the port answers one question at a time and translates every failure into
``GeocoderError`` (``_errors.py``); it neither caches nor paces. ``AddressHelp``
(``_address_help.py``) validates and normalises queries, caches answers, keeps under the
service's rate limit and resolves a chosen result's id for the pipeline.
"""

from __future__ import annotations

from typing import Protocol

from ._address_models import Address, ReverseQuery, SearchQuery


class Geocoder(Protocol):
    def search(self, query: SearchQuery) -> tuple[Address, ...]:
        """Addresses matching ``query``, best first, at most ``query.limit``.

        Raises ``GeocoderUnavailableError`` (``GeocoderRateLimitedError`` on a 429) when the
        service cannot answer, ``GeocoderRefusedError`` when it refuses the query.
        """
        ...

    def reverse(self, query: ReverseQuery) -> tuple[Address, ...]:
        """Addresses nearest to the point, nearest first (``distance`` in metres)."""
        ...

"""The Open311 GeoReport v2 facade on the shared HTTP core (docs/open311.md).

Its routes are in the shared routing table (``_routes.py``, imported by the Functions host at
indexing: nothing heavy); its handlers read the form, check the app's ``api_key`` and call the
same intake use case as ``POST /api/v1/requests``. The rest loads on first use.
"""

from typing import TYPE_CHECKING

from cityzen_connector._lazy import lazy_exports

if TYPE_CHECKING:
    from ._deps import Open311Dependencies

__getattr__ = lazy_exports(__name__, {"Open311Dependencies": "_deps"})

__all__ = ["Open311Dependencies"]

"""What the portal shows besides requests: news and agenda from RSS, procedure and knowledge
search with popular searches, address help (ARCHITECTURE.md, the ``portal/`` room).

Address help: ``AddressHelp`` answers ``GET /api/v1/address`` (suggestions) and
``/address/reverse`` ("use my location") through the ``Geocoder`` port, cached and paced under
the service's rate limit, and resolves a chosen result's id again for the pipeline.
``GeoplateformeGeocoder`` speaks to the IGN Géoplateforme (or anything shaped like it: the
embedded ``LocalGeocoderApp`` over a BAN-format sample, in local mode). Errors: ``_errors.py``.
"""

from ._address_help import AddressHelp, AddressHelpConfig
from ._address_models import (
    Address,
    AddressResults,
    AddressReverseParams,
    AddressSearchParams,
    AddressType,
    ReverseQuery,
    SearchQuery,
    normalise_query,
)
from ._errors import (
    GeocoderError,
    GeocoderRateLimitedError,
    GeocoderRefusedError,
    GeocoderUnavailableError,
    LocalGeocoderDataError,
    LocalQueryRefusedError,
)
from ._geocoder import Geocoder
from ._geocoder_geoplateforme import (
    DEFAULT_RATE_LIMIT_WAIT,
    MAX_ANSWER_BYTES,
    GeoplateformeGeocoder,
    parse_collection,
    retry_after_seconds,
    reverse_request,
    search_request,
)
from ._geocoder_local import LocalGeocoderApp
from ._geocoder_local_index import LocalIndex, load_addresses
from ._geocoding_cache import CacheStats, TokenBucket, TtlCache

__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "MAX_ANSWER_BYTES",
    "Address",
    "AddressHelp",
    "AddressHelpConfig",
    "AddressResults",
    "AddressReverseParams",
    "AddressSearchParams",
    "AddressType",
    "CacheStats",
    "Geocoder",
    "GeocoderError",
    "GeocoderRateLimitedError",
    "GeocoderRefusedError",
    "GeocoderUnavailableError",
    "GeoplateformeGeocoder",
    "LocalGeocoderApp",
    "LocalGeocoderDataError",
    "LocalIndex",
    "LocalQueryRefusedError",
    "ReverseQuery",
    "SearchQuery",
    "TokenBucket",
    "TtlCache",
    "load_addresses",
    "normalise_query",
    "parse_collection",
    "retry_after_seconds",
    "reverse_request",
    "search_request",
]

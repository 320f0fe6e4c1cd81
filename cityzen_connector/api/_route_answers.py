"""Answers many routes share: the 500, the caller's 401/403/503, Cache-Control.

Apart from ``_routes`` so that each area's table (``_routes_*.py``) builds on them.
"""

from __future__ import annotations

from ._route_types import Answer

COMMON = {500: Answer("Unexpected error (never with details)")}
CACHE = ("Cache-Control",)
# A 401 the API answers is a problem (a refused bearer token, with WWW-Authenticate). A missing
# or wrong function key is refused by the Functions host before the API is called: Azure's host
# sends no body (the local host sends its own).
HOST_401 = "a missing or wrong function key is refused by the Functions host itself (no body)"
AUTH = {
    401: Answer(f"Missing or invalid credentials; {HOST_401}"),
    403: Answer("This caller may not do this"),
    503: Answer("A dependency is unavailable; retry later"),
}

# The headers naming the citizen a trusted portal calls for (a function key, no token).
ME = ("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub")

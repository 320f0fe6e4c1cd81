"""The Open311 GeoReport v2 facade on the shared HTTP core (docs/open311.md).

Its routes are in the shared routing table (``_routes.py``); its handlers read the form, check
the app's ``api_key`` and call the same intake use case as ``POST /api/v1/requests``.
"""

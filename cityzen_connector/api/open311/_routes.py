"""The Open311 GeoReport v2 routes, in the shared routing table (``api._routes.ROUTES``).

Paths are the specification's below ``/open311/v2`` (https://wiki.open311.org/GeoReport_v2,
"API Methods"), the format as the resource's suffix ("Format Support"). The Functions host
binds them all to one function (``OPEN311_FUNCTION``, a catch-all), so adding a method adds no
function; dispatch and the OpenAPI document read each route here. Anonymous to the host: the
``api_key`` parameter is the credential and the facade checks it.
"""

from __future__ import annotations

from .._route_types import Answer, Operation, Param, Route

BASE = "/open311/v2"
# Answers of every route: the JSON schema named, and the same as XML (a text to the document).
_SERVER = {
    500: Answer("Unexpected error (never with details)", "Open311Errors", xml=True),
    503: Answer(
        "A dependency is unavailable; retry later", "Open311Errors", ("Retry-After",), xml=True
    ),
}
_JURISDICTION = Param(
    "jurisdiction_id",
    {"type": "string", "maxLength": 100},
    "Optional: this deployment serves one jurisdiction (CITYZEN_OPEN311_JURISDICTION_ID); another"
    " value is a 404.",
)
_KEY = Param(
    "api_key",
    {"type": "string", "maxLength": 200},
    "The app's key (cityzen open311 keys issue). Each app sees only the requests it filed.",
    required=True,
)
# GET tokens: GeoReport v2 lists no api_key there and FixMyStreet sends none; the token is
# the capability. A key given must be valid and own the token.
_TOKEN_KEY = Param(
    "api_key",
    {"type": "string", "maxLength": 200},
    "Optional: without it the token is enough (FixMyStreet sends none); given, it must be the"
    " key of the app that posted.",
)
_UUIDS = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SERVICE = "[a-z][a-z0-9_-]{0,63}\\.[a-z][a-z0-9_-]{0,63}"
MAX_IDS = 50
_W3_DATE = {
    "type": "string",
    "format": "date-time",
    "description": "W3C date and time, with its offset (e.g. 2026-11-05T13:15:30Z).",
}
_E400 = Answer("A parameter is missing or not valid (each listed)", "Open311Errors", xml=True)
_E403 = Answer("api_key missing, unknown or revoked", "Open311Errors", xml=True)
_E404 = Answer("Unknown jurisdiction_id, service or request", "Open311Errors", xml=True)
_E413 = Answer("The body is too large", "Open311Errors", xml=True)
_E415 = Answer("Not application/x-www-form-urlencoded", "Open311Errors", xml=True)


def _ok(description: str, schema: str) -> Answer:
    return Answer(description, schema, xml=True)


OPEN311_ROUTES: tuple[Route, ...] = (
    Route(
        f"{BASE}/discovery.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311Discovery",
                "Open311 service discovery: the GeoReport v2 endpoint and its formats",
                {
                    200: _ok("The discovery document", "Open311Discovery"),
                    404: Answer("Not a format (.json or .xml)", "Open311Errors", xml=True),
                    **_SERVER,
                },
            ),
        ),
    ),
    Route(
        f"{BASE}/services.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311Services",
                "GeoReport v2 GET Service List: each sub-theme as a service, its theme as group",
                {
                    200: _ok("The services", "Open311Services"),
                    404: _E404,
                    **_SERVER,
                },
                params=(_JURISDICTION,),
            ),
        ),
    ),
    Route(
        f"{BASE}/services/{{service_code}}.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311ServiceDefinition",
                "GeoReport v2 GET Service Definition: the sub-theme's form as attributes",
                {
                    200: _ok("The service definition", "Open311ServiceDefinition"),
                    404: _E404,
                    **_SERVER,
                },
                params=(_JURISDICTION,),
            ),
        ),
    ),
    Route(
        f"{BASE}/requests.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "POST",
                "open311PostRequest",
                "GeoReport v2 POST Service Request (form-encoded): filed as a portal request is,"
                " through the same intake; a token while it is queued",
                {
                    200: _ok("The token (or the id)", "Open311CreatedList"),
                    400: _E400,
                    403: _E403,
                    404: _E404,
                    413: _E413,
                    415: _E415,
                    **_SERVER,
                },
                request_body="Open311RequestForm",
            ),
            Operation(
                "GET",
                "open311GetRequests",
                "GeoReport v2 GET Service Requests: the app's own requests, newest first, 90"
                " days or 1,000 at most, paged (page, page_size)",
                {
                    200: _ok("The requests", "Open311Requests"),
                    400: _E400,
                    403: _E403,
                    404: _E404,
                    **_SERVER,
                },
                params=(
                    _KEY,
                    _JURISDICTION,
                    Param(
                        "service_request_id",
                        {"type": "string", "pattern": f"^{_UUIDS}(,{_UUIDS}){{0,{MAX_IDS - 1}}}$"},
                        f"Comma-separated ids ({MAX_IDS} at most); the other filters are then"
                        " ignored (as the specification says).",
                    ),
                    Param(
                        "service_code",
                        {"type": "string", "pattern": f"^{_SERVICE}(,{_SERVICE}){{0,49}}$"},
                        "Comma-separated service codes.",
                    ),
                    Param("start_date", _W3_DATE, "Requests made on or after this instant."),
                    Param("end_date", _W3_DATE, "Requests made on or before this instant."),
                    Param(
                        "status",
                        {"type": "string", "pattern": "^(open|closed)(,(open|closed))?$"},
                        "open, closed, or both comma-separated (default: both).",
                    ),
                    Param(
                        "page",
                        {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1},
                        "Page, from 1 (the Open311 pagination extension).",
                    ),
                    Param(
                        "page_size",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                        "Requests per page.",
                    ),
                ),
            ),
        ),
    ),
    Route(
        f"{BASE}/requests/{{service_request_id}}.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311GetRequest",
                "GeoReport v2 GET Service Request: one of the app's requests",
                {
                    200: _ok("The request (a list of one)", "Open311Requests"),
                    403: _E403,
                    404: _E404,
                    **_SERVER,
                },
                params=(_KEY, _JURISDICTION),
            ),
        ),
    ),
    Route(
        f"{BASE}/tokens/{{token}}.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311GetToken",
                "GeoReport v2 GET request id from a token: the id once the request is a case",
                {
                    200: _ok("The token and, once known, the id", "Open311Tokens"),
                    403: _E403,
                    404: _E404,
                    **_SERVER,
                },
                params=(_TOKEN_KEY, _JURISDICTION),
            ),
        ),
    ),
    Route(
        f"{BASE}/servicerequestupdates.{{format}}",
        "open311",
        "anonymous",
        (
            Operation(
                "GET",
                "open311GetUpdates",
                "mySociety's GET Service Request Updates: status changes and agents' public"
                " replies on the app's requests, oldest first (1,000 at most)",
                {
                    200: _ok("The updates", "Open311Updates"),
                    400: _E400,
                    403: _E403,
                    404: _E404,
                    **_SERVER,
                },
                params=(
                    _KEY,
                    _JURISDICTION,
                    Param("start_date", _W3_DATE, "Updates made on or after this instant."),
                    Param("end_date", _W3_DATE, "Updates made on or before this instant."),
                ),
            ),
            Operation(
                "POST",
                "open311PostUpdate",
                "mySociety's POST Service Request Update (form-encoded): the citizen's words"
                " become a message on the case",
                {
                    200: _ok("The update's id", "Open311UpdatesAccepted"),
                    400: _E400,
                    403: _E403,
                    404: _E404,
                    409: Answer("The request is closed", "Open311Errors", xml=True),
                    413: _E413,
                    415: _E415,
                    **_SERVER,
                },
                request_body="Open311UpdateForm",
            ),
        ),
    ),
)
# What the host binds: one function for every Open311 route.
OPEN311_FUNCTION = Route("/open311/{*rest}", "open311", "anonymous")

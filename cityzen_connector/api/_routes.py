"""The routing table: every route, its operations, who may call and what each answers.

One table drives three things, so they cannot disagree: request dispatch (``match``), the
OpenAPI document and the Blueprint's function bindings (route template, auth level). It imports
nothing heavy: schemas are named here and resolved by ``_openapi`` when the document is built,
so that the Blueprint module loads fast (Azure Functions cold start).
"""

from __future__ import annotations

import re

from cityzen_connector.models import MAX_PAGE_SIZE as MAX_DEAD_LETTER_PAGE
from cityzen_connector.models._ops import PAGE_TOKEN_PATTERN

from ._route_types import METHODS, PREFIX, Access, Answer, Operation, Param, Route, Schema
from .open311._routes import OPEN311_FUNCTION, OPEN311_ROUTES

# The types, where the table's readers have always found them.
__all__ = ["METHODS", "PREFIX", "Access", "Answer", "Operation", "Param", "Route", "Schema"]

_COMMON = {500: Answer("Unexpected error (never with details)")}
_CACHE = ("Cache-Control",)
# A 401 the API answers is a problem (a refused bearer token, with WWW-Authenticate). A missing
# or wrong function key is refused by the Functions host before the API is called: Azure's host
# sends no body (the local host sends its own).
_HOST_401 = "a missing or wrong function key is refused by the Functions host itself (no body)"
_AUTH = {
    401: Answer(f"Missing or invalid credentials; {_HOST_401}"),
    403: Answer("This caller may not do this"),
    503: Answer("A dependency is unavailable; retry later"),
}

_ADDRESS_ANSWERS = {
    200: Answer(
        "Addresses, best first (none: nothing matches)", "AddressResults", ("Cache-Control",)
    ),
    422: Answer("Invalid query parameters, each listed"),
    **_AUTH,
    503: Answer(
        "Address help unavailable (address_help_unavailable) or over the geocoder's rate"
        " limit (address_help_busy): Retry-After says when to ask again"
    ),
    **_COMMON,
}
# Search (portal.SearchService): public content, so anonymous, as the theme tree is.
_SEARCH_ANSWERS = {
    400: Answer("A query parameter is missing or not valid (problem detail names it)"),
    503: Answer("The search cannot answer now (its store is unavailable); retry later"),
    **_COMMON,
}
_Q = Param(
    "q",
    "query",
    "The words searched, as typed: case, accents and plurals do not matter; any character is"
    " text (quotes, *, NEAR, AND, parentheses are not operators).",
    required=True,
)
_PAGE = (
    Param("page", "page", "Page number, from 1."),
    Param("per_page", "per_page", "Results per page."),
)
# News and agenda: paged lists, newest or soonest first (portal.FeedsReader).
MAX_PAGE = 1000
MAX_PAGE_SIZE = 50
_PAGING = (
    Param("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page"),
    Param(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
        "Items per page",
    ),
    Param(
        "category",
        {"type": "string", "minLength": 1, "maxLength": 100},
        "Only items of this category (case and accents ignored)",
    ),
)
_DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_FEED_ANSWERS = {
    304: Answer("Not modified", headers=("ETag",)),
    400: Answer("A query parameter is not valid"),
    503: Answer("The feeds' copies cannot be read now"),
    **_COMMON,
}

ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/requests",
        "submit_request",
        "caller",
        (
            Operation(
                "POST",
                "submitRequest",
                "File a citizen's request (JSON with base64 files, or multipart/form-data)",
                {
                    202: Answer(
                        "Accepted and queued; Location names its status", "Accepted", ("Location",)
                    ),
                    400: Answer("The body is not valid JSON (or multipart)"),
                    409: Answer("This id was used for a different request, or is in flight"),
                    413: Answer("The body or an attachment is too large"),
                    415: Answer("Content type or file type not accepted"),
                    422: Answer("Invalid fields, each listed"),
                    **_AUTH,
                    **_COMMON,
                },
                request_body="SubmissionRequest",
                multipart=True,
                headers=("Idempotency-Key",),
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}",
        "request_status",
        "caller",
        (
            Operation(
                "GET",
                "getRequestStatus",
                "Where a request stands: queued, created (ticket number, the case's status as"
                " the citizen reads it and its history) or failed (reason)",
                {
                    200: Answer("The status", "StatusView"),
                    404: Answer("No such request, or not yours"),
                    **_AUTH,
                    **_COMMON,
                },
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}/messages",
        "request_messages",
        "caller",
        (
            Operation(
                "GET",
                "listRequestMessages",
                "The conversation on a request, both directions, oldest first (with each"
                " attachment's name, type and size); only for the citizen who filed it",
                {
                    200: Answer("The thread", "ThreadView", ("Cache-Control",)),
                    404: Answer("No such request, or not yours"),
                    422: Answer("The citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
            Operation(
                "POST",
                "postRequestMessage",
                "The citizen writes on their open request (JSON, or multipart with a JSON part"
                " 'message' and files; text of 2,000 characters at most); queued, then written"
                " to the case's timeline in one change set",
                {
                    202: Answer("Accepted and queued", "MessageAccepted"),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("No such request, or not yours"),
                    409: Answer("The request is closed, or this message id was another message"),
                    413: Answer("The body is too large"),
                    415: Answer("Content type not accepted"),
                    422: Answer("Invalid fields, each listed"),
                    **_AUTH,
                    **_COMMON,
                },
                request_body="CitizenMessageBody",
                multipart=True,
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}/messages/{message_id}/attachments/{n}",
        "request_message_attachment",
        "caller",
        (
            Operation(
                "GET",
                "getRequestMessageAttachment",
                "A file an agent attached to a message (n: its position in the message's"
                " attachments, from 0), with its real type, as a download; only for the citizen"
                " who filed the request",
                {
                    200: Answer(
                        "The file",
                        "File",
                        ("Content-Disposition", "X-Content-Type-Options", "Cache-Control"),
                    ),
                    404: Answer("No such request, message or file, or not yours"),
                    422: Answer("The citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/requests",
        "my_requests",
        "caller",
        (
            Operation(
                "GET",
                "listMyRequests",
                "The citizen's requests, whatever channel they came through, newest first",
                {
                    200: Answer("A page of requests", "MyRequestsPage", ("Cache-Control",)),
                    422: Answer("A paging parameter or the citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
                query="MyRequestsParams",
            ),
        ),
    ),
    Route(
        "/v1/citizens/me",
        "my_profile",
        "caller",
        (
            Operation(
                "GET",
                "getMyProfile",
                "The citizen's record: contact details, certified identity (read only),"
                " notification preferences, changes waiting and conflicts (docs/profile.md)",
                {
                    200: Answer("The record", "ProfileView", ("ETag", "Cache-Control")),
                    404: Answer("No record yet: it is created with the first request"),
                    422: Answer("The citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
            Operation(
                "PATCH",
                "patchMyProfile",
                "Change contact details (queued, applied to Dynamics 365 field by field) and"
                " notification preferences (at once); If-Match: the ETag read",
                {
                    200: Answer("Preferences changed", "ProfileView", ("ETag", "Cache-Control")),
                    202: Answer(
                        "Contact changes queued (listed in pending)",
                        "ProfileView",
                        ("ETag", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("No record yet: it is created with the first request"),
                    412: Answer("The record changed since it was read (profile_changed)"),
                    413: Answer("The body is too large"),
                    415: Answer("Not application/merge-patch+json"),
                    422: Answer("Invalid fields, or a certified field (certified_field)"),
                    428: Answer("If-Match is missing (precondition_required)"),
                    **_AUTH,
                    **_COMMON,
                },
                request_body="ProfilePatch",
                headers=("If-Match", "CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
                body_media_type="application/merge-patch+json",
                required_headers=("If-Match",),
            ),
        ),
    ),
    Route(
        "/v1/themes",
        "themes",
        "anonymous",
        (
            Operation(
                "GET",
                "listThemes",
                "Themes, sub-themes and their form fields (ETag; 304 on If-None-Match)",
                {
                    200: Answer("The theme tree", "ThemeTree", ("ETag", "Cache-Control")),
                    304: Answer("Not modified", headers=("ETag",)),
                    503: Answer("Dataverse unavailable and nothing cached"),
                    **_COMMON,
                },
                headers=("If-None-Match",),
            ),
        ),
    ),
    Route(
        "/v1/address",
        "address_search",
        "caller",
        (
            Operation(
                "GET",
                "searchAddress",
                "Address suggestions as the citizen types (IGN Géoplateforme, cached)",
                _ADDRESS_ANSWERS,
                query="AddressSearchParams",
            ),
        ),
    ),
    Route(
        "/v1/address/reverse",
        "address_reverse",
        "caller",
        (
            Operation(
                "GET",
                "reverseAddress",
                '"Use my location": the addresses nearest to a point, nearest first',
                _ADDRESS_ANSWERS,
                query="AddressReverseParams",
            ),
        ),
    ),
    Route(
        "/v1/search",
        "search",
        "anonymous",
        (
            Operation(
                "GET",
                "search",
                "Search procedures and knowledge articles by title and content (ranked, paged,"
                " highlighted)",
                {
                    200: Answer("One page of results, best first", "SearchResults", _CACHE),
                    **_SEARCH_ANSWERS,
                },
                params=(_Q, *_PAGE),
            ),
        ),
    ),
    Route(
        "/v1/search/suggestions",
        "search_suggestions",
        "anonymous",
        (
            Operation(
                "GET",
                "searchSuggestions",
                "Type-ahead: titles of procedures and articles matching what is typed so far",
                {200: Answer("Titles, best first", "Suggestions", _CACHE), **_SEARCH_ANSWERS},
                params=(_Q, Param("limit", "suggestion_limit", "How many titles at most.")),
            ),
        ),
    ),
    Route(
        "/v1/search/popular",
        "search_popular",
        "anonymous",
        (
            Operation(
                "GET",
                "popularSearches",
                "The most frequent searches (never a name or an address: docs/portal.md)",
                {
                    200: Answer("Searches, most frequent first", "PopularSearches", _CACHE),
                    **_SEARCH_ANSWERS,
                },
                params=(Param("limit", "popular_limit", "How many searches at most."),),
            ),
        ),
    ),
    Route(
        "/v1/news",
        "news",
        "anonymous",
        (
            Operation(
                "GET",
                "listNews",
                "The town's news from its feeds, newest first (ETag; 304 on If-None-Match)",
                {
                    200: Answer("A page of news", "NewsPage", ("ETag", "Cache-Control")),
                    **_FEED_ANSWERS,
                },
                headers=("If-None-Match",),
                params=_PAGING,
            ),
        ),
    ),
    Route(
        "/v1/agenda",
        "agenda",
        "anonymous",
        (
            Operation(
                "GET",
                "listAgenda",
                "The town's events from its feeds, soonest first, ongoing ones included"
                " (ETag; 304 on If-None-Match)",
                {
                    200: Answer("A page of events", "AgendaPage", ("ETag", "Cache-Control")),
                    **_FEED_ANSWERS,
                },
                headers=("If-None-Match",),
                params=(
                    Param(
                        "from",
                        _DAY,
                        "Events still running on or after this day (the town's time zone;"
                        " default: today)",
                    ),
                    Param(
                        "to",
                        _DAY,
                        "Events starting on or before this day (the town's time zone)",
                    ),
                    *_PAGING,
                ),
            ),
        ),
    ),
    Route(
        "/v1/health",
        "health",
        "anonymous",
        (
            Operation(
                "GET", "liveness", "Liveness (calls nothing)", {200: Answer("Alive", "Liveness")}
            ),
        ),
    ),
    Route(
        "/v1/health/ready",
        "health_ready",
        "function",
        (
            Operation(
                "GET",
                "readiness",
                "Readiness: Dataverse, queue, store, circuit breaker (cached briefly)",
                {
                    200: Answer(
                        "Ready (ok, or degraded: accepting but not processing)", "Readiness"
                    ),
                    503: Answer("Not ready: cannot accept requests", "Readiness"),
                    401: Answer(f"Function key missing or wrong: {_HOST_401}"),
                    **_COMMON,
                },
            ),
        ),
    ),
    Route(
        "/v1/openapi.json",
        "openapi",
        "anonymous",
        (Operation("GET", "openapi", "This document", {200: Answer("OpenAPI 3.1 document")}),),
    ),
)
# The ops routes: the Functions host lets them through (anonymous level); the API checks the
# token. Every answer may also be a 503 while the tenant's signing keys cannot be fetched.
_OPS = {
    401: Answer(
        "Missing or invalid ops token (WWW-Authenticate says why); a function key is never"
        " enough here"
    ),
    403: Answer("A valid ops token without the ops app role"),
    503: Answer(
        "The tenant's signing keys or the queue cannot be reached now; retry later (a replay"
        " cut short says how many it did: asking again finishes it)"
    ),
    **_COMMON,
}
_AGENTS_503 = Answer(
    "Reconciliation not configured on this deployment (agents_unavailable), or Entra ID,"
    " Graph or Dataverse unreachable now (service_unavailable, with Retry-After)",
    sometimes=("Retry-After",),
)
OPS_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/ops/queues",
        "ops_queues",
        "ops",
        (
            Operation(
                "GET",
                "getQueueStats",
                "Counts of each queue the connector uses and of its failed messages",
                {200: Answer("The counts", "QueuesView"), **_OPS},
            ),
        ),
    ),
    Route(
        "/v1/ops/dead-letters",
        "ops_dead_letters",
        "ops",
        (
            Operation(
                "GET",
                "listDeadLetters",
                "A queue's failed messages, oldest first, by their metadata (never a body)",
                {
                    200: Answer("One page of failed messages", "DeadLetterPage"),
                    404: Answer("Not a queue the connector uses"),
                    422: Answer("A query parameter is not valid, each listed"),
                    **_OPS,
                },
                params=(
                    Param("queue", "ops_queue", "One of the queues the connector uses.", True),
                    Param(
                        "source",
                        {"enum": ["deadletter", "rejected", "all"], "default": "all"},
                        "deadletter: the queue's dead-letter sub-queue; rejected:"
                        " <queue>-rejected; all: both.",
                    ),
                    Param(
                        "page_size",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_DEAD_LETTER_PAGE,
                            "default": 50,
                        },
                        "Messages per page.",
                    ),
                    Param(
                        "page_token",
                        {"type": "string", "pattern": PAGE_TOKEN_PATTERN},
                        "Where the previous page ended (its next_page_token).",
                    ),
                ),
            ),
        ),
    ),
    Route(
        "/v1/ops/dead-letters/replay",
        "ops_replay",
        "ops",
        (
            Operation(
                "POST",
                "replayDeadLetters",
                "Send failed messages back to their queue: by id, or the oldest up to a limit",
                {
                    200: Answer("What was replayed, and the ids not found", "ReplayResult"),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("Not a queue the connector uses"),
                    413: Answer("The body is larger than a replay request can be"),
                    415: Answer("The body is not application/json"),
                    422: Answer("The body is not valid, each field listed"),
                    **_OPS,
                },
                request_body="ReplayRequest",
            ),
        ),
    ),
    Route(
        "/v1/ops/agents/plan",
        "ops_agents_plan",
        "ops",
        (
            Operation(
                "GET",
                "planAgents",
                "What reconciling agent accounts would change (Entra ID groups to Dataverse"
                " users, teams and roles); changes nothing",
                {200: Answer("The plan", "AgentsPlanView", ("ETag",)), **_OPS, 503: _AGENTS_503},
            ),
        ),
    ),
    Route(
        "/v1/ops/agents/apply",
        "ops_agents_apply",
        "ops",
        (
            Operation(
                "POST",
                "applyAgents",
                "Reconcile agent accounts now, on the caller's behalf (If-Match: only the plan"
                " that was reviewed)",
                {
                    200: Answer("What was done", "AgentsReportView"),
                    412: Answer("The plan changed since the ETag in If-Match", headers=("ETag",)),
                    **_OPS,
                    503: _AGENTS_503,
                },
                headers=("If-Match",),
            ),
        ),
    ),
)
ROUTES += OPS_ROUTES
# The KPIs (docs/kpis.md): for agents and ops (an ops-tenant token with the ops role or an
# agents' role, api/_stats.py), and their anonymous open data, aggregated and suppressed.
_STATS_DAY = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"}
_OPEN_DATA = {
    304: Answer("Not modified since the ETag in If-None-Match", headers=("ETag",)),
    503: Answer("The figures cannot be read now; retry later"),
    **_COMMON,
}
STATS_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/stats",
        "stats",
        "ops",
        (
            Operation(
                "GET",
                "getStats",
                "Requests by period and one dimension, delays (median, 90th percentile), backlog"
                " by age, share resolved in the target delay, and Dataverse's own counts",
                {
                    200: Answer("The figures", "StatsReport", ("Cache-Control",)),
                    400: Answer("A query parameter is not valid (invalid_parameter names it)"),
                    **_OPS,
                    403: Answer("A valid ops token without the ops role or an agents' role"),
                },
                params=(
                    Param("from", _STATS_DAY, "First day of receipt (UTC; default: to - 364)"),
                    Param("to", _STATS_DAY, "Last day of receipt (UTC; default: today)"),
                    Param(
                        "group_by",
                        {"enum": ["theme", "sub_theme", "channel", "team", "status"]},
                        "The dimension (default: theme)",
                    ),
                    Param(
                        "period",
                        {"enum": ["day", "week", "month"]},
                        "The period (default: month; ISO weeks)",
                    ),
                ),
            ),
        ),
    ),
    Route(
        "/v1/open-data/requests.csv",
        "open_data_csv",
        "anonymous",
        (
            Operation(
                "GET",
                "getOpenDataCsv",
                "Requests by month, theme, sub-theme, channel and status as CSV (UTF-8, comma);"
                " small counts withheld (docs/open-data/schema.json)",
                {
                    200: Answer(
                        "The table (RFC 4180, UTF-8, comma, header row)",
                        None,
                        ("ETag", "Cache-Control"),
                        media_type="text/csv",
                    ),
                    **_OPEN_DATA,
                },
                headers=("If-None-Match",),
            ),
        ),
    ),
    Route(
        "/v1/open-data/requests.json",
        "open_data_json",
        "anonymous",
        (
            Operation(
                "GET",
                "getOpenDataJson",
                "The same table as JSON (withheld figures are null)",
                {
                    200: Answer("The table", "OpenDataDocument", ("ETag", "Cache-Control")),
                    **_OPEN_DATA,
                },
                headers=("If-None-Match",),
            ),
        ),
    ),
)
ROUTES += STATS_ROUTES
# The citizen's data-protection rights (api/_rights.py, docs/rgpd.md).
_ME = ("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub")
_NOT_YOURS = Answer("No such export, or not yours (a wrong token reads the same)")
RIGHTS_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/citizens/me/data-export",
        "data_export",
        "caller",
        (
            Operation(
                "POST",
                "requestDataExport",
                "Ask for a copy of everything held about the citizen (RGPD articles 15 and 20):"
                " prepared in the background, downloadable once through the link answered",
                {
                    202: Answer(
                        "Accepted; Location names its status, download is the one-time link",
                        "DataExportAccepted",
                        ("Location", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    409: Answer("An export of theirs is still being prepared: poll it"),
                    413: Answer("The body is too large"),
                    415: Answer("The body is not application/json"),
                    422: Answer("Invalid fields or citizen's headers, each listed"),
                    **_AUTH,
                    **_COMMON,
                },
                request_body="DataExportBody",
                headers=_ME,
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/data-export/{id}",
        "data_export_status",
        "caller",
        (
            Operation(
                "GET",
                "getDataExport",
                "Where an export stands: pending, ready, downloaded or expired",
                {
                    200: Answer("The export's state", "DataExportStatus", ("Cache-Control",)),
                    404: _NOT_YOURS,
                    422: Answer("The citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=_ME,
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/data-export/{id}/file",
        "data_export_file",
        "caller",
        (
            Operation(
                "GET",
                "downloadDataExport",
                "The export file (JSON with a readable summary), once: it is deleted as it is sent",
                {
                    200: Answer(
                        "The file",
                        "File",
                        ("Content-Disposition", "X-Content-Type-Options", "Cache-Control"),
                    ),
                    404: _NOT_YOURS,
                    409: Answer("Not ready yet: poll its status"),
                    410: Answer("Downloaded already, or the link expired: ask for a new export"),
                    422: Answer("The citizen's headers are not valid"),
                    **_AUTH,
                    **_COMMON,
                },
                headers=_ME,
                params=(
                    Param(
                        "token",
                        {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
                        "The token of the link the export request answered.",
                        required=True,
                    ),
                ),
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/erasure-request",
        "erasure_request",
        "caller",
        (
            Operation(
                "POST",
                "requestErasure",
                "Ask for erasure (RGPD article 17) or object to the processing (article 21): a"
                " request filed for the data protection officer, followed as any request",
                {
                    202: Answer(
                        "Filed and queued; Location names its status",
                        "ErasureAccepted",
                        ("Location", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    409: Answer("This id was used for a different request"),
                    413: Answer("The body is too large"),
                    415: Answer("The body is not application/json"),
                    422: Answer("Invalid fields or citizen's headers, each listed"),
                    **_AUTH,
                    **_COMMON,
                },
                request_body="ErasureRequestBody",
                headers=_ME,
            ),
        ),
    ),
)
ROUTES += RIGHTS_ROUTES
# Open311 GeoReport v2 (api/open311/): in dispatch and in the document, one function to the host.
ROUTES += OPEN311_ROUTES
# Everything else under /v1: a problem+json 404 instead of the host's empty one.
FALLBACK = Route("/v1/{*rest}", "not_found", "anonymous")
# The functions the host binds: every route, the Open311 ones through their one catch-all.
HOST_ROUTES: tuple[Route, ...] = (
    *(r for r in ROUTES if r.function_name != OPEN311_FUNCTION.function_name),
    OPEN311_FUNCTION,
    FALLBACK,
)
_PARAM = re.compile(r"\{([a-z_]+)\}")


def _segment(want: str) -> re.Pattern[str] | None:
    """A segment holding a parameter beside literal text (``services.{format}``) as a pattern:
    the literal compared case-insensitively; ``format`` is ``json`` or ``xml`` (the Open311
    suffix), any other parameter one or more characters (the longest that leaves the suffix)."""
    if "{" not in want or (want.startswith("{") and want.endswith("}") and want.count("{") == 1):
        return None
    parts, last = [], 0
    for found in _PARAM.finditer(want):
        parts.append(re.escape(want[last : found.start()]))
        name = found.group(1)
        parts.append(f"(?P<{name}>json|xml)" if name == "format" else f"(?P<{name}>.+)")
        last = found.end()
    parts.append(re.escape(want[last:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


_SEGMENTS = {
    part: pattern
    for route in ROUTES
    for part in route.template.strip("/").split("/")
    if (pattern := _segment(part)) is not None
}


def match(path: str) -> tuple[Route, dict[str, str]] | None:
    """The route for a path (``/v1/requests/abc``) and its parameters; segment by segment,
    literal segments compared case-insensitively as ASP.NET Core routing does."""
    segments = path.strip("/").split("/")
    for route in ROUTES:
        template = route.template.strip("/").split("/")
        if len(template) != len(segments):
            continue
        params: dict[str, str] = {}
        for want, got in zip(template, segments, strict=True):
            pattern = _SEGMENTS.get(want)
            if pattern is not None:
                found = pattern.fullmatch(got)
                if found is None:
                    break
                params.update(
                    {k: v.lower() if k == "format" else v for k, v in found.groupdict().items()}
                )
            elif want.startswith("{") and want.endswith("}"):
                if not got:
                    break
                params[want[1:-1]] = got
            elif want.lower() != got.lower():
                break
        else:
            return route, params
    return None

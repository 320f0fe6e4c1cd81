"""The routing table: every route, its operations, who may call and what each answers.

One table drives three things, so they cannot disagree: request dispatch (``match``), the
OpenAPI document and the Blueprint's function bindings (route template, auth level). It imports
nothing heavy: schemas are named here and resolved by ``_openapi`` when the document is built,
so that the Blueprint module loads fast (Azure Functions cold start).

Each area's routes are in their own module (``_routes_requests``, ``_routes_citizens``,
``_routes_portal``, ``_routes_ops``, ``_routes_stats``, ``open311._routes``); this one assembles
them in the order dispatch tries them and the document lists them, and matches a path.
"""

from __future__ import annotations

import re

from ._route_types import METHODS, PREFIX, Access, Answer, Operation, Param, Route, Schema
from ._routes_citizens import CITIZEN_ROUTES, RIGHTS_ROUTES
from ._routes_ops import OPS_ROUTES, SERVICE_ROUTES
from ._routes_portal import MAX_PAGE, MAX_PAGE_SIZE, PORTAL_ROUTES
from ._routes_requests import REQUEST_ROUTES
from ._routes_stats import STATS_ROUTES
from .open311._routes import OPEN311_FUNCTION, OPEN311_ROUTES

# The types and tables, where the table's readers have always found them.
__all__ = [
    "FALLBACK",
    "HOST_ROUTES",
    "MAX_PAGE",
    "MAX_PAGE_SIZE",
    "METHODS",
    "OPS_ROUTES",
    "PREFIX",
    "RIGHTS_ROUTES",
    "ROUTES",
    "STATS_ROUTES",
    "Access",
    "Answer",
    "Operation",
    "Param",
    "Route",
    "Schema",
    "match",
]

# The order is the document's and dispatch's: the first route whose template matches wins.
ROUTES: tuple[Route, ...] = (
    *REQUEST_ROUTES,
    *CITIZEN_ROUTES,
    *PORTAL_ROUTES,
    *SERVICE_ROUTES,
    *OPS_ROUTES,
    # The KPIs (docs/kpis.md) and their anonymous open data.
    *STATS_ROUTES,
    # The citizen's data-protection rights (api/_rights.py, docs/rgpd.md).
    *RIGHTS_ROUTES,
    # Open311 GeoReport v2 (api/open311/): in dispatch and in the document, one function to the
    # host.
    *OPEN311_ROUTES,
)
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

"""The KPIs' routes and their open data."""

from __future__ import annotations

from ._route_answers import COMMON
from ._route_types import Answer, Operation, Param, Route
from ._routes_ops import OPS_ANSWERS

# The KPIs (docs/kpis.md): for agents and ops (an ops-tenant token with the ops role or an
# agents' role, api/_stats.py), and their anonymous open data, aggregated and suppressed.
_STATS_DAY = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"}
_OPEN_DATA = {
    304: Answer("Not modified since the ETag in If-None-Match", headers=("ETag",)),
    503: Answer("The figures cannot be read now; retry later"),
    **COMMON,
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
                    **OPS_ANSWERS,
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

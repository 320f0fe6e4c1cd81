"""``GET /api/v1/stats`` (agents and ops) and ``GET /api/v1/open-data/requests.{csv,json}``
(anyone): the KPIs of docs/kpis.md.

Who may read the stats: an Entra ID access token of the ops tenant carrying the ops app role
*or* one of the agents' roles (``CITYZEN_STATS_ROLES``, default ``CityZen.Agent``), checked by
``OpsDependencies.stats_authenticator`` (the ops authenticator when none is given: ops only).
The figures name no one (teams, themes, counts), but they describe the services' work: not
public. The open data is anonymous, aggregated and suppressed (``cases._opendata``).

The query is read strictly (days as ``YYYY-MM-DD``, the listed dimensions and periods, a range
of at most ten years, one year by day); anything else is a 400 ``invalid_parameter`` naming the
parameter and the rule, never the value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from cityzen_connector.identity import InvalidToken, OpsCaller
from cityzen_connector.models import ProblemCode
from cityzen_connector.sync import not_modified

from ._app import Deps
from ._http import JSON, ApiRequest, ApiResponse, problem_response
from ._ops import OpsDependencies, audit
from ._routes import PREFIX

if TYPE_CHECKING:
    from cityzen_connector.cases import StatsQuery

DIMENSIONS = ("theme", "sub_theme", "channel", "team", "status")
PERIODS = ("day", "week", "month")
MAX_RANGE_DAYS = 3660
MAX_DAILY_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 364
# Open data changes once a day: caches may keep it an hour, then revalidate (RFC 9111 5.2.2.1).
OPEN_DATA_CACHE_CONTROL = "public, max-age=3600"
CSV = "text/csv; charset=utf-8; header=present"


def stats_caller(request: ApiRequest, ops: OpsDependencies | None) -> OpsCaller:
    authorization = request.headers.get("authorization")
    authenticator = None
    if ops is not None:
        authenticator = ops.stats_authenticator or ops.authenticator
    if authenticator is None:
        if authorization is None or not authorization.strip():
            raise InvalidToken("missing")
        raise InvalidToken("wrong_issuer", "no ops tenant is configured")
    return authenticator.authenticate(authorization)


def _unavailable(request: ApiRequest) -> ApiResponse:
    return problem_response(
        ProblemCode.SERVICE_UNAVAILABLE, instance=PREFIX + request.path, retry_after="30"
    )


def stats(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = stats_caller(request, deps.ops)
    try:
        query = stats_query(request.query, today=deps.ingest.clock().date())
    except ValueError as exc:
        return problem_response(
            ProblemCode.INVALID_PARAMETER, detail=str(exc), instance=PREFIX + request.path
        )
    if deps.kpis is None:
        return _unavailable(request)
    report = deps.kpis.stats(query)
    if deps.ops is not None:
        audit(deps.ops, caller, "stats.read", groups=len(report["groups"]))
    body = _json(report)
    return ApiResponse(200, body, {"Content-Type": JSON, "Cache-Control": "private, no-store"})


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def stats_query(query: Mapping[str, str], *, today: date) -> StatsQuery:
    from cityzen_connector.cases import StatsQuery  # noqa: PLC0415 - the cases room loads late

    end = _day(query, "to") or today
    start = _day(query, "from") or end - timedelta(days=DEFAULT_RANGE_DAYS)
    if start > end:
        raise ValueError("from must be on or before to")
    group_by = _choice(query, "group_by", DIMENSIONS, "theme")
    period = _choice(query, "period", PERIODS, "month")
    span = (end - start).days
    if span > MAX_RANGE_DAYS:
        raise ValueError(f"from and to must be at most {MAX_RANGE_DAYS} days apart")
    if period == "day" and span > MAX_DAILY_RANGE_DAYS:
        raise ValueError(f"by day, from and to must be at most {MAX_DAILY_RANGE_DAYS} days apart")
    return StatsQuery(start, end, cast("Any", group_by), cast("Any", period))


def _choice(query: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    text = query.get(name)
    if text is None:
        return default
    if text not in allowed:
        raise ValueError(f"{name} must be one of: {', '.join(allowed)}")
    return text


def _day(query: Mapping[str, str], name: str) -> date | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        if len(text) != 10 or not text[:4].isdigit() or text[4] != "-" or text[7] != "-":
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a day, YYYY-MM-DD") from None


def open_data_csv(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _open_data(request, lazy, "csv", CSV)


def open_data_json(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _open_data(request, lazy, "json", JSON)


def _open_data(request: ApiRequest, lazy: Deps, kind: str, media_type: str) -> ApiResponse:
    kpis = lazy().kpis
    if kpis is None:
        return _unavailable(request)
    body, etag = kpis.open_data(kind)
    headers = {"ETag": etag, "Cache-Control": OPEN_DATA_CACHE_CONTROL}
    if not_modified(request.headers.get("if-none-match"), etag):
        return ApiResponse(304, b"", headers)
    return ApiResponse(200, body, {"Content-Type": media_type, **headers})


STATS_HANDLERS = {
    "getStats": stats,
    "getOpenDataCsv": open_data_csv,
    "getOpenDataJson": open_data_json,
}

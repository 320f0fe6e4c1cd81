"""``GET /api/v1/search``, ``/search/suggestions`` and ``/search/popular``: read and check the
query parameters, ask ``portal.SearchService``, answer.

A parameter that is missing, not a decimal integer, out of its bounds (the OpenAPI document's,
``_openapi.query_schemas``) or too long is a 400 ``invalid_parameter`` whose detail names the
parameter and the rule, never the value. Parameters not listed are ignored, as usual for query
strings. The answers are public (no caller's data), so shared caches may keep them briefly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from cityzen_connector.models import ProblemCode
from cityzen_connector.portal import SearchIndexError, SearchService, SearchUnavailableError

from ._app import ApiDependencies, Deps, Handler
from ._errors import QueryParameterError
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._openapi import PAGE_MAX, PER_PAGE_MAX, POPULAR_MAX, SUGGESTIONS_MAX
from ._routes import PREFIX

__all__ = ["SEARCH_HANDLERS"]

# Results change when the articles are refreshed (minutes): a short shared cache is enough.
SEARCH_CACHE_CONTROL = "public, max-age=30"
POPULAR_CACHE_CONTROL = "public, max-age=300"
_DIGITS = frozenset("0123456789")
# One route's work, given its query parameters and the API's dependencies.
_Respond = Callable[[Mapping[str, str], ApiDependencies], ApiResponse]


def _query(params: Mapping[str, str], max_chars: int) -> str:
    q = params.get("q")
    if q is None or q == "":
        raise QueryParameterError("q: required, 1 character at least")
    if len(q) > max_chars:
        raise QueryParameterError(f"q: at most {max_chars} characters")
    if any("\ud800" <= c <= "\udfff" for c in q):
        raise QueryParameterError("q: must be text (UTF-8)")
    return q


def _integer(params: Mapping[str, str], name: str, default: int, maximum: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw or len(raw) > 6 or not set(raw) <= _DIGITS or not 1 <= int(raw) <= maximum:
        raise QueryParameterError(f"{name}: an integer from 1 to {maximum}")
    return int(raw)


def _service(deps: ApiDependencies) -> SearchService:
    if deps.search is None:
        raise SearchUnavailableError("search is not configured")
    return deps.search


def _answer(request: ApiRequest, lazy: Deps, respond: _Respond) -> ApiResponse:
    instance = PREFIX + request.path
    deps = lazy()
    try:
        return respond(request.query, deps)
    except QueryParameterError as exc:
        return problem_response(ProblemCode.INVALID_PARAMETER, detail=exc.detail, instance=instance)
    except (SearchUnavailableError, SearchIndexError):
        return problem_response(
            ProblemCode.SERVICE_UNAVAILABLE, instance=instance, retry_after="30"
        )


def _search(params: Mapping[str, str], deps: ApiDependencies) -> ApiResponse:
    q = _query(params, deps.max_query_chars)
    page = _integer(params, "page", 1, PAGE_MAX)
    per_page = _integer(params, "per_page", 10, PER_PAGE_MAX)
    results = _service(deps).search(q, page=page, per_page=per_page)
    return json_response(200, results, cache_control=SEARCH_CACHE_CONTROL)


def _suggestions(params: Mapping[str, str], deps: ApiDependencies) -> ApiResponse:
    q = _query(params, deps.max_query_chars)
    limit = _integer(params, "limit", 8, SUGGESTIONS_MAX)
    suggestions = _service(deps).suggest(q, limit=limit)
    return json_response(200, suggestions, cache_control=SEARCH_CACHE_CONTROL)


def _popular(params: Mapping[str, str], deps: ApiDependencies) -> ApiResponse:
    limit = _integer(params, "limit", 10, POPULAR_MAX)
    popular = _service(deps).popular(limit=limit)
    return json_response(200, popular, cache_control=POPULAR_CACHE_CONTROL)


def search(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _answer(request, lazy, _search)


def search_suggestions(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _answer(request, lazy, _suggestions)


def popular_searches(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _answer(request, lazy, _popular)


SEARCH_HANDLERS: dict[str, Handler] = {
    "search": search,
    "searchSuggestions": search_suggestions,
    "popularSearches": popular_searches,
}

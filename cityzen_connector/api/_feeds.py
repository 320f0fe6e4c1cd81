"""``GET /api/v1/news`` and ``GET /api/v1/agenda``: pages of the feeds' last good copies.

The query is read strictly, as the OpenAPI document states it (``_routes``: integers in their
bounds, ``YYYY-MM-DD`` days, a category of 1 to 100 characters); anything else is a 400
``invalid_parameter`` whose detail names the parameter and the rule, never the value. Both answers
carry a strong ETag (a hash of the exact bytes): ``If-None-Match`` gives ``304 Not Modified``
(RFC 9110 sections 8.8.3 and 13.1.2). An ``from`` after ``to`` is an empty page, not an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel

from cityzen_connector.models import AgendaPage, NewsPage, ProblemCode
from cityzen_connector.sync import not_modified

from ._app import Deps
from ._http import JSON, ApiRequest, ApiResponse, problem_response
from ._routes import MAX_PAGE, MAX_PAGE_SIZE, PREFIX

# Clients may keep a page a minute, then revalidate with If-None-Match (RFC 9111 5.2.2.1).
FEEDS_CACHE_CONTROL = "public, max-age=60"
DEFAULT_PAGE_SIZE = 20
_INTEGER = re.compile(r"^[0-9]{1,9}$")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_MAX_CATEGORY = 100


def news(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    try:
        page, page_size = _paging(request.query)
        category = _category(request.query)
    except ValueError as exc:
        return _invalid(request, exc)
    feeds = lazy().feeds
    found = (
        feeds.news(page=page, page_size=page_size, category=category)
        if feeds is not None
        else NewsPage(page=page, page_size=page_size, total=0, stale=False, items=())
    )
    return _page(request, found)


def agenda(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    try:
        page, page_size = _paging(request.query)
        category = _category(request.query)
        first, last = _day(request.query, "from"), _day(request.query, "to")
    except ValueError as exc:
        return _invalid(request, exc)
    feeds = lazy().feeds
    found = (
        feeds.agenda(
            page=page, page_size=page_size, first_day=first, last_day=last, category=category
        )
        if feeds is not None
        else AgendaPage(page=page, page_size=page_size, total=0, stale=False, items=())
    )
    return _page(request, found)


def _page(request: ApiRequest, found: BaseModel | None) -> ApiResponse:
    if found is None:  # the store cannot be read and nothing is in memory yet
        return problem_response(
            ProblemCode.SERVICE_UNAVAILABLE, instance=PREFIX + request.path, retry_after="30"
        )
    body = found.model_dump_json().encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    headers = {"ETag": etag, "Cache-Control": FEEDS_CACHE_CONTROL}
    if not_modified(request.headers.get("if-none-match"), etag):
        return ApiResponse(304, b"", headers)
    return ApiResponse(200, body, {"Content-Type": JSON, **headers})


def _invalid(request: ApiRequest, exc: ValueError) -> ApiResponse:
    return problem_response(
        ProblemCode.INVALID_PARAMETER, detail=str(exc), instance=PREFIX + request.path
    )


def _paging(query: Mapping[str, str]) -> tuple[int, int]:
    return (
        _integer(query, "page", 1, MAX_PAGE, 1),
        _integer(query, "page_size", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE),
    )


def _integer(query: Mapping[str, str], name: str, low: int, high: int, default: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not _INTEGER.match(text) or not low <= int(text) <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return int(text)


def _category(query: Mapping[str, str]) -> str | None:
    text = query.get("category")
    if text is None:
        return None
    if not 1 <= len(text) <= _MAX_CATEGORY:
        raise ValueError(f"category must be 1 to {_MAX_CATEGORY} characters")
    return text


def _day(query: Mapping[str, str], name: str) -> date | None:
    text = query.get(name)
    if text is None:
        return None
    try:
        if not _DAY.match(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a day, YYYY-MM-DD") from None

"""One handler per GeoReport v2 method (https://wiki.open311.org/GeoReport_v2, "API Methods")
and mySociety's two update methods. Each reads its arguments, checks the jurisdiction and the
app's key, calls the use case and answers in the format of the resource's suffix; every
refusal is the GeoReport error list ("Errors") with the HTTP status as its code.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping

from cityzen_connector.models import Open311Created, Open311Queued, Open311TokenView
from cityzen_connector.sync.intake import (
    ApiKeyInfo,
    IngestError,
    InvalidSubmissionError,
    SubmissionNotFoundError,
    file_open311,
    filed_by_app,
    filed_by_token,
    filed_requests,
)

from .._app import ApiDependencies, Deps
from .._http import ApiRequest, ApiResponse
from ._deps import Open311Dependencies
from ._discovery import discovery_of
from ._errors import GeoReportError
from ._filing import POST_ARGUMENTS, filing_of
from ._form import read_form
from ._list import RequestFilters, select, updates_window
from ._services import definition, services, split_code
from ._updates import UPDATE_ARGUMENTS, post_update
from ._views import request_view, updates_of
from ._wire import CONTENT_TYPES, answer, errors, format_of

logger = logging.getLogger(__name__)
Open311Handler = Callable[[ApiRequest, dict[str, str], Deps], ApiResponse]
# Lists change as cases move: never from a shared cache (RFC 9111 section 5.2.2.3).
_PRIVATE = {"Cache-Control": "private, no-store"}
# The catalogue changes with the mappings only: clients may keep it a minute.
_PUBLIC = {"Cache-Control": "public, max-age=60"}


def _open311(lazy: Deps) -> tuple[Open311Dependencies, ApiDependencies]:
    """The facade's settings and the API's dependencies; GeoReport's 503 when it is off."""
    deps = lazy()
    if deps.open311 is None:
        raise GeoReportError("service_unavailable", "Open311 is not enabled on this deployment")
    return deps.open311, deps


def _jurisdiction(given: str | None, config: Open311Dependencies) -> None:
    # GeoReport v2: jurisdiction_id "is only required if the endpoint serves multiple
    # jurisdictions"; a value naming another one is the spec's 404.
    if given not in (None, "", config.jurisdiction_id):
        raise GeoReportError("jurisdiction_not_found", "jurisdiction_id")


def _key(given: str | None, config: Open311Dependencies) -> ApiKeyInfo:
    found = config.keys.verify(given)
    if found is None:
        raise GeoReportError("api_key_invalid", "api_key")
    return found


def guarded(
    handler: Callable[[ApiRequest, dict[str, str], Deps, str], ApiResponse],
) -> Open311Handler:
    """Errors as GeoReport errors in the asked format (the portal's problems are for /v1)."""

    def run(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
        fmt = format_of(params)
        try:
            return handler(request, params, lazy, fmt)
        except IngestError as exc:
            refused = _of_ingest(exc)
        except GeoReportError as exc:
            refused = exc
        except Exception:  # whatever failed, the app gets GeoReport's 500
            # The traceback is for the log (route templates only: paths carry ids).
            logger.exception("unexpected error on an Open311 %s", request.method)
            refused = GeoReportError("internal_error")
        # RFC 9110 section 10.2.3: a 503 says when to come back.
        retry = {"Retry-After": "30"} if refused.code == "service_unavailable" else None
        return errors(refused.code, fmt, [d or None for d in refused.details], retry)

    return run


def _of_ingest(exc: IngestError) -> GeoReportError:
    """The intake's refusals in GeoReport's words (the same checks as the portal's)."""
    if isinstance(exc, SubmissionNotFoundError):
        return GeoReportError("not_found", "service_request_id")
    if isinstance(exc, InvalidSubmissionError):
        details = [f"{_field(e.field)}: {e.message_en} / {e.message_fr}" for e in exc.errors]
        return GeoReportError("validation_failed", *details)
    if exc.code == "outside_territory":
        return GeoReportError("outside_territory")
    code = {
        409: "request_closed",
        413: "payload_too_large",
        415: "unsupported_media_type",
        503: "service_unavailable",
    }.get(exc.status, "validation_failed")
    return GeoReportError(code)


def _field(name: str) -> str:
    """The portal's field names as GeoReport arguments (``fields.x`` → ``attribute[x]``)."""
    if name.startswith("fields."):
        return f"attribute[{name.removeprefix('fields.')}]"
    if name.startswith("location.") or name == "location":
        return "lat/long/address_string"
    if name.startswith("citizen."):
        return {"citizen.given_name": "first_name", "citizen.family_name": "last_name"}.get(
            name, name.removeprefix("citizen.")
        )
    return name


def get_discovery(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config = _open311(lazy)[0]
    return answer("discovery", discovery_of(config), fmt)


def get_services(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    catalog = deps.ingest.catalog
    cached = config.services_cache.get(fmt)
    if cached is None or cached[0] is not catalog:
        built = answer("services", services(catalog.tree()), fmt, headers=_PUBLIC)
        config.services_cache[fmt] = (catalog, built.body)
        return built
    return ApiResponse(200, cached[1], {"Content-Type": CONTENT_TYPES[fmt], **_PUBLIC})


def get_definition(
    request: ApiRequest, params: dict[str, str], lazy: Deps, fmt: str
) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    codes = split_code(params["service_code"])
    catalog = deps.ingest.catalog
    known = codes is not None and codes[1] in getattr(
        catalog.themes.get(codes[0]), "sub_themes", {}
    )
    if codes is None or not known:
        raise GeoReportError("service_not_found", "service_code")
    fields = catalog.form(*codes)
    return answer(
        "service_definition",
        definition(params["service_code"], fields),
        fmt,
        headers=_PUBLIC,
    )


def post_request(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    form = read_form(request, POST_ARGUMENTS)
    _jurisdiction(form.get("jurisdiction_id"), config)
    key = _key(form.get("api_key"), config)  # before anything is read of the request itself
    form.check_text()
    filing = filing_of(form, deps.ingest)
    submission_id, _record = file_open311(filing, key, deps.ingest)
    logger.info("open311 request filed by app %s", key.key_id)
    created = (
        Open311Created(service_request_id=str(submission_id))
        if config.immediate_id
        else Open311Queued(token=str(submission_id))
    )
    return answer("requests", [created], fmt, headers=_PRIVATE)


def get_requests(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    key = _key(request.query.get("api_key"), config)
    filters = RequestFilters.read(request.query, deps.ingest.clock())
    views = [request_view(r, deps) for r in select(filed_requests(key, deps.ingest), filters)]
    return answer("requests", filters.page_of(views), fmt, headers=_PRIVATE)


def get_request(request: ApiRequest, params: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    key = _key(request.query.get("api_key"), config)
    record = filed_by_app(params["service_request_id"], key, deps.ingest)
    return answer("requests", [request_view(record, deps)], fmt, headers=_PRIVATE)


def get_token(request: ApiRequest, params: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    # GeoReport v2 names no api_key here and FixMyStreet sends none: the token, random and
    # given only to the app that posted, is enough; a key given must still be valid and own it.
    given = request.query.get("api_key")
    if given is None:
        record = filed_by_token(params["token"], config.keys.list(), deps.ingest)
    else:
        record = filed_by_app(params["token"], _key(given, config), deps.ingest)
    history = deps.case_history
    case = history.case_of_submission(uuid.UUID(record.key)) if history else None
    # The token names the request from the start; its id is given once the case exists.
    view = Open311TokenView(token=record.key, service_request_id=record.key if case else None)
    return answer("tokens", [view], fmt, headers=_PRIVATE)


def get_updates(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    _jurisdiction(request.query.get("jurisdiction_id"), config)
    key = _key(request.query.get("api_key"), config)
    start, end = updates_window(request.query, deps.ingest.clock())
    found = [
        u
        for record in filed_requests(key, deps.ingest)
        for u in updates_of(record, deps)
        if start <= u.updated_datetime <= end
    ]
    found.sort(key=lambda u: (u.updated_datetime, u.update_id))
    return answer("updates", found[:1000], fmt, headers=_PRIVATE)


def post_updates(request: ApiRequest, _: dict[str, str], lazy: Deps, fmt: str) -> ApiResponse:
    config, deps = _open311(lazy)
    form = read_form(request, UPDATE_ARGUMENTS)
    _jurisdiction(form.get("jurisdiction_id"), config)
    key = _key(form.get("api_key"), config)
    form.check_text()
    accepted = post_update(form, key, deps)
    return answer("updates", [accepted], fmt, headers=_PRIVATE)


def not_found(request: ApiRequest, params: dict[str, str], _lazy: Deps) -> ApiResponse:
    """A path under /open311 that is no method: the GeoReport 404 (JSON unless it asks XML)."""
    fmt = "xml" if request.path.lower().endswith(".xml") else "json"
    return errors("not_found", fmt, ["no such method or format (.json or .xml)"])


OPEN311_HANDLERS: Mapping[str, Open311Handler] = {
    "open311Discovery": guarded(get_discovery),
    "open311Services": guarded(get_services),
    "open311ServiceDefinition": guarded(get_definition),
    "open311PostRequest": guarded(post_request),
    "open311GetRequests": guarded(get_requests),
    "open311GetRequest": guarded(get_request),
    "open311GetToken": guarded(get_token),
    "open311GetUpdates": guarded(get_updates),
    "open311PostUpdate": guarded(post_updates),
}

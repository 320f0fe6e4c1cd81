"""``GET /api/v1/address`` and ``/address/reverse``: address help, read from ``portal``.

The query parameters are read into their models (``portal.AddressSearchParams``, a 422 listing
each invalid one); the function key's own ``code`` parameter (Azure Functions accepts the key
there too) is not one of them. A geocoder that cannot answer is a 503 problem whose
``Retry-After`` is the service's own wait when it said 429 (or our pace under its limit), else
30 s; the portal then lets the citizen type the address. Nothing here logs a query: what a
citizen types is personal data.
"""

from __future__ import annotations

import logging
import math
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from cityzen_connector.models import ProblemCode, field_errors
from cityzen_connector.portal import (
    AddressResults,
    AddressReverseParams,
    AddressSearchParams,
    GeocoderError,
    GeocoderRateLimitedError,
    GeocoderRefusedError,
)

from ._app import Deps, caller_of
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._routes import PREFIX

logger = logging.getLogger(__name__)
P = TypeVar("P", bound=BaseModel)
# Suggestions are public data (the BAN), but the answer is the caller's: private caches only.
CACHE_CONTROL = "private, max-age=300"
UNAVAILABLE_RETRY_SECONDS = 30
_KEY_PARAMETER = "code"


def address_search(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _answer(request, lazy, AddressSearchParams)


def address_reverse(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    return _answer(request, lazy, AddressReverseParams)


def _answer(request: ApiRequest, lazy: Deps, model: type[P]) -> ApiResponse:
    deps = lazy()
    caller_of(request, deps)  # a function key or a valid token, as for every caller route
    instance = PREFIX + request.path
    query = {k: v for k, v in request.query.items() if k != _KEY_PARAMETER}
    try:
        params = model.model_validate(query)
    except ValidationError as exc:
        count = exc.error_count()
        return problem_response(
            ProblemCode.VALIDATION_FAILED,
            detail=f"{count} query parameter{'s' if count != 1 else ''} not valid.",
            instance=instance,
            errors=field_errors(exc),
        )
    help = deps.addresses
    if help is None:
        return _unavailable(instance)
    try:
        if isinstance(params, AddressSearchParams):
            results: AddressResults = help.search(params)
        else:
            assert isinstance(params, AddressReverseParams)
            results = help.reverse(params)
    except GeocoderRateLimitedError as exc:
        logger.info("address help busy: %s", exc.summary)
        wait = str(max(1, math.ceil(exc.retry_after)))
        return problem_response(ProblemCode.ADDRESS_HELP_BUSY, instance=instance, retry_after=wait)
    except GeocoderRefusedError as exc:  # our request or the service's contract changed
        logger.error("address help refused by the geocoder: %s", exc.summary)
        return _unavailable(instance)
    except GeocoderError as exc:
        logger.warning("address help unavailable: %s", exc.summary)
        return _unavailable(instance)
    return json_response(200, results, cache_control=CACHE_CONTROL)


def _unavailable(instance: str) -> ApiResponse:
    return problem_response(
        ProblemCode.ADDRESS_HELP_UNAVAILABLE,
        instance=instance,
        retry_after=str(UNAVAILABLE_RETRY_SECONDS),
    )

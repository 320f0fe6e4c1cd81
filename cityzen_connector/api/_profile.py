"""``GET`` and ``PATCH /api/v1/citizens/me``: the citizen's own record (``citizens.Profiles``).

Who "me" is follows "my requests" (``_cases.citizen_named``): the token's issuer and subject for
a citizen, the naming headers for the trusted portal. The PATCH is a JSON merge patch (RFC 7396,
``application/merge-patch+json``) with the ETag read in ``If-Match`` (RFC 9110 section 13.1.1):
428 without it (RFC 6585 section 3), 412 on a stale one.
"""

from __future__ import annotations

from cityzen_connector.citizens import CitizensError
from cityzen_connector.models import ProblemCode

from ._app import Deps, caller_of
from ._body import parse_json
from ._cases import citizen_named
from ._errors import BodyError, MultipartError
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._multipart import header_params
from ._routes import PREFIX

MERGE_PATCH = "application/merge-patch+json"
# A record is a few hundred bytes: 16 KiB leaves room for every field at its longest.
MAX_PATCH_BYTES = 16 * 1024
_PRIVATE = "private, no-store"  # one citizen's data: never in a shared cache (RFC 9111 5.2.2.3)


def my_profile(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    instance = PREFIX + request.path
    if deps.profiles is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=instance)
    try:
        view, etag = deps.profiles.read(issuer, sub)
    except CitizensError as exc:
        return _problem(exc, instance)
    return json_response(200, view, etag=etag, cache_control=_PRIVATE)


def patch_my_profile(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    instance = PREFIX + request.path
    if len(request.body) > MAX_PATCH_BYTES:
        return problem_response(
            ProblemCode.PAYLOAD_TOO_LARGE,
            detail=f"the body exceeds {MAX_PATCH_BYTES} bytes",
            instance=instance,
        )
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    if deps.profiles is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=instance)
    try:
        kind, params = header_params(request.headers.get("content-type", ""))
    except MultipartError:  # an unreadable Content-Type is not a merge patch
        kind, params = "", {}
    if kind != MERGE_PATCH or params.get("charset", "utf-8").lower() != "utf-8":
        return problem_response(
            ProblemCode.UNSUPPORTED_MEDIA_TYPE,
            detail=f"send {MERGE_PATCH} (UTF-8)",
            instance=instance,
        )
    try:
        document = parse_json(request.body)
    except BodyError as exc:
        return problem_response(exc.code, detail=exc.detail, instance=instance)
    try:
        view, etag = deps.profiles.change(issuer, sub, document, request.headers.get("if-match"))
    except CitizensError as exc:
        return _problem(exc, instance)
    status = 202 if view.pending else 200
    return json_response(status, view, etag=etag, cache_control=_PRIVATE)


def _problem(exc: CitizensError, instance: str) -> ApiResponse:
    retry = {"retry_after": "30"} if exc.is_transient else {}
    return problem_response(
        exc.code, detail=exc.message, instance=instance, errors=exc.errors, **retry
    )


PROFILE_HANDLERS = {"getMyProfile": my_profile, "patchMyProfile": patch_my_profile}

"""The citizen's data-protection rights on the portal API (docs/rgpd.md).

- ``POST /api/v1/citizens/me/data-export``: 202, ``Location`` to poll; the body (optional) may
  choose the summary's language;
- ``GET /api/v1/citizens/me/data-export/{id}``: pending, ready, downloaded or expired;
- ``GET /api/v1/citizens/me/data-export/{id}/file?token=…``: the file, once (then 410);
- ``POST /api/v1/citizens/me/erasure-request``: 202, a request for the data protection officer.

"Me" is resolved as ``GET /api/v1/citizens/me/requests`` resolves it (``citizen_named``): the
token's issuer and subject, or the portal's ``CityZen-Citizen-*`` headers. Another citizen's
export id, or a wrong token, reads as absent (404). Answers are never cached (``no-store``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from cityzen_connector.models import (
    DataExportAccepted,
    DataExportBody,
    ErasureAccepted,
    FieldError,
    ProblemCode,
)
from cityzen_connector.rgpd import EXPORT_MEDIA_TYPE, RightsError, RightsServices
from cityzen_connector.sync.intake import InvalidSubmissionError

from ._app import ApiDependencies, Deps, caller_of
from ._body import parse_json
from ._cases import citizen_named
from ._errors import BodyError
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._routes import PREFIX

# The bodies are a few members and a reason of 2,000 characters: 16 KB is ample (every
# character escaped as \uXXXX is 12 KB); a larger one is refused unread.
MAX_RIGHTS_BODY_BYTES = 16 * 1024
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = r"^[A-Za-z0-9_-]{43}$"  # noqa: S105 -- a pattern, not a secret
_TOKEN = re.compile(TOKEN_PATTERN)
_EXPORTS = f"{PREFIX}/v1/citizens/me/data-export"
_NO_STORE = "private, no-store"


def _services(deps: ApiDependencies) -> RightsServices | None:
    return deps.rights


def _body(request: ApiRequest, *, optional: bool) -> Mapping[str, Any]:
    if len(request.body) > MAX_RIGHTS_BODY_BYTES:
        raise BodyError(
            ProblemCode.PAYLOAD_TOO_LARGE, f"the body exceeds {MAX_RIGHTS_BODY_BYTES} bytes"
        )
    if optional and not request.body.strip():
        return {}
    kind = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BodyError(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "send application/json")
    value = parse_json(request.body)
    if not isinstance(value, dict):
        problem = FieldError.of("(body)", "model_type", "a JSON object is expected")
        raise InvalidSubmissionError([problem])
    return value


def _answer(request: ApiRequest, exc: Exception) -> ApiResponse:
    instance = PREFIX + request.path
    if isinstance(exc, BodyError):
        return problem_response(exc.code, detail=exc.detail, instance=instance)
    assert isinstance(exc, RightsError)
    if exc.code == ProblemCode.SERVICE_UNAVAILABLE:  # RFC 9110 section 10.2.3
        return problem_response(exc.code, instance=instance, retry_after="30")
    return problem_response(exc.code, detail=exc.message, instance=instance)


def request_export(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    rights = _services(deps)
    if rights is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
    try:
        raw = _body(request, optional=True)
        try:
            body = DataExportBody.model_validate(raw)
        except ValidationError as exc:
            raise InvalidSubmissionError.from_validation(exc) from None
        owner = rights.owner(issuer, sub)
        asked = rights.exports.request(owner, language=body.language)
    except (BodyError, RightsError) as exc:
        return _answer(request, exc)
    status_url = f"{_EXPORTS}/{asked.export_id}"
    answer = DataExportAccepted(
        id=asked.export_id,
        status="pending",
        status_url=status_url,
        download=f"{status_url}/file?token={asked.token}",
    )
    return json_response(202, answer, location=status_url, cache_control=_NO_STORE)


def export_status(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    rights = _services(deps)
    if rights is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
    owner = rights.owner(issuer, sub)
    try:
        view = rights.exports.status(owner, params["id"])
    except RightsError as exc:
        return _answer(request, exc)
    return json_response(200, view, cache_control=_NO_STORE)


def export_file(request: ApiRequest, params: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    rights = _services(deps)
    token = request.query.get("token") or ""
    if rights is None or not _TOKEN.match(token):
        return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
    owner = rights.owner(issuer, sub)
    try:
        data = rights.exports.download(owner, params["id"], token)
    except RightsError as exc:
        return _answer(request, exc)
    return ApiResponse(
        200,
        data,
        {
            "Content-Type": f"{EXPORT_MEDIA_TYPE}; charset=utf-8",
            "Content-Disposition": 'attachment; filename="mes-donnees.json"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": _NO_STORE,
        },
    )


def request_erasure(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    rights = _services(deps)
    if rights is None or rights.erasures is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
    try:
        body = _body(request, optional=False)
    except BodyError as exc:
        return _answer(request, exc)
    filed = rights.erasures.file(caller, issuer, sub, body)
    status_url = f"{PREFIX}/v1/requests/{filed.request_id}"
    answer = ErasureAccepted(id=filed.request_id, kind=filed.kind, status_url=status_url)
    return json_response(202, answer, location=status_url, cache_control=_NO_STORE)


RIGHTS_HANDLERS = {
    "requestDataExport": request_export,
    "getDataExport": export_status,
    "downloadDataExport": export_file,
    "requestErasure": request_erasure,
}

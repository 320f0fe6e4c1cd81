"""Case progress on the portal API: the history ``GET /api/v1/requests/{id}`` adds, and
``GET /api/v1/citizens/me/requests``.

Who "me" is follows the status route's rule of who may see what: a citizen (bearer token) is
the token's issuer and subject, and may not name anyone (the naming headers are refused, as a
``citizen`` member in a submission's body is); the trusted portal (function key) names the
citizen it verified with ``CityZen-Citizen-Issuer`` and ``CityZen-Citizen-Sub`` (the ``issuer``
and ``sub`` of a submission's ``citizen``). Either way the list is that identity's contact's
cases and nobody else's: there is no id to guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from cityzen_connector.cases import MAX_PAGE_SIZE, RequestsUnavailableError, progress_of
from cityzen_connector.identity import CallerIdentity
from cityzen_connector.models import CreatedStatus, FieldError, ProblemCode
from cityzen_connector.sync.intake import CallerNotAllowedError, InvalidSubmissionError

from ._app import ApiDependencies, Deps, caller_of
from ._http import ApiRequest, ApiResponse, json_response, problem_response
from ._routes import PREFIX

ISSUER_HEADER = "CityZen-Citizen-Issuer"
SUB_HEADER = "CityZen-Citizen-Sub"
# Header values are visible ASCII (RFC 9110 section 5.5); the body's rules otherwise
# (models.Citizen: an http(s) issuer of at most 300 characters, a sub of 1 to 255).
ISSUER_PATTERN = r"^https?://[!-~]{1,292}$"
SUB_PATTERN = r"^[!-~]{1,255}$"
MAX_PAGE = 10_000
_ISSUER = re.compile(ISSUER_PATTERN)
_SUB = re.compile(SUB_PATTERN)


def with_progress(view: CreatedStatus, deps: ApiDependencies) -> CreatedStatus:
    """A created submission's view with its case's status, labels, date and history."""
    history = deps.case_history
    if history is None:
        return view
    progress = progress_of(history, view.id, None)
    return view.model_copy(
        update={
            "case_status": progress.status.label_fr,
            "citizen_status": progress.status.code,
            "label_fr": progress.status.label_fr,
            "label_en": progress.status.label_en,
            "closed": progress.status.closed,
            "updated_at": progress.updated_at,
            "history": progress.history,
        }
    )


def citizen_named(request: ApiRequest, caller: CallerIdentity) -> tuple[str, str]:
    """(issuer, sub) of the citizen whose requests these are."""
    issuer, sub = request.headers.get(ISSUER_HEADER), request.headers.get(SUB_HEADER)
    if caller.kind == "citizen":
        named = [name for name, value in ((ISSUER_HEADER, issuer), (SUB_HEADER, sub)) if value]
        if named:
            raise InvalidSubmissionError(
                [
                    FieldError.of(n, "extra_forbidden", "the identity comes from the token")
                    for n in named
                ]
            )
        return caller.issuer, caller.subject
    if caller.kind != "portal":
        raise CallerNotAllowedError("agents follow cases in Dynamics 365")
    problems = [
        FieldError.of(name, "missing" if value is None else "string_pattern_mismatch", rule)
        for name, value, pattern, rule in (
            (ISSUER_HEADER, issuer, _ISSUER, "an http(s) URL of visible ASCII, 300 at most"),
            (SUB_HEADER, sub, _SUB, "1 to 255 visible ASCII characters"),
        )
        if value is None or not pattern.match(value)
    ]
    if problems:
        raise InvalidSubmissionError(problems)
    return str(issuer), str(sub)


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    problems, values = [], {}
    for name, default, top in (("page", 1, MAX_PAGE), ("page_size", 20, MAX_PAGE_SIZE)):
        text = query.get(name)
        rule = f"a whole number, 1 to {top}"
        if text is None:
            values[name] = default
        elif not re.fullmatch(r"[0-9]{1,9}", text):
            problems.append(FieldError.of(name, "int_parsing", rule))
        elif not 1 <= int(text) <= top:
            code = "greater_than_equal" if int(text) < 1 else "less_than_equal"
            problems.append(FieldError.of(name, code, rule))
        else:
            values[name] = int(text)
    if problems:
        raise InvalidSubmissionError(problems)
    return values["page"], values["page_size"]


def my_requests(request: ApiRequest, _: dict[str, str], lazy: Deps) -> ApiResponse:
    deps = lazy()
    caller = caller_of(request, deps)
    issuer, sub = citizen_named(request, caller)
    page, page_size = paging(request.query)
    if deps.my_requests is None:
        return problem_response(ProblemCode.NOT_FOUND, instance=PREFIX + request.path)
    try:
        found = deps.my_requests.for_citizen(issuer, sub, page=page, page_size=page_size)
    except RequestsUnavailableError:
        return problem_response(
            ProblemCode.SERVICE_UNAVAILABLE, instance=PREFIX + request.path, retry_after="30"
        )
    # One citizen's list: never kept by a shared cache (RFC 9111 section 5.2.2.3).
    return json_response(200, found, cache_control="private, no-store")

"""The host's own answers, in the API's one error format: ``application/problem+json``.

Whatever refuses a request — the framing checks, the read timeout, the route table, the key
check, the body cap, a failing function — answers with the catalogue entry of
``cityzen_connector.models`` for its status, so a client reads every error the same way,
whether the host or the app produced it. ``detail`` is only ever one of our fixed texts:
never a header, a path or anything else the client sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType

from cityzen_connector.models import PROBLEM_CONTENT_TYPE, ProblemCode, problem

# Every status the host produces itself, and its catalogue code.
_CODES: Mapping[int, ProblemCode] = MappingProxyType(
    {
        400: ProblemCode.MALFORMED_REQUEST,
        401: ProblemCode.UNAUTHORIZED,
        404: ProblemCode.NOT_FOUND,
        405: ProblemCode.METHOD_NOT_ALLOWED,
        408: ProblemCode.REQUEST_TIMEOUT,
        413: ProblemCode.PAYLOAD_TOO_LARGE,
        431: ProblemCode.HEADERS_TOO_LARGE,
        500: ProblemCode.INTERNAL_ERROR,
        501: ProblemCode.NOT_IMPLEMENTED,
    }
)


def host_problem(
    status: int, *, detail: str | None = None, instance: str | None = None
) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status line, headers and body of the host's answer for ``status``.

    A status outside the table (a new waitress refusal) falls back to the generic 400 or 500
    problem, and the status line follows the body, so the two never disagree.
    """
    code = _CODES.get(status)
    if code is None:
        code = ProblemCode.MALFORMED_REQUEST if status < 500 else ProblemCode.INTERNAL_ERROR
    document = problem(code, detail=detail, instance=instance)
    body = document.to_bytes()
    return status_line(document.status), [("Content-Type", PROBLEM_CONTENT_TYPE)], body


def status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"

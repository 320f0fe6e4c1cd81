"""Why a submission, a status read or a theme read was refused: one shallow tree.

::

    IngestError                     base; ``status`` is the HTTP status the API answers
    ├── InvalidSubmissionError      422: every invalid field, listed (no values)
    ├── OutsideTerritoryError       422: the address's commune is not one the territory serves
    ├── PayloadTooLargeError        413: body, one attachment or all of them over their cap
    ├── UnsupportedFileTypeError    415: an attachment's bytes are not an accepted type
    ├── IdempotencyConflictError    409: the id was used for another body (or is in flight)
    ├── CallerNotAllowedError       403: this kind of caller may not do this
    ├── SubmissionNotFoundError     404: unknown id, or not yours (existence is not leaked)
    └── DependencyUnavailableError  503: a backend we need is down; retry later (the
                                    queue's, store's or Dataverse's error is its cause)

    ApiKeyError (ValueError)        an Open311 app's name that cannot be one, or no such key
                                    id (ops' CLI; a request's wrong key is just ``None``)

Messages name fields, limits and codes, never a submitted value (RGPD).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from pydantic import ValidationError

from cityzen_connector.messaging import BusUnavailableError
from cityzen_connector.models import FieldError, field_errors
from cityzen_connector.store import StoreUnavailableError


class IngestError(Exception):
    status: int = 400
    code: str = "invalid"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidSubmissionError(IngestError):
    status = 422
    code = "validation_failed"

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        count = len(self.errors)
        super().__init__(f"{count} field{'s' if count != 1 else ''} not valid.")

    @classmethod
    def from_validation(cls, exc: ValidationError, prefix: str = "") -> InvalidSubmissionError:
        errors = field_errors(exc)
        if prefix:
            errors = tuple(e.model_copy(update={"field": f"{prefix}.{e.field}"}) for e in errors)
        return cls(errors)


class OutsideTerritoryError(IngestError):
    status = 422
    code = "outside_territory"


class PayloadTooLargeError(IngestError):
    status = 413
    code = "payload_too_large"


class UnsupportedFileTypeError(IngestError):
    status = 415
    code = "unsupported_file_type"


class IdempotencyConflictError(IngestError):
    status = 409
    code = "idempotency_conflict"


class RequestClosedError(IngestError):
    """A message on a request that is over (resolved, cancelled…, or failed)."""

    status = 409
    code = "request_closed"


class CallerNotAllowedError(IngestError):
    status = 403
    code = "forbidden"


class SubmissionNotFoundError(IngestError):
    status = 404
    code = "not_found"


class DependencyUnavailableError(IngestError):
    status = 503
    code = "service_unavailable"


P = ParamSpec("P")
R = TypeVar("R")


def unavailable_as_503(use_case: Callable[P, R]) -> Callable[P, R]:
    """A queue, store or blob backend that cannot be reached becomes the caller's 503 (retry
    later), with the backend's error as its cause: callers of the use case see one tree."""

    @functools.wraps(use_case)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except (StoreUnavailableError, BusUnavailableError) as exc:
            raise DependencyUnavailableError("a backend is unavailable; retry later") from exc

    return guarded


class ApiKeyError(ValueError):
    """An Open311 app name that cannot be a key's, or no such key id (a fixed text, never a
    key)."""

"""Errors of the citizens' own records.

::

    CitizensError                  base
    ├── ProfileNotFoundError       no contact holds the citizen's key (HTTP 404)
    ├── InvalidProfileError        the PATCH body is not a valid merge patch (422, listed)
    │   └── CertifiedFieldError    it changes a certified claim (422 certified_field)
    ├── PreconditionRequiredError  a PATCH without If-Match (428)
    ├── ProfileChangedError        a stale If-Match (412)
    └── ProfileUnavailableError    the store or Dataverse cannot answer now (503; transient)

    UpdateRefusedError             a queued update that can never be applied: parked
    UnsupportedNotifierUrlError    CITYZEN_NOTIFIER_URL names no notifier (a ValueError)

Messages name fields and rules, never a value.
"""

from __future__ import annotations

from collections.abc import Sequence

from cityzen_connector.models import FieldError, ProblemCode


class CitizensError(Exception):
    code: ProblemCode = ProblemCode.INTERNAL_ERROR
    is_transient = False

    def __init__(self, message: str, errors: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = tuple(errors)


class ProfileNotFoundError(CitizensError):
    code = ProblemCode.PROFILE_NOT_FOUND


class InvalidProfileError(CitizensError):
    code = ProblemCode.VALIDATION_FAILED


class CertifiedFieldError(InvalidProfileError):
    code = ProblemCode.CERTIFIED_FIELD


class PreconditionRequiredError(CitizensError):
    code = ProblemCode.PRECONDITION_REQUIRED


class ProfileChangedError(CitizensError):
    code = ProblemCode.PROFILE_CHANGED


class ProfileUnavailableError(CitizensError):
    code = ProblemCode.SERVICE_UNAVAILABLE
    is_transient = True


class UpdateRefusedError(Exception):
    """A profile update that can never be applied (malformed, the contact gone, a 4xx): the
    worker parks it on ``<queue>-rejected`` with this reason."""


class UnsupportedNotifierUrlError(ValueError):
    """The setting names no known notifier (the message gives the scheme, never the URL)."""

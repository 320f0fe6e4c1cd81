"""What processing one submission came to, and how a Dataverse error is classed.

Three failure classes (issue 5, "Failure classes"):

- **transient** (throttling, 5xx, timeouts, dropped connections): retried with backoff across
  deliveries (``retry_later``);
- **permanent** for this submission (retired theme, invalid form, Dataverse refusing its data):
  rejected with a reason a person can act on;
- **systemic** (401/403 after a token refresh, a missing privilege, a missing column or key):
  every message would fail the same way, so processing pauses (circuit breaker) and nothing is
  rejected.

Reasons never quote Dataverse's message (it may echo submitted values) nor any claim: only
codes, target names and what to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    AuthenticationError,
    DataverseError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    UnexpectedResponseError,
)


@dataclass(frozen=True)
class Created:
    """The change set created the case now."""

    case_id: str
    ticket_number: str
    contact_created: bool = False
    lookalike_flagged: bool = False


@dataclass(frozen=True)
class AlreadyDone:
    """The case existed already (a redelivery): nothing was written."""

    case_id: str | None = None
    ticket_number: str | None = None


@dataclass(frozen=True)
class Transient:
    error: str  # a log-safe summary (type, status, code, request id)
    retry_after: float | None = None


@dataclass(frozen=True)
class Permanent:
    code: str
    reason: str


@dataclass(frozen=True)
class Systemic:
    code: str
    reason: str


ProcessOutcome = Created | AlreadyDone | Transient | Permanent | Systemic
Failure = Transient | Permanent | Systemic

# DuplicateRecordEntityKey: another record already holds one of the alternate key values
# (web service error codes list). On the case's create-only key it is "already done".
DUPLICATE_KEY_CODE = "0x80060892"
# EntityKeyNotDefined: the key does not exist or its index is not Active yet.
KEY_NOT_DEFINED_CODE = "0x80060890"
# "Could not find a property named …" (0x0), "property … does not exist" in a payload
# (0x80048d19), "Resource not found for the segment" (0x8006088a): the schema lacks something.
_SCHEMA_CODES = frozenset({"0x0", "0x80048d19", "0x8006088a", KEY_NOT_DEFINED_CODE})
# Codes that mean "the org is missing a privilege" rather than "this record is refused".
_PRIVILEGE_CODES = frozenset({"0x80040220", "0x80048306", "0x8004140c"})


def is_already_done(error: DataverseError) -> bool:
    """A create-only write met an existing record: ``If-None-Match: *`` answered 412 with the
    documented empty code ("Perform conditional operations"), or ``0x80040237``."""
    return (
        isinstance(error, AlreadyExistsError)
        and error.status == 412
        and error.code.lower() != DUPLICATE_KEY_CODE
    )


def classify(error: DataverseError, *, what: str) -> Failure:  # noqa: PLR0911 - flat table
    """The failure class of ``error`` met while writing ``what`` (a noun phrase such as
    "the change set": reasons name it, never a value)."""
    code = (error.code or "").lower()
    if error.is_transient or isinstance(error, UnexpectedResponseError | ServerError):
        return Transient(error.summary, error.retry_after)
    if isinstance(error, AuthenticationError):
        return Systemic("authentication", "Dataverse refused the connector's token after a refresh")
    if isinstance(error, PermissionDeniedError) or code in _PRIVILEGE_CODES:
        return Systemic(
            "permission_denied",
            f"the application user lacks a privilege to write {what}"
            f" (code {error.code or '-'}): check its security role",
        )
    if code in _SCHEMA_CODES:
        return Systemic(
            "schema_missing",
            f"Dataverse lacks a column, key or table used by {what} (code {error.code}):"
            " run `cityzen dataverse provision`",
        )
    if isinstance(error, AlreadyExistsError):
        return Permanent(
            "key_conflict",
            f"another record already holds one of the key values of {what}",
        )
    if isinstance(error, NotFoundError):
        return Permanent(
            "bound_record_missing",
            f"a record bound by {what} does not exist (code {error.code or '-'})",
        )
    if isinstance(error, InvalidRequestError):
        return Permanent("invalid_request", f"{what} cannot be sent to Dataverse as it is")
    return Permanent(
        "rejected_by_dataverse",
        f"Dataverse refused {what} (HTTP {error.status}, code {error.code or '-'})",
    )

"""Errors of the Dataverse client: one shallow tree, split by "should I retry?".

::

    DataverseError                      status, code, message, retry_after, request_id, is_transient
    ├── InvalidRequestError (ValueError)   refused before any network call: bad names, keys, sizes
    ├── DataverseConnectionError           no response at all (reset, DNS, timeout)    transient
    ├── AuthenticationError                401, or no token could be obtained
    ├── PermissionDeniedError              403, 0x80040220, 0x80048306
    ├── NotFoundError                      404 (also update-only upsert of a missing row)
    ├── AlreadyExistsError                 key conflict: 412 on create-only, 0x80040237, 0x80060892
    ├── PreconditionFailedError            412 on an If-Match ETag that no longer matches
    ├── ValidationError                    400 and 0x80044331, 0x8004431A, plug-in 0x80040265
    ├── ThrottledError                     429 service protection (0x80072322/21/26)  transient
    ├── TransientServerError               502/503/504, SQL deadlock/timeout 0x80044150/51 transient
    ├── ServerError                        any other 5xx
    └── UnexpectedResponseError            a response we cannot read (HTML from a proxy, bad JSON)

Dataverse messages may echo submitted values (a duplicate key, a too-long name): log
``error.summary`` (type, status, code, request ids — no message) rather than ``str(error)``.
Codes are kept as Dataverse sends them (``"0x80040237"``, sometimes ``""``: Microsoft's own
404 and 412 examples carry an empty code), and classification looks at status, code and message
together. Messages never contain tokens, secrets or request bodies.
See https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes
and https://learn.microsoft.com/power-apps/developer/data-platform/api-limits
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime

__all__ = [
    "AlreadyExistsError",
    "AuthenticationError",
    "DataverseConnectionError",
    "DataverseError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "ServerError",
    "ThrottledError",
    "TransientServerError",
    "UnexpectedResponseError",
    "ValidationError",
    "error_from_response",
    "parse_retry_after",
]


class DataverseError(Exception):
    """Base of every error the client raises; carries the remote facts."""

    is_transient: bool = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        retry_after: float | None = None,
        request_id: str | None = None,
        client_request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.retry_after = retry_after
        self.request_id = request_id
        self.client_request_id = client_request_id

    @property
    def summary(self) -> str:
        """A log-safe one-liner: no message, so no personal data (RGPD)."""
        facts = [type(self).__name__]
        facts += [f"HTTP {self.status}"] if self.status is not None else []
        facts += [f"code {self.code}"] if self.code else []
        facts += [f"request id {self.request_id}"] if self.request_id else []
        facts += [f"client request id {self.client_request_id}"] if self.client_request_id else []
        return ", ".join(facts)

    def __str__(self) -> str:
        facts = [f"HTTP {self.status}" if self.status is not None else None]
        facts += [f"code {self.code}" if self.code else None]
        facts += [f"request id {self.request_id}" if self.request_id else None]
        shown = ", ".join(f for f in facts if f)
        return f"{self.message} ({shown})" if shown else self.message


class InvalidRequestError(DataverseError, ValueError):
    """The request was refused locally, before any network call."""


class DataverseConnectionError(DataverseError):
    is_transient = True


class AuthenticationError(DataverseError):
    pass


class PermissionDeniedError(DataverseError):
    pass


class NotFoundError(DataverseError):
    pass


class AlreadyExistsError(DataverseError):
    pass


class PreconditionFailedError(DataverseError):
    pass


class ValidationError(DataverseError):
    pass


class ThrottledError(DataverseError):
    is_transient = True


class TransientServerError(DataverseError):
    is_transient = True


class ServerError(DataverseError):
    pass


class UnexpectedResponseError(DataverseError):
    pass


_PERMISSION_CODES = frozenset({"0x80040220", "0x80048306"})
_DUPLICATE_CODES = frozenset({"0x80040237", "0x80060892"})
_THROTTLE_CODES = frozenset({"0x80072322", "0x80072321", "0x80072326"})
_TRANSIENT_CODES = frozenset({"0x80044150", "0x80044151"})
_VALIDATION_CODES = frozenset({"0x80044331", "0x8004431a", "0x80040265"})
_DUPLICATE_MESSAGE = "matching key values already exists"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP-date
    (RFC 9110 §10.2.3). Dataverse sends seconds; a date needs ``now``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        from email.utils import parsedate_to_datetime  # noqa: PLC0415 - rare path, 15 ms

        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        base = now or datetime.now(UTC)
        return max(0.0, (when - base).total_seconds())
    return seconds if seconds >= 0 else None


def _remote_error(body: bytes) -> tuple[str, str] | None:
    """(code, message) from an OData error body, or None when the body is not one."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        return None
    code, message = error.get("code", ""), error.get("message", "")
    return (str(code) if code is not None else "", str(message) if message is not None else "")


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    operation: str = "request",
    client_request_id: str | None = None,
) -> DataverseError:
    """Translate one failed HTTP response into the right typed error."""
    remote = _remote_error(body)
    if remote is None:
        content_type = headers.get("Content-Type", "unknown") or "unknown"
        code, message = "", f"{operation} failed with a non-OData body ({content_type[:60]})"
    else:
        code, message = remote
        message = message or f"{operation} failed"
    request_id = headers.get("x-ms-service-request-id") or headers.get("REQ_ID")
    cls = _classify(status, code.lower(), message.lower(), has_json=remote is not None)
    return cls(
        message,
        status=status,
        code=code,
        retry_after=parse_retry_after(headers.get("Retry-After")),
        request_id=request_id,
        client_request_id=client_request_id,
    )


# First matching rule wins: throttling and transient faults before anything else, so that a
# 503 carrying a permission code is still retried; the "already exists" message catches the
# empty-code 412 of Microsoft's own create-only example.
_RULES: tuple[tuple[type[DataverseError], frozenset[int], frozenset[str]], ...] = (
    (ThrottledError, frozenset({429}), _THROTTLE_CODES),
    (TransientServerError, frozenset({502, 503, 504}), _TRANSIENT_CODES),
    (AuthenticationError, frozenset({401}), frozenset()),
    (PermissionDeniedError, frozenset({403}), _PERMISSION_CODES),
    (AlreadyExistsError, frozenset(), _DUPLICATE_CODES),
    (PreconditionFailedError, frozenset({412}), frozenset()),
    (NotFoundError, frozenset({404}), frozenset()),
    (ValidationError, frozenset({400}), _VALIDATION_CODES),
)


def _classify(status: int, code: str, message: str, *, has_json: bool) -> type[DataverseError]:
    for cls, statuses, codes in _RULES:
        if status in statuses or code in codes:
            return cls
        if cls is AlreadyExistsError and _DUPLICATE_MESSAGE in message:
            return cls
    if status >= 500:
        return ServerError
    return ValidationError if has_json and 400 <= status < 500 else UnexpectedResponseError

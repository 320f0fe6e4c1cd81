"""Errors of the cases package.

::

    CaseError                  base
    ├── RequestsUnavailableError  "my requests" cannot be answered: Dataverse is unreachable
    │                          and the store does not know the citizen's contact yet, or the
    │                          store is unreachable (HTTP 503, retry later)
    └── InvalidCaseEvent       a case-events message we cannot read (not JSON, not a
                               RemoteExecutionContext, a value of the wrong type, too large):
                               permanent; the message is parked on ``<queue>-rejected`` with
                               ``reason`` (a stable code) and ``detail`` (property names and
                               rules, never values)

Store and bus failures are the ports' own errors (``StoreUnavailableError``,
``BusUnavailableError``): transient, the message is abandoned and redelivered.
"""

from __future__ import annotations

from typing import Literal

Reason = Literal["malformed", "oversized", "unsupported_format"]


class CaseError(Exception):
    """Base of the cases package's errors."""


class InvalidCaseEvent(CaseError):  # noqa: N818 - as messaging's InvalidMessage
    """A case event we cannot read; ``str()`` is ``<reason>: <detail>``, safe to log."""

    is_transient = False

    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}")


class RequestsUnavailableError(CaseError):
    """Dataverse cannot be read and the store does not know this citizen's contact yet."""

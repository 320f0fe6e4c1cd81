"""Errors of the Dataverse emulator: one shallow tree, split by "should I retry?".

::

    EmulatorError          anything the emulator raises
    ├── ODataError         an error reply: status, Dataverse code, message, headers; the WSGI
    │                      app answers with it, and the client decides:
    │                        429 service protection, with Retry-After      transient
    │                        503 (injected fault)                          transient
    │                        any other status                              not transient
    ├── StoreError         the database file cannot be opened or written   not transient
    └── ServeError         the server cannot start (port in use, certificate
                           folder not writable…)                           not transient

    ChangeSetFailedError   internal: a ``$batch`` change set member failed; raised to roll
                           its transaction back, caught in ``_batch``, never escapes

The builders of the documented replies (which status, code and message Dataverse answers in
each case) are in ``_error_catalogue``. The reply shape is the one of
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
"""

from __future__ import annotations

from collections.abc import Mapping


class EmulatorError(Exception):
    """Base of every error the emulator raises."""


class ODataError(EmulatorError):
    """An error reply: status, Dataverse code, message and optional extra headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, dict[str, str]]:
        return {"error": {"code": self.code, "message": self.message}}


class StoreError(EmulatorError):
    """The database file cannot be opened or written."""


class ServeError(EmulatorError):
    """The server cannot start (port in use, certificate folder not writable…)."""


class ChangeSetFailedError(Exception):
    """A member of a change set failed: leave the transaction so that it rolls back."""

"""Errors of the local Functions host.

LocalHostError                 anything the local host refuses; never worth a retry as is
├── AppLoadError               function_app.py / host.json cannot be loaded or indexed
│   └── UnsupportedBindingError a binding the local host does not run faithfully
├── CronError                  an NCRONTAB schedule that cannot be parsed or never fires
└── KeyFileError               the local key file is unreadable, malformed or too open

_RefusedError (internal)        the HTTP front answers a status itself (401, 404, 413...)
"""

from __future__ import annotations

from collections.abc import Sequence


class LocalHostError(Exception):
    """Base class of the local host's errors."""


class AppLoadError(LocalHostError):
    """The Functions app could not be loaded or its bindings could not be read."""


class UnsupportedBindingError(AppLoadError):
    """A function uses a binding or option the local host cannot run as Azure would."""


class CronError(LocalHostError):
    """An NCRONTAB expression is invalid."""


class KeyFileError(LocalHostError):
    """The local host key file cannot be used."""


class _RefusedError(Exception):
    """Internal to the HTTP front: answer ``status`` now (a host-level refusal)."""

    def __init__(self, status: int, headers: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(status)
        self.status = status
        self.headers = list(headers)

"""Errors of the local Functions host.

LocalHostError                 anything the local host refuses; never worth a retry as is
├── AppLoadError               function_app.py / host.json cannot be loaded or indexed
│   └── UnsupportedBindingError a binding the local host does not run faithfully
├── CronError                  an NCRONTAB schedule that cannot be parsed or never fires
└── KeyFileError               the local key file is unreadable, malformed or too open
"""

from __future__ import annotations


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

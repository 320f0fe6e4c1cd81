"""What every command shares: its configuration, its container, and how it reports a failure.

A command never builds ``Settings()`` itself: ``settings()`` loads and checks them (raising
``ConfigurationError``, which ``main`` prints: names and rules, exit code 2). A failure at run
time is one line on stderr and exit code 1, naming the error's type and our own message,
which names no personal data; Dataverse's messages might quote some, so only its summary.
"""

from __future__ import annotations

import sys
from typing import Any

from cityzen_connector import app
from cityzen_connector.settings import Settings

__all__ = ["EXIT_FAILED", "container", "fail", "settings"]

EXIT_FAILED = 1


def settings(**values: Any) -> Settings:
    """The checked settings (the environment, with ``values`` winning)."""
    loaded = app.load_settings(**values)
    app.check(loaded)
    return loaded


def container(**values: Any) -> app.Container:
    return app.Container(settings(**values))


def fail(error: Exception) -> int:
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415

    text = (
        error.summary if isinstance(error, DataverseError) else f"{type(error).__name__}: {error}"
    )
    print(f"error: {text}", file=sys.stderr)  # noqa: T201
    return EXIT_FAILED

"""Errors of the ``cityzen`` command (``ConfigurationError`` comes from ``app``).

::

    _StartError   a step of ``cityzen run`` failed for a reason the user can fix: one line
                  and an exit code (2 for usage, 1 otherwise)
    _RefusedError ``cityzen emulator case`` will not act (no such ticket or team, not the
                  local emulator): one line, exit code 1
"""

from __future__ import annotations

EXIT_USAGE = 2


class _StartError(Exception):
    """A start-up step failed for a reason the user can fix: one line, an exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class _RefusedError(Exception):
    """An agent's action the command will not take: said in one line, exit code 1."""

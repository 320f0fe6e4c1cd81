"""Errors of the agents package.

::

    AgentsError                  base
    ├── DirectoryError           the directory (Microsoft Graph, a directory file) failed
    │   │                        (is_transient: a 429/5xx or no answer; retry the run later)
    │   └── UnknownGroupError    a group of the access model does not exist (permanent)
    └── ReconcileError           the access model does not fit Dataverse or the directory:
                                 refused before any write, every problem listed

Messages name entries of the access model, object ids, statuses and Graph's error codes, never
a person's name, user principal name or e-mail address: they reach logs.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["AgentsError", "DirectoryError", "ReconcileError", "UnknownGroupError"]


class AgentsError(Exception):
    """Base of the agents package's errors."""

    is_transient = False


class DirectoryError(AgentsError):
    """The directory did not answer as documented. ``status`` and ``code`` are Graph's (HTTP
    status, ``error.code``), ``request_id`` its ``request-id`` for a support case."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.is_transient = transient


class UnknownGroupError(DirectoryError):
    """A group the access model names is not in the directory (Graph answers 404)."""


class ReconcileError(AgentsError):
    """The access model cannot be reconciled as it stands; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))

"""The desk's refusals, each with the problem code the desk API answers with.

::

    DeskError                 what the agent is told; never a citizen's data
    ├── CaseNotFoundError          no case with that ticket              → 404 not_found
    ├── TeamNotFoundError          no team with that name                → 404 not_found
    ├── FileNotFoundOnCaseError    no such file on that case (or another's) → 404 not_found
    ├── IdempotencyConflictError   a key reused for another action body  → 409
                              idempotency_conflict
    ├── InvalidActionError         a text too long, a reason unknown     → 422 validation_failed
    ├── AttachmentRefusedError     over 5 MB, or a type not accepted     → 413 / 415
    └── ActionRefusedError         Dynamics 365 refuses it in the case's state → 409
                              case_action_refused (the Dataverse error code kept)

Dataverse's other errors (unreachable, throttled) are not translated here: the CLI prints their
summary, the desk API answers 503.
"""

from __future__ import annotations

from typing import Any

from cityzen_connector.models import ProblemCode


class Refusal(Exception):  # noqa: N818 -- a reply on its way out, not a failure
    """A problem to answer with, raised from deep in a desk API handler."""

    def __init__(self, reply: Any) -> None:
        # An ``_http.Reply`` (typed loosely: that module imports this one).
        super().__init__(reply.status)
        self.reply = reply


class DeskError(Exception):
    """An agent's action refused; ``str()`` is a log-safe English sentence."""

    code: ProblemCode = ProblemCode.VALIDATION_FAILED


class CaseNotFoundError(DeskError):
    code = ProblemCode.NOT_FOUND


class TeamNotFoundError(DeskError):
    code = ProblemCode.NOT_FOUND


class FileNotFoundOnCaseError(DeskError):
    code = ProblemCode.NOT_FOUND


class IdempotencyConflictError(DeskError):
    """An ``Idempotency-Key`` already used for a different body (draft-ietf-httpapi-
    idempotency-key-header section 2.6: a 409 when a key is reused with another payload)."""

    code = ProblemCode.IDEMPOTENCY_CONFLICT


class InvalidActionError(DeskError):
    code = ProblemCode.VALIDATION_FAILED

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class AttachmentRefusedError(DeskError):
    def __init__(self, message: str, code: ProblemCode) -> None:
        super().__init__(message)
        self.code = code


class ActionRefusedError(DeskError):
    code = ProblemCode.CASE_ACTION_REFUSED

    def __init__(self, message: str, dataverse_code: str) -> None:
        super().__init__(message)
        self.dataverse_code = dataverse_code


class AgentUnknownError(DeskError):
    code = ProblemCode.FORBIDDEN

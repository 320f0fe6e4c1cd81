"""desk: an agent's actions on cases on the local emulator — list, read with the conversation
and the case's files, open a file, ask for details, reply with a file (once per
Idempotency-Key), resolve, set a status, assign — shared by
``cityzen emulator case`` and the desk API (``make_app``: JSON under ``/desk/api/``, the agent's
bearer token verified as the ops routes verify theirs).

Embedded mode only, never deployed: agents work in Dynamics 365. See docs/desk.md.
"""

from ._app import ACCEPTED_TYPES, PREFIX, DeskApp, make_app
from ._desk import MAX_ATTACHMENT_BYTES, REFUSALS, Attachment, Desk, reply_body
from ._errors import (
    ActionRefusedError,
    AgentUnknownError,
    AttachmentRefusedError,
    CaseNotFoundError,
    DeskError,
    FileNotFoundOnCaseError,
    IdempotencyConflictError,
    InvalidActionError,
    TeamNotFoundError,
)
from ._files import DeskFile
from ._reasons import REASON_LABELS, REASONS, STATES

__all__ = [
    "ACCEPTED_TYPES",
    "MAX_ATTACHMENT_BYTES",
    "PREFIX",
    "REASONS",
    "REASON_LABELS",
    "REFUSALS",
    "STATES",
    "ActionRefusedError",
    "AgentUnknownError",
    "Attachment",
    "AttachmentRefusedError",
    "CaseNotFoundError",
    "Desk",
    "DeskApp",
    "DeskError",
    "DeskFile",
    "FileNotFoundOnCaseError",
    "IdempotencyConflictError",
    "InvalidActionError",
    "TeamNotFoundError",
    "make_app",
    "reply_body",
]

"""A desk message written once per ``Idempotency-Key``: the key names the row.

The page sends one key per user action (a retry after a lost answer sends the same one). The
row's id is derived from the agent, the ticket, the action and the key (UUIDv5), and written
create-only, so Dataverse itself keeps the key: no store, and a restart forgets nothing
(ARCHITECTURE.md: "create-only with a chosen id"). Before writing, the row is looked for: the
same message (same case, kind, text, subject and file) is the first answer again; anything else
under that id is a 409 (draft-ietf-httpapi-idempotency-key-header section 2.6: a key reused
with another payload). Two identical calls racing: the loser's create-only write is refused,
it looks again and finds the winner's row, the same.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.dataverse import DataverseClient
from cityzen_connector.mapping import CONVERSATION

from ._errors import IdempotencyConflictError
from ._http import invalid
from ._rows import retrieve_or_none, uuid_or_none

_C = CONVERSATION
# The desk's keys' namespace (a fixed random UUID): ids no other writer derives.
_NAMESPACE = uuid.UUID("5b0e7d1c-3f4a-4c6e-9a51-2d8f0c7b9e13")
_REGARDING = "_regardingobjectid_value"
# As the public API's submissions (sync.intake): 1 to 255 visible ASCII characters.
_KEY = re.compile(r"[\x20-\x7e]{1,255}")
_FILE_COLUMNS = ("filename", "mimetype", "documentbody")


def keyed_id(agent: str, ticket: str, action: str, key: str) -> uuid.UUID:
    """The row an action's key names; another agent's, case's or action's key names another."""
    return uuid.uuid5(_NAMESPACE, "\n".join((agent.lower(), ticket.upper(), action, key)))


def keyed_row(environ: dict[str, Any], agent: str, ticket: str, action: str) -> uuid.UUID | None:
    """The row an ``Idempotency-Key`` names, or ``None`` without one."""
    raw = environ.get("HTTP_IDEMPOTENCY_KEY")
    if raw is None:
        return None
    key = str(raw).strip()
    if not _KEY.fullmatch(key):
        raise invalid("Idempotency-Key", "invalid_key", "1 to 255 visible ASCII characters.")
    return keyed_id(agent, ticket, action, key)


def file_note_id(message_id: uuid.UUID) -> uuid.UUID:
    """The note holding a message's file: found again from the message's id."""
    return uuid.uuid5(message_id, "file")


@dataclass(frozen=True)
class Intended:
    """What the action writes, as Dataverse keeps it."""

    case_id: uuid.UUID
    internal: bool
    text: str
    subject: str
    file: dict[str, Any] = field(default_factory=dict)  # filename, mimetype, documentbody


def already_written(client: DataverseClient, row_id: uuid.UUID, intended: Intended) -> bool:
    """``True``: this very write was made (answer as the first time); ``False``: nothing is
    under that id; ``IdempotencyConflictError``: something else is."""
    message = retrieve_or_none(client, _C.entity_set, row_id, (_C.subject, _C.text, _REGARDING))
    note = retrieve_or_none(
        client, "annotations", row_id, ("notetext", "_objectid_value", *_FILE_COLUMNS)
    )
    if message is None and note is None:
        return False
    if intended.internal:
        same = (
            message is None
            and note is not None
            and uuid_or_none(note.get("_objectid_value")) == intended.case_id
            and note.get("notetext") == intended.text
            and _file_of(note) == _file_of(intended.file)
        )
    else:
        attached = retrieve_or_none(client, "annotations", file_note_id(row_id), _FILE_COLUMNS)
        same = (
            note is None
            and message is not None
            and uuid_or_none(message.get(_REGARDING)) == intended.case_id
            and message.get(_C.text) == intended.text
            and message.get(_C.subject) == intended.subject[: _C.subject_max_length]
            and _file_of(attached or {}) == _file_of(intended.file)
        )
    if not same:
        raise IdempotencyConflictError("this Idempotency-Key was used for another action")
    return True


def _file_of(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(column) or None for column in _FILE_COLUMNS)

"""An agent's actions on cases, the way Dynamics 365 writes them, through our Dataverse client
impersonating the agent (``CallerObjectId``, "Impersonate another user using the Web API"): the
case's ``modifiedby`` is the agent, and so is the ``InitiatingUserId`` of the event posted.

- resolve: the ``CloseIncident`` action with an ``incidentresolution`` ("CloseIncident
  Action"; a plain ``statecode`` update to Resolved is refused, as Dataverse refuses it);
- hold, cancel, reopen, any status reason: an update of ``statecode`` and ``statuscode``
  ("Behavior of specialized update operations": ``SetState`` is an update);
- assign: an update of ``ownerid`` to a team;
- reply: a row of the conversation table (``mapping.CONVERSATION``, a custom activity regarding
  the case), to the citizen, visible, completed, its file a note on it, in one ``$batch``
  change set; or an internal note on the case, never sent.

Shared by ``cityzen emulator case`` and the desk API (embedded mode only: both act on the local
emulator, agents work in Dynamics 365). What is read is what an agent's case view shows
(ticket, title, status, subject, owner, the conversation), never the citizen's contact.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    ChangeSet,
    DataverseClient,
    DataverseError,
    PreconditionFailedError,
    Query,
    eq,
    ops,
)
from cityzen_connector.mapping import CONVERSATION, StatusVocabulary
from cityzen_connector.models import ProblemCode

from ._errors import (
    ActionRefusedError,
    AgentUnknownError,
    AttachmentRefusedError,
    CaseNotFoundError,
    InvalidActionError,
    TeamNotFoundError,
)
from ._files import DeskFile, case_files, open_file
from ._read import case_view, cases_view, conversation
from ._reasons import REASON_LABELS, REASONS, STATES
from ._replay import Intended, already_written, file_note_id

__all__ = ["MAX_ATTACHMENT_BYTES", "Attachment", "Desk"]

# The organisation's default maxuploadfilesize (5,242,880 bytes, "Organization table/entity
# reference"): the largest file a note holds.
MAX_ATTACHMENT_BYTES = 5_242_880
_COMPLETED = {"statecode": 1, "statuscode": 2}  # activitypointer: Completed / Completed
_C = CONVERSATION
_CASE_COLUMNS = ("incidentid", "ticketnumber", "statecode", "statuscode")
# What the agent is told when Dataverse refuses an action ("Web service error codes"); other
# refusals keep the error's summary (its message may quote a row: never repeated).
REFUSALS = {
    "0x80044411": "the case is already resolved or canceled (reopen it first)",
    "0x80048408": "that status reason does not go with that state",
    "0x80100005": "a case is resolved with CloseIncident only",
}
# Impersonation refused: the object id names no user, or a disabled one ("Impersonate another
# user using the Web API"; web service error codes).
NOT_A_USER = {"0x8004049e", "0x80040225"}
T = TypeVar("T")


@dataclass(frozen=True)
class Attachment:
    """A file an agent joins: read whole (it is 5 MB at most)."""

    filename: str
    mimetype: str
    data: bytes = field(repr=False)


class Desk:
    """The actions; ``agent`` is always the acting agent's Entra ID object id (a GUID).
    ``statuses``: the connector's status vocabulary (``mappings/status.toml``), each case's
    status read in its words (French and English) beside Dataverse's own."""

    def __init__(self, client: DataverseClient, statuses: StatusVocabulary | None = None) -> None:
        self._client = client
        self._statuses = statuses or StatusVocabulary()

    def _as(self, agent: str) -> DataverseClient:
        return self._client.with_caller(agent)

    # -- reading -------------------------------------------------------------------------------
    def cases(self, agent: str, top: int = 20) -> list[dict[str, Any]]:
        """The latest cases, newest first, as a list view shows them."""
        client, top = self._as(agent), max(1, min(top, 500))
        return _refusals(lambda: cases_view(client, top, self._statuses))

    def case(self, agent: str, ticket: str) -> dict[str, Any]:
        """One case, its files (the citizen's photos) and its conversation, oldest first."""
        client = self._as(agent)

        def read() -> dict[str, Any]:
            view = case_view(client, ticket, self._statuses)
            if view is None:
                raise CaseNotFoundError(f"no case with the ticket {ticket}")
            case_id = view.pop("_id")
            view["files"] = case_files(client, case_id)
            view["messages"] = conversation(client, case_id)
            return view

        return _refusals(read)

    def file(self, agent: str, ticket: str, note_id: uuid.UUID) -> DeskFile:
        """A file on the case or on one of its messages (``FileNotFoundOnCaseError`` for any
        other note), read as the agent: Dataverse checks the agent may read it."""
        client = self._as(agent)
        return _refusals(
            lambda: open_file(client, self._find(client, ticket)["incidentid"], note_id)
        )

    # -- acting --------------------------------------------------------------------------------
    def set_reason(self, agent: str, ticket: str, reason: str, resolution: str = "") -> str:
        """Set a status reason (``REASONS``); a resolved one resolves. The new status label."""
        if reason not in REASONS:
            raise InvalidActionError(f"the reason must be one of: {', '.join(REASONS)}", "reason")
        state, code = REASONS[reason]
        if state == 1:  # Dataverse resolves a case with CloseIncident only
            return self.resolve(agent, ticket, resolution or "Demande traitée", reason)
        client = self._as(agent)

        def act() -> str:
            case = self._find(client, ticket)
            client.update("incidents", case["incidentid"], {"statecode": state, "statuscode": code})
            return f"{STATES[state]} / {REASON_LABELS[code]}"

        return _refusals(act)

    def resolve(
        self, agent: str, ticket: str, resolution: str, reason: str = "problem-solved"
    ) -> str:
        if reason not in ("problem-solved", "information-provided"):
            raise InvalidActionError("a case resolves as problem-solved or information-provided")
        if not resolution.strip() or len(resolution) > 200:  # incidentresolution.subject
            raise InvalidActionError("the resolution is 1 to 200 characters", "resolution")
        _, code = REASONS[reason]
        client = self._as(agent)

        def act() -> str:
            case = self._find(client, ticket)
            body = {
                "subject": resolution,
                "incidentid@odata.bind": f"/incidents({case['incidentid']})",
            }
            client.call_action("CloseIncident", {"IncidentResolution": body, "Status": code})
            return f"Resolved / {REASON_LABELS[code]}"

        return _refusals(act)

    def assign(self, agent: str, ticket: str, team: str) -> None:
        client = self._as(agent)

        def act() -> None:
            case = self._find(client, ticket)
            found = client.first(Query("teams").select("teamid").where(eq("name", team)))
            if found is None:
                raise TeamNotFoundError(f"no team named {team}")
            bind = {"ownerid@odata.bind": f"/teams({found['teamid']})"}
            client.update("incidents", case["incidentid"], bind)

        _refusals(act)

    def reply(
        self,
        agent: str,
        ticket: str,
        text: str,
        *,
        subject: str = "Réponse de la mairie",
        attachment: Attachment | None = None,
        internal: bool = False,
        row_id: uuid.UUID | None = None,
    ) -> uuid.UUID:
        """A message to the citizen (or an internal note); the new row's id. ``row_id``
        (an ``Idempotency-Key``'s, ``_replay.keyed_id``): the row is written once; the same
        call again answers the same id, another call with that id is an
        ``IdempotencyConflictError``."""
        if not text.strip():
            raise InvalidActionError("a message has a text", "text")
        if len(text) > _C.text_max_length:
            raise InvalidActionError(
                f"a message holds {_C.text_max_length} characters at most", "text"
            )
        file = _file(attachment)
        client = self._as(agent)

        def act() -> uuid.UUID:
            case = self._find(client, ticket)
            chosen = row_id or uuid.uuid4()
            intended = Intended(uuid.UUID(str(case["incidentid"])), internal, text, subject, file)
            if row_id is not None and already_written(client, row_id, intended):
                return row_id
            try:
                return write(case, chosen)
            except (AlreadyExistsError, PreconditionFailedError):
                # Raced by the same key: the winner's row, if it is the same write.
                if row_id is not None and already_written(client, row_id, intended):
                    return row_id
                raise

        def write(case: dict[str, Any], chosen: uuid.UUID) -> uuid.UUID:
            if internal:
                note = {
                    "annotationid": str(chosen),
                    "subject": "Note interne",
                    "notetext": text,
                    "objectid_incident@odata.bind": f"/incidents({case['incidentid']})",
                    **file,
                }
                client.create("annotations", note)
                return chosen
            message_id = chosen
            requests: list[Any] = [
                ops.upsert(
                    _C.entity_set,
                    message_id,
                    reply_body(case["incidentid"], text, subject),
                    mode="create_only",
                ),
                ops.update(_C.entity_set, message_id, _COMPLETED),
            ]
            if file:
                note = {
                    "annotationid": str(file_note_id(message_id)),
                    "subject": file["filename"],
                    f"{_C.note_binding}@odata.bind": f"/{_C.entity_set}({message_id})",
                    **file,
                }
                requests.append(ops.create("annotations", note))
            client.execute_batch([ChangeSet(requests)]).raise_for_error()
            return message_id

        return _refusals(act)

    def replayed(self, agent: str, ticket: str, row_id: uuid.UUID, text: str, subject: str) -> bool:
        """Whether this message to the citizen is already written under ``row_id``
        (``IdempotencyConflictError`` if something else is)."""
        client = self._as(agent)

        def look() -> bool:
            case_id = uuid.UUID(str(self._find(client, ticket)["incidentid"]))
            return already_written(client, row_id, Intended(case_id, False, text, subject))

        return _refusals(look)

    def _find(self, client: DataverseClient, ticket: str) -> dict[str, Any]:
        query = Query("incidents").select(*_CASE_COLUMNS).where(eq("ticketnumber", ticket))
        found = client.first(query)
        if found is None:
            raise CaseNotFoundError(f"no case with the ticket {ticket}")
        return dict(found)


def reply_body(case_id: object, text: str, subject: str) -> dict[str, Any]:
    """The conversation row of an agent's message to the citizen."""
    return {
        _C.subject: subject[: _C.subject_max_length],
        _C.text: text,
        _C.direction: _C.to_citizen,
        _C.visible: True,
        f"{_C.case_binding}@odata.bind": f"/incidents({case_id})",
    }


def _file(attachment: Attachment | None) -> dict[str, Any]:
    if attachment is None:
        return {}
    if len(attachment.data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefusedError(
            f"{attachment.filename} is over 5 MB, the largest file a note holds",
            ProblemCode.PAYLOAD_TOO_LARGE,
        )
    return {
        "filename": attachment.filename[:200],
        "mimetype": attachment.mimetype,
        "documentbody": base64.b64encode(attachment.data).decode("ascii"),
    }


def _refusals(action: Callable[[], T]) -> T:
    with _translated():
        return action()


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except DataverseError as exc:
        if exc.code in REFUSALS:
            raise ActionRefusedError(
                f"{REFUSALS[exc.code]} (Dataverse {exc.code})", exc.code
            ) from exc
        if exc.code in NOT_A_USER:
            raise AgentUnknownError(
                f"this agent is no enabled user of Dynamics 365 (Dataverse {exc.code})"
            ) from exc
        raise

# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen emulator case reply <ticket> --text … [--internal] [--attach FILE]``: answer a
request as an agent of the town, the way Dynamics 365 writes it, on the local emulator.

- A message to the citizen is a row of the conversation table (``mapping.CONVERSATION``, a
  custom activity regarding the case: "Custom activities", Microsoft Learn), direction "to the
  citizen", marked visible to the citizen, then completed (``statecode`` 1: a sent message is
  a done activity, and "Behavior of specialized update operations" makes ``SetState`` an
  update); a file goes with it as a note on that row (``objectid_cz_casemessage``: notes can
  be attached to a custom activity, which has ``HasNotes``). One ``$batch`` change set: all of
  it is written, or none.
- ``--internal``: an internal note on the case (an ``annotation`` regarding the incident, the
  file in it): never a message, so it never reaches the citizen.

The agent is impersonated (``CallerObjectId``, ``--as``), so the row is created by and owned
by the agent, as the agent's own session would write it, and so is the ``InitiatingUserId`` of
the event the emulator posts. A file is read whole and sent base64 in ``documentbody``
("Annotation (note) table/entity reference"), 5 MB at most: the organisation's default
``maxuploadfilesize`` (5,242,880 bytes, "Organization table/entity reference"). Printed lines
hold the ticket and what was written: never the text.
"""

from __future__ import annotations

import argparse
import base64
import mimetypes
import uuid
from pathlib import Path
from typing import Any

from cityzen_connector.dataverse import ChangeSet, DataverseClient, ops
from cityzen_connector.mapping import CONVERSATION

from ._errors import _RefusedError

__all__ = ["MAX_ATTACHMENT_BYTES", "register_reply", "reply_body"]

MAX_ATTACHMENT_BYTES = 5_242_880
_COMPLETED = {"statecode": 1, "statuscode": 2}  # activitypointer: Completed / Completed
_C = CONVERSATION


def register_reply(actions: argparse._SubParsersAction[Any], run: Any, case: Any) -> None:
    """Add ``reply`` to ``cityzen emulator case`` (``run`` and ``case``: that group's runner
    and case lookup)."""
    reply = actions.add_parser("reply", help="answer a request: a message to the citizen")
    reply.add_argument("ticket")
    reply.add_argument("--text", required=True, help="what the citizen reads")
    reply.add_argument(
        "--subject", default="Réponse de la mairie", help="the message's subject in the timeline"
    )
    reply.add_argument(
        "--internal",
        action="store_true",
        help="an internal note on the case instead: never sent to the citizen",
    )
    reply.add_argument("--attach", type=Path, metavar="FILE", help="a file to join")
    reply.set_defaults(func=lambda args: _reply(args, run, case))


def _attachment(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _RefusedError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise _RefusedError(f"{path.name} is over 5 MB, the largest file a note holds")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return {
        "filename": path.name,
        "mimetype": kind,
        "documentbody": base64.b64encode(data).decode("ascii"),
    }


def reply_body(case_id: str, text: str, subject: str) -> dict[str, Any]:
    """The conversation row of an agent's message to the citizen."""
    if len(text) > _C.text_max_length:
        raise _RefusedError(f"a message holds {_C.text_max_length} characters at most")
    return {
        _C.subject: subject[: _C.subject_max_length],
        _C.text: text,
        _C.direction: _C.to_citizen,
        _C.visible: True,
        f"{_C.case_binding}@odata.bind": f"/incidents({case_id})",
    }


def _reply(args: argparse.Namespace, run: Any, case: Any) -> int:
    def act(client: DataverseClient) -> int:
        found = case(client, args.ticket)
        file = _attachment(args.attach)
        if args.internal:
            note = {
                "subject": "Note interne",
                "notetext": args.text,
                "objectid_incident@odata.bind": f"/incidents({found['incidentid']})",
                **file,
            }
            client.create("annotations", note)
            joined = " with its file" if file else ""
            print(f"{args.ticket}: internal note on the case{joined} (as {args.agent}; never sent)")
            return 0
        message_id = uuid.uuid4()
        body = reply_body(found["incidentid"], args.text, args.subject)
        requests: list[Any] = [
            ops.upsert(_C.entity_set, message_id, body, mode="create_only"),
            ops.update(_C.entity_set, message_id, _COMPLETED),
        ]
        if file:
            note = {
                "subject": file["filename"],
                f"{_C.note_binding}@odata.bind": f"/{_C.entity_set}({message_id})",
                **file,
            }
            requests.append(ops.create("annotations", note))
        client.execute_batch([ChangeSet(requests)]).raise_for_error()
        joined = " with 1 attachment" if file else ""
        print(
            f"{args.ticket}: message to the citizen{joined} ({_C.table} {message_id},"
            f" as {args.agent})"
        )
        return 0

    return int(run(args, act))

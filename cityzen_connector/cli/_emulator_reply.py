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
hold the ticket and what was written: never the text. The writing is ``desk.Desk.reply``.
"""

from __future__ import annotations

import argparse
import mimetypes
from pathlib import Path
from typing import Any

from cityzen_connector.desk import MAX_ATTACHMENT_BYTES, Attachment, Desk
from cityzen_connector.mapping import CONVERSATION

from ._errors import _RefusedError

__all__ = ["MAX_ATTACHMENT_BYTES", "register_reply"]


def register_reply(actions: argparse._SubParsersAction[Any], run: Any) -> None:
    """Add ``reply`` to ``cityzen emulator case`` (``run``: that group's runner)."""
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
    reply.set_defaults(func=lambda args: _reply(args, run))


def _attachment(path: Path | None) -> Attachment | None:
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _RefusedError(f"cannot read {path}: {exc.strerror or exc}") from exc
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Attachment(path.name, kind, data)


def _reply(args: argparse.Namespace, run: Any) -> int:
    def act(desk: Desk, agent: str) -> int:
        file = _attachment(args.attach)
        row = desk.reply(
            agent,
            args.ticket,
            args.text,
            subject=args.subject,
            attachment=file,
            internal=args.internal,
        )
        if args.internal:
            joined = " with its file" if file else ""
            print(f"{args.ticket}: internal note on the case{joined} (as {args.agent}; never sent)")
            return 0
        joined = " with 1 attachment" if file else ""
        print(
            f"{args.ticket}: message to the citizen{joined} ({CONVERSATION.table} {row},"
            f" as {args.agent})"
        )
        return 0

    return int(run(args, act))

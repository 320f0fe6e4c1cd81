# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen emulator case …``: act as an agent of the town on the running emulator, the way
Dynamics 365 does it, so the status of a request moves and the portal is told.

Every action goes through our Dataverse client, impersonating a seeded agent
(``CallerObjectId``, ``--as``; "Impersonate another user using the Web API"), as the agent's
own session would write: the case's ``modifiedby`` is the agent, and so is the
``InitiatingUserId`` of the event the emulator posts.

- ``resolve``: the ``CloseIncident`` action with an ``incidentresolution`` ("CloseIncident
  Action"; a plain ``statecode`` update to Resolved is refused, as Dataverse refuses it);
- ``cancel``, ``hold``, ``status``, ``reopen``: an update of ``statecode`` and ``statuscode``
  ("Behavior of specialized update operations": ``SetState`` is an update);
- ``assign``: an update of ``ownerid`` to a team;
- ``reply``: a message to the citizen on the conversation table, or an internal note
  (``_emulator_reply``).

The actions themselves are ``cityzen_connector.desk`` (shared with the desk API); this module
parses, calls and prints. Only a Dataverse on this machine is acted on: these are the
emulator's commands. Printed lines hold tickets, status labels, team and agent names: never a
citizen's name or request text.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.desk import REASONS, Desk, DeskError
from cityzen_connector.emulator import AGENTS, agent_object_id

from ._common import EXIT_FAILED, container, fail
from ._emulator_reply import register_reply
from ._errors import _RefusedError

__all__ = ["REASONS", "register"]


def register(commands: argparse._SubParsersAction[Any]) -> None:
    case = commands.add_parser("case", help="act as an agent on the running emulator's cases")
    case.add_argument("--dataverse-url", help="the emulator (default: CITYZEN_DATAVERSE_URL)")
    case.add_argument(
        "--as",
        dest="agent",
        default="agnes.martin",
        choices=sorted(AGENTS),
        help="the seeded agent who acts (default agnes.martin)",
    )
    actions = case.add_subparsers(dest="case_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the latest cases: ticket, status, owner")
    listing.add_argument("--top", type=int, default=20, help="how many (default 20)")
    listing.set_defaults(func=_list)
    resolve = actions.add_parser("resolve", help="resolve a case (CloseIncident)")
    resolve.add_argument("ticket")
    resolve.add_argument("--resolution", default="Demande traitée", help="the resolution's subject")
    resolve.add_argument(
        "--reason",
        default="problem-solved",
        choices=["problem-solved", "information-provided"],
    )
    resolve.set_defaults(func=_resolve)
    for name, reason, text in (
        ("cancel", "canceled", "cancel a case"),
        ("hold", "on-hold", "put a case on hold"),
        ("reopen", "in-progress", "reopen a resolved or canceled case"),
    ):
        action = actions.add_parser(name, help=text)
        action.add_argument("ticket")
        action.set_defaults(func=_set_reason, reason=reason)
    status = actions.add_parser("status", help="set a status reason (a resolved one resolves)")
    status.add_argument("ticket")
    status.add_argument("reason", choices=sorted(REASONS))
    status.set_defaults(func=_set_reason)
    assign = actions.add_parser("assign", help="give a case to a team (its owner)")
    assign.add_argument("ticket")
    assign.add_argument("team", help="the team's name, e.g. Voirie")
    assign.set_defaults(func=_assign)
    register_reply(actions, _run)


def _local(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise _RefusedError(
            f"cityzen emulator case acts on the local emulator only, not on {host}: agents "
            "work in Dynamics 365"
        )


def _desk(args: argparse.Namespace) -> Desk:
    if args.dataverse_url:
        _local(args.dataverse_url)  # before any setting is read: nothing is sent elsewhere
    values = {"dataverse_url": args.dataverse_url} if args.dataverse_url else {}
    deps = container(**values)
    _local(deps.settings.dataverse_url)
    return Desk(deps.api_client)


def _run(args: argparse.Namespace, action: Any) -> int:
    """Run ``action(desk, agent_object_id)``; a refusal is one line and exit code 1."""
    try:
        desk = _desk(args)
        return int(action(desk, agent_object_id(args.agent)))
    except (_RefusedError, DeskError) as exc:
        print(f"cityzen emulator case: {exc}")
        return EXIT_FAILED
    except DataverseError as exc:
        return fail(exc)


def _list(args: argparse.Namespace) -> int:
    def show(desk: Desk, agent: str) -> int:
        rows = desk.cases(agent, args.top)
        print(f"{'ticket':<18} {'created (UTC)':<17} {'status':<32} owner")
        for row in rows:
            created = str(row["created_at"] or "")[:16].replace("T", " ")
            status = row["status"]["label"]
            print(f"{row['ticket']!s:<18} {created:<17} {status:<32} {row['owner'] or ''}")
        if not rows:
            print("no case yet: file a request on the portal (make run prints how)")
        return 0

    return _run(args, show)


def _resolve(args: argparse.Namespace) -> int:
    def act(desk: Desk, agent: str) -> int:
        label = desk.resolve(agent, args.ticket, args.resolution, args.reason)
        print(f"{args.ticket}: {label} (CloseIncident, as {args.agent})")
        return 0

    return _run(args, act)


def _set_reason(args: argparse.Namespace) -> int:
    if REASONS[args.reason][0] == 1:  # Dataverse resolves a case with CloseIncident only
        args.resolution = getattr(args, "resolution", "Demande traitée")
        return _resolve(args)

    def act(desk: Desk, agent: str) -> int:
        label = desk.set_reason(agent, args.ticket, args.reason)
        print(f"{args.ticket}: {label} (as {args.agent})")
        return 0

    return _run(args, act)


def _assign(args: argparse.Namespace) -> int:
    def act(desk: Desk, agent: str) -> int:
        desk.assign(agent, args.ticket, args.team)
        print(f"{args.ticket}: owned by the team {args.team} (as {args.agent})")
        return 0

    return _run(args, act)

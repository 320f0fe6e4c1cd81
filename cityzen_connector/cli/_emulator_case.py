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

Only a Dataverse on this machine is acted on: these are the emulator's commands. Printed lines
hold tickets, status labels, team and agent names: never a citizen's name or request text.
"""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from cityzen_connector.dataverse import DataverseClient, DataverseError, Query, eq, ops
from cityzen_connector.emulator import AGENTS, agent_object_id

from ._common import EXIT_FAILED, container, fail
from ._emulator_reply import register_reply
from ._errors import _RefusedError

# "Case (Incident) table/entity reference": status reasons and their states.
REASONS: dict[str, tuple[int, int]] = {
    "in-progress": (0, 1),
    "on-hold": (0, 2),
    "waiting-for-details": (0, 3),
    "researching": (0, 4),
    "problem-solved": (1, 5),
    "information-provided": (1, 1000),
    "canceled": (2, 6),
    "merged": (2, 2000),
}
STATES = {0: "Active", 1: "Resolved", 2: "Canceled"}
REASON_LABELS = {
    1: "In Progress",
    2: "On Hold",
    3: "Waiting for Details",
    4: "Researching",
    5: "Problem Solved",
    1000: "Information Provided",
    6: "Canceled",
    2000: "Merged",
}
_COLUMNS = ("incidentid", "ticketnumber", "statecode", "statuscode", "createdon", "_ownerid_value")
_FORMATTED = "OData.Community.Display.V1.FormattedValue"
_OWNER = f"_ownerid_value@{_FORMATTED}"


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
    register_reply(actions, _run, _case)


def _local(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise _RefusedError(
            f"cityzen emulator case acts on the local emulator only, not on {host}: agents "
            "work in Dynamics 365"
        )


def _client(args: argparse.Namespace) -> DataverseClient:
    if args.dataverse_url:
        _local(args.dataverse_url)  # before any setting is read: nothing is sent elsewhere
    values = {"dataverse_url": args.dataverse_url} if args.dataverse_url else {}
    deps = container(**values)
    _local(deps.settings.dataverse_url)
    return deps.api_client.with_caller(agent_object_id(args.agent))


# What the agent is told when Dataverse refuses an action ("Web service error codes"); other
# refusals print the error's summary (its message may quote a row: never printed).
REFUSALS = {
    "0x80044411": "the case is already resolved or canceled (reopen it first)",
    "0x80048408": "that status reason does not go with that state",
    "0x80100005": "a case is resolved with CloseIncident only",
}


def _case(client: DataverseClient, ticket: str) -> dict[str, Any]:
    found = client.first(Query("incidents").select(*_COLUMNS).where(eq("ticketnumber", ticket)))
    if found is None:
        raise _RefusedError(f"no case with the ticket {ticket} (see: cityzen emulator case list)")
    return dict(found)


def _run(args: argparse.Namespace, action: Any) -> int:
    try:
        client = _client(args)
        return int(action(client))
    except _RefusedError as exc:
        print(f"cityzen emulator case: {exc}")
        return EXIT_FAILED
    except DataverseError as exc:
        if exc.code in REFUSALS:
            print(f"cityzen emulator case: {REFUSALS[exc.code]} (Dataverse {exc.code})")
            return EXIT_FAILED
        return fail(exc)


def _list(args: argparse.Namespace) -> int:
    def show(client: DataverseClient) -> int:
        query = (
            Query("incidents")
            .select(*_COLUMNS)
            .order_by("createdon", descending=True)
            .top(max(1, min(args.top, 5000)))
        )
        request = ops.query(query).with_prefer(f'odata.include-annotations="{_FORMATTED}"')
        rows = [row for page in client.pages(request) for row in page.records]
        print(f"{'ticket':<18} {'created (UTC)':<17} {'status':<32} owner")
        for row in rows:
            state = STATES.get(int(row.get("statecode") or 0), "?")
            reason = REASON_LABELS.get(int(row.get("statuscode") or 0), str(row.get("statuscode")))
            created = str(row.get("createdon") or "")[:16].replace("T", " ")
            status = f"{state} / {reason}"
            ticket = str(row.get("ticketnumber"))
            print(f"{ticket:<18} {created:<17} {status:<32} {row.get(_OWNER, '')}")
        if not rows:
            print("no case yet: file a request on the portal (make run prints how)")
        return 0

    return _run(args, show)


def _resolve(args: argparse.Namespace) -> int:
    def act(client: DataverseClient) -> int:
        case = _case(client, args.ticket)
        _, reason = REASONS[args.reason]
        resolution = {
            "subject": args.resolution,
            "incidentid@odata.bind": f"/incidents({case['incidentid']})",
        }
        client.call_action("CloseIncident", {"IncidentResolution": resolution, "Status": reason})
        print(f"{args.ticket}: Resolved / {REASON_LABELS[reason]} (CloseIncident, as {args.agent})")
        return 0

    return _run(args, act)


def _set_reason(args: argparse.Namespace) -> int:
    state, reason = REASONS[args.reason]
    if state == 1:  # Dataverse resolves a case with CloseIncident only
        args.resolution = getattr(args, "resolution", "Demande traitée")
        return _resolve(args)

    def act(client: DataverseClient) -> int:
        case = _case(client, args.ticket)
        client.update("incidents", case["incidentid"], {"statecode": state, "statuscode": reason})
        label = f"{STATES[state]} / {REASON_LABELS[reason]}"
        print(f"{args.ticket}: {label} (as {args.agent})")
        return 0

    return _run(args, act)


def _assign(args: argparse.Namespace) -> int:
    def act(client: DataverseClient) -> int:
        case = _case(client, args.ticket)
        team = client.first(Query("teams").select("teamid").where(eq("name", args.team)))
        if team is None:
            raise _RefusedError(f"no team named {args.team}")
        client.update(
            "incidents", case["incidentid"], {"ownerid@odata.bind": f"/teams({team['teamid']})"}
        )
        print(f"{args.ticket}: owned by the team {args.team} (as {args.agent})")
        return 0

    return _run(args, act)

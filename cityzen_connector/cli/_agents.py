# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen agents plan`` and ``cityzen agents apply``: the agents' access model
(``mappings/agents.toml``) against the directory and Dynamics 365.

``plan`` prints what reconciling would change (``--json``: the plan as data, which ``apply
--plan FILE`` applies as reviewed). ``apply`` prints the plan first, then applies it, a
progress line on stderr per ``$batch``, a summary on stdout. ``--as <object id>``: the writes
are done for that agent (``CallerObjectId``), so Dynamics 365 audits them as theirs.

This is an administrator's tool: the plan shows user principal names. Exit codes: 0 done
(``apply``: every change done), 1 a failure (the model does not fit, a change refused, no
answer), 2 a configuration or usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from cityzen_connector.agents import AgentsError, Plan, ReconcileError, Report
from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError

from ._common import EXIT_FAILED, container, fail

EXIT_USAGE = 2
MAX_PLAN_BYTES = 16 * 1024 * 1024
_ERRORS = (AgentsError, DataverseError, MappingError, OSError)
_VERBS = {
    "create_team": ("+", "create team", "in"),
    "grant_team_role": ("+", "grant team role", "←"),
    "revoke_team_role": ("-", "revoke team role", "←"),
    "create_user": ("+", "create user", "in"),
    "grant_user_role": ("+", "grant role", "←"),
    "add_member": ("+", "add member", "→"),
    "revoke_user_role": ("-", "revoke role", "←"),
    "remove_member": ("-", "remove member", "→"),
    "assign_licence": ("+", "assign licence", "←"),
    "remove_licence": ("-", "remove licence", "←"),
}


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    group = subparsers.add_parser("agents", help="agents' accounts: Entra ID groups → Dynamics 365")
    actions = group.add_subparsers(dest="agents_command", metavar="ACTION", required=True)
    plan = actions.add_parser("plan", help="show what reconciling the access model would change")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.set_defaults(func=_plan)
    apply = actions.add_parser("apply", help="reconcile: print the plan, then apply it")
    apply.add_argument("--plan", type=Path, metavar="FILE", help="apply this plan (from --json)")
    apply.add_argument(
        "--as",
        dest="acting_for",
        type=_object_id,
        metavar="OBJECT_ID",
        help="do the writes for this agent (Entra ID object id): Dynamics 365 audits them",
    )
    apply.add_argument("--json", action="store_true", help="print the plan and report as JSON")
    apply.set_defaults(func=_apply)


def _object_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError("an Entra ID object id is a GUID") from None


def _plan(args: argparse.Namespace) -> int:
    deps = container()
    try:
        plan = deps.agents.plan()
    except ReconcileError as exc:
        return _refused(exc)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    print(json.dumps(plan.to_json(), ensure_ascii=False, indent=1) if args.json else render(plan))
    return 0


def _apply(args: argparse.Namespace) -> int:
    reviewed = None
    if args.plan is not None:
        try:
            reviewed = read_plan(args.plan)
        except ValueError as exc:
            print(f"error: {args.plan.name}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    deps = container()
    try:
        plan = reviewed if reviewed is not None else deps.agents.plan()
        if not args.json:
            print(render(plan), flush=True)
        report = deps.agents.apply(plan, acting_for=args.acting_for, progress=_progress)
    except ReconcileError as exc:
        return _refused(exc)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    if args.json:
        print(json.dumps({"plan": plan.to_json(), "report": report.to_json()}, indent=1))
    else:
        print(render_report(report))
    return 0 if report.ok else EXIT_FAILED


def read_plan(path: Path) -> Plan:
    """A plan file as ``plan --json`` wrote it; ``ValueError`` saying what is wrong."""
    try:
        data = path.read_bytes()
    except OSError:
        raise ValueError("cannot be read") from None
    if len(data) > MAX_PLAN_BYTES:
        raise ValueError(f"is larger than {MAX_PLAN_BYTES} bytes")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("is not JSON") from None
    return Plan.from_json(raw)


def render(plan: Plan) -> str:
    counts = plan.counts
    head = (
        f"Plan: {len(plan.changes)} change(s) for {counts.get('groups', 0)} group(s),"
        f" {counts.get('members', 0)} member(s)"
    )
    lines = [head]
    for change in plan.changes:
        sign, verb, link = _VERBS[change.action]
        entry = f"  [{change.entry}]" if change.entry else ""
        target = f" {link} {change.target_label}" if change.target_label else ""
        lines.append(f"  {sign} {verb:<16} {change.label}{target}{entry}")
    if plan.empty:
        lines.append("  nothing to change")
    if plan.notices:
        lines.append("Notices:")
        lines += [
            f"  {n.kind:<15} {n.subject}  {n.detail}{f'  [{n.entry}]' if n.entry else ''}"
            for n in plan.notices
        ]
    return "\n".join(lines)


def render_report(report: Report) -> str:
    lines = [f"Applied: {report.summary()}"]
    lines += [
        f"  failed: {f.change.action} {f.change.label} → {f.change.target_label}: {f.error}"
        for f in report.failed
    ]
    return "\n".join(lines)


def _progress(settled: int, total: int) -> None:
    print(f"agents: {settled}/{total} change(s) settled", file=sys.stderr, flush=True)


def _refused(error: ReconcileError) -> int:
    print("error: the access model does not fit; nothing was written:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)
    return EXIT_FAILED

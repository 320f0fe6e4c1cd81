# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen dataverse whoami | provision`` and ``cityzen sync drain``.

``provision`` prints the plan first (every column, key, option value and — with the catalog —
team and subject, each ``present`` or ``missing``), then creates what is missing unless
``--dry-run``. ``drain`` processes waiting submissions many per ``$batch`` (after an outage).
Nothing printed holds personal data: names of columns, keys, teams and subjects, and counts.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from cityzen_connector.dataverse import DataverseError, RetryPolicy
from cityzen_connector.mapping import MappingError, load_mappings
from cityzen_connector.messaging import MessagingError
from cityzen_connector.settings import Settings
from cityzen_connector.store import StoreError
from cityzen_connector.wiring import dataverse_client_from_settings, worker_deps_from_settings

_ERRORS = (DataverseError, MappingError, MessagingError, StoreError, OSError)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    dataverse = subparsers.add_parser("dataverse", help="check and provision Dataverse")
    actions = dataverse.add_subparsers(dest="dataverse_command", metavar="ACTION", required=True)
    actions.add_parser("whoami", help="who the connector is in Dataverse").set_defaults(
        func=_whoami
    )
    provision = actions.add_parser(
        "provision", help="create the columns, keys and option values the mappings need"
    )
    provision.add_argument("--dry-run", action="store_true", help="print the plan only")
    provision.add_argument(
        "--create-catalog",
        action="store_true",
        help="also create missing teams and subjects (emulator and test organisations)",
    )
    provision.add_argument(
        "--key-timeout", type=float, default=600.0, help="seconds to wait per key (default 600)"
    )
    provision.set_defaults(func=_provision)

    sync = subparsers.add_parser("sync", help="process submissions")
    sync_actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    drain = sync_actions.add_parser("drain", help="process the waiting backlog, many per request")
    drain.add_argument("--max", type=int, default=10_000, help="at most this many messages")
    drain.set_defaults(func=_drain)


def _fail(error: Exception) -> int:
    # Our errors name no personal data; Dataverse's messages might, so print the summary only.
    text = (
        error.summary if isinstance(error, DataverseError) else f"{type(error).__name__}: {error}"
    )
    print(f"error: {text}", file=sys.stderr)
    return 1


def _whoami(args: argparse.Namespace) -> int:
    settings = Settings()
    try:
        me = dataverse_client_from_settings(settings).who_am_i()
    except _ERRORS as exc:
        return _fail(exc)
    print(f"organisation  {settings.dataverse_url}")
    print(f"user id       {me.user_id}")
    print(f"business unit {me.business_unit_id}")
    print(f"organization  {me.organization_id}")
    return 0


def _provision(args: argparse.Namespace) -> int:
    from cityzen_connector.sync import apply_provisioning, plan_provisioning  # noqa: PLC0415

    settings = Settings()
    try:
        mappings = load_mappings(settings.mappings_dir)
        client = dataverse_client_from_settings(settings)
        plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    except _ERRORS as exc:
        return _fail(exc)
    for step in plan.steps:
        print(step.line())
    print(f"{len(plan.todo)} step(s) to do, {len(plan.steps) - len(plan.todo)} present")
    if args.dry_run or not plan.todo:
        return 0
    try:
        report = apply_provisioning(
            client,
            plan,
            now=time.monotonic,
            sleep=time.sleep,
            key_deadline_seconds=args.key_timeout,
            on_step=lambda step: print(step.line()),
            create_catalog=args.create_catalog,
        )
    except _ERRORS as exc:
        return _fail(exc)
    if not report.ok:
        print("provisioning incomplete: see the lines not created/active above", file=sys.stderr)
        return 1
    print("provisioning done")
    return 0


def _drain(args: argparse.Namespace) -> int:
    from cityzen_connector.sync.pipeline import drain  # noqa: PLC0415

    settings = Settings()
    try:
        client = dataverse_client_from_settings(settings, retry=RetryPolicy.QUEUE_WORK)
        deps = worker_deps_from_settings(settings, client=client)
        report = drain(
            deps, max_messages=args.max, per_batch=settings.backlog_submissions_per_batch
        )
    except _ERRORS as exc:
        return _fail(exc)
    actions = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "nothing"
    print(f"drained {report.received} message(s) in {report.batches} $batch request(s): {actions}")
    return 0

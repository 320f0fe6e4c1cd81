# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen dataverse whoami | provision | register-events``.

``provision`` prints the plan first (every column, key, option value and — with the catalog —
team and subject, each ``present`` or ``missing``), then creates what is missing unless
``--dry-run``. Nothing printed holds personal data: names of columns, keys, teams and
subjects, and counts.

``register-events`` creates or updates the service endpoint, steps and images that make
Dataverse post each change of a case to the case-events queue, one line per object
(``created``, ``updated``, ``unchanged``; ``would …`` with ``--dry-run``, which writes
nothing). The SAS key is sent, never printed.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError
from cityzen_connector.sync import (
    ProvisionError,
    RegistrationLine,
    apply_provisioning,
    plan_provisioning,
    register_events,
)

from ._common import EXIT_FAILED, container, fail

_ERRORS = (DataverseError, MappingError, ProvisionError, OSError)


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
    events = actions.add_parser(
        "register-events",
        help="register the service endpoint that posts case changes to the case-events queue",
    )
    events.add_argument("--dry-run", action="store_true", help="print what would change only")
    events.add_argument(
        "--update-key",
        action="store_true",
        help="send the SAS key again (after rotating it in Azure); it is never read back",
    )
    events.set_defaults(func=_register_events)


def _whoami(args: argparse.Namespace) -> int:
    deps = container()
    try:
        me = deps.api_client.who_am_i()
    except _ERRORS as exc:
        return fail(exc)
    print(f"organisation  {deps.settings.dataverse_url}")
    print(f"user id       {me.user_id}")
    print(f"business unit {me.business_unit_id}")
    print(f"organization  {me.organization_id}")
    return 0


def _provision(args: argparse.Namespace) -> int:
    deps = container()
    try:
        client = deps.api_client
        plan = plan_provisioning(client, deps.mappings.schema(), deps.mappings.catalog)
    except _ERRORS as exc:
        return fail(exc)
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
        return fail(exc)
    if not report.ok:
        print("provisioning incomplete: see the lines not created/active above", file=sys.stderr)
        return EXIT_FAILED
    print("provisioning done")
    return 0


def _register_events(args: argparse.Namespace) -> int:
    from cityzen_connector.app import event_registration  # noqa: PLC0415

    deps = container()

    def echo(line: RegistrationLine) -> None:
        print(line.line(), flush=True)

    try:
        # The image also carries the mappings' submission id column (MappingError: failed).
        column = deps.case_schema.submission_column
        # ConfigurationError: printed by main.
        registration = event_registration(
            deps.settings, submission_column=column, profile=deps.mappings.profile
        )
        lines = register_events(
            deps.api_client,
            registration,
            dry_run=args.dry_run,
            update_key=args.update_key,
            echo=echo,
        )
    except _ERRORS as exc:
        return fail(exc)
    changed = sum(1 for line in lines if line.outcome != "unchanged")
    verb = "would change" if args.dry_run else "changed"
    where = f"queue {registration.queue} on {registration.namespace_address}"
    print(f"{changed} object(s) {verb}, {len(lines) - changed} unchanged ({where})")
    return 0

# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen cases reconcile``: read the case changes Dataverse tracked since the last run and
record those the case-events queue missed (what the ``reconcile_cases`` timer runs).

``--full`` forgets the stored delta token first: every case is read again; a case the store
has never seen is recorded without telling the portal, a known one's missed changes are told.
One line on stdout: counts only, never a case's content.
"""

from __future__ import annotations

import argparse
from typing import Any

from cityzen_connector import app
from cityzen_connector.cases import CaseError
from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError
from cityzen_connector.messaging import MessagingError
from cityzen_connector.store import StoreError

from ._common import container, fail

_ERRORS = (CaseError, DataverseError, MappingError, MessagingError, StoreError, OSError)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    cases = subparsers.add_parser("cases", help="case status back to citizens")
    actions = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)
    reconcile = actions.add_parser(
        "reconcile", help="record the case changes the queue missed (Dataverse change tracking)"
    )
    reconcile.add_argument(
        "--full", action="store_true", help="forget the delta token and read every case again"
    )
    reconcile.set_defaults(func=_reconcile)


def _reconcile(args: argparse.Namespace) -> int:
    deps = container()
    try:
        if args.full:
            deps.reconciler.forget()
        report = app.reconcile_cases(deps)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    print(f"cases: {report.line()}")
    return 0

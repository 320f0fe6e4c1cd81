# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen sync drain``: process the waiting submissions many per ``$batch`` (after an outage).

It prints counts only, never a submission's content.
"""

from __future__ import annotations

import argparse
from typing import Any

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError
from cityzen_connector.messaging import MessagingError
from cityzen_connector.store import StoreError
from cityzen_connector.sync.pipeline import drain

from ._common import container, fail

_ERRORS = (DataverseError, MappingError, MessagingError, StoreError, OSError)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    sync = subparsers.add_parser("sync", help="process submissions")
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    backlog = actions.add_parser("drain", help="process the waiting backlog, many per request")
    backlog.add_argument("--max", type=int, default=10_000, help="at most this many messages")
    backlog.set_defaults(func=_drain)


def _drain(args: argparse.Namespace) -> int:
    deps = container()
    try:
        report = drain(
            deps.worker,
            max_messages=args.max,
            per_batch=deps.settings.backlog_submissions_per_batch,
        )
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    actions = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "nothing"
    print(f"drained {report.received} message(s) in {report.batches} $batch request(s): {actions}")
    return 0

# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen sync drain``: process the waiting submissions many per ``$batch`` (after an outage).

Progress goes to stderr as the drain goes (settled, waiting on the queue, in flight, rate); the
summary is one line on stdout. Counts only, never a submission's content.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError
from cityzen_connector.messaging import MessagingError
from cityzen_connector.store import StoreError
from cityzen_connector.sync.pipeline import DrainProgress, DrainReport, drain

from ._common import container, fail

_ERRORS = (DataverseError, MappingError, MessagingError, StoreError, OSError)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    sync = subparsers.add_parser("sync", help="process submissions")
    actions = sync.add_subparsers(dest="sync_command", metavar="ACTION", required=True)
    backlog = actions.add_parser("drain", help="process the waiting backlog, many per request")
    backlog.add_argument("--max", type=int, default=10_000, help="at most this many messages")
    backlog.add_argument(
        "--progress-every",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="a progress line on stderr at most this often (default: 2)",
    )
    backlog.set_defaults(func=_drain)


def _drain(args: argparse.Namespace) -> int:
    deps = container()
    try:
        report = drain(
            deps.worker,
            max_messages=args.max,
            per_batch=deps.settings.backlog_submissions_per_batch,
            clock=deps.monotonic,
            progress=_print_progress,
            progress_every=args.progress_every,
        )
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    # Lost locks are not a failure: those messages come back to the next delivery.
    print(summary(report))
    return 0


def summary(report: DrainReport) -> str:
    actions = ", ".join(f"{n} {a}" for a, n in sorted(report.actions.items())) or "nothing"
    line = f"drained {report.received} message(s) in {report.batches} $batch request(s): {actions}"
    if report.lock_lost:
        line += f"; {report.lock_lost} lock(s) lost, left to their next delivery"
    if report.redelivered:
        line += f"; {report.redelivered} redelivered"
    return line


def _print_progress(progress: DrainProgress) -> None:
    remaining = "?" if progress.remaining is None else str(progress.remaining)
    line = (
        f"drain: {progress.done} done, {remaining} remaining, {progress.in_flight} in flight,"
        f" {progress.rate:.1f}/s"
    )
    if progress.lock_lost:
        line += f", {progress.lock_lost} lock(s) lost"
    print(line, file=sys.stderr, flush=True)

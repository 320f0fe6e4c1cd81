# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen queue …``: look at the submissions queue, sweep, replay and purge failed messages.

``dead list`` shows metadata only unless ``--show-body`` is given: bodies hold personal data.
``--queue webhooks`` does the same for the webhook outbox, whose dead letters wait in
``webhooks-rejected`` as rejected submissions do; replaying one touches no submission status.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import Any

from cityzen_connector.app import Container, purge_retention, retention, sweep_dead_letters
from cityzen_connector.messaging import MessageBus, MessagingError, ReceivedMessage
from cityzen_connector.store import StoreError
from cityzen_connector.sync.pipeline import (
    ReplayReport,
    Source,
    rejected_queue,
    replay,
    source_of,
)
from cityzen_connector.sync.pipeline._recovery import iter_peek

from ._common import container, fail

_SOURCES: dict[str, tuple[Source, ...]] = {
    "deadletter": ("deadletter",),
    "rejected": ("rejected",),
    "all": ("deadletter", "rejected"),
}
_PROGRESS_EVERY = 100


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    queue = subparsers.add_parser(
        "queue", help="inspect and repair the submissions queue (or the webhook outbox)"
    )
    queue.add_argument(
        "--queue",
        help="queue name (default: CITYZEN_SUBMISSIONS_QUEUE; the outbox: CITYZEN_WEBHOOKS_QUEUE)",
    )
    actions = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)

    actions.add_parser("stats", help="message counts per state").set_defaults(func=_stats)
    actions.add_parser(
        "sweep", help="mark dead-lettered submissions failed in the status store"
    ).set_defaults(func=_sweep)
    purge = actions.add_parser(
        "purge", help="RGPD retention: delete old failed messages, records, blobs"
    )
    purge.add_argument(
        "--days", type=int, help="retention in days (default: CITYZEN_RETENTION_DAYS)"
    )
    purge.set_defaults(func=_purge)

    dead = actions.add_parser("dead", help="rejected and dead-lettered messages")
    dead_actions = dead.add_subparsers(dest="dead_command", metavar="ACTION", required=True)
    listing = dead_actions.add_parser("list", help="list failed messages (metadata only)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.add_argument(
        "--show-body", action="store_true", help="also print bodies (personal data!)"
    )
    listing.add_argument("--source", choices=sorted(_SOURCES), default="all")
    listing.set_defaults(func=_dead_list)
    again = dead_actions.add_parser("replay", help="send failed messages back to the queue")
    which = again.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every failed message")
    which.add_argument("--id", action="append", dest="ids", metavar="ID", help="a message id")
    again.add_argument("--dry-run", action="store_true", help="count, change nothing")
    again.add_argument("--source", choices=sorted(_SOURCES), default="all")
    again.set_defaults(func=_dead_replay)


_ERRORS = (MessagingError, StoreError, OSError)


def _with_bus(args: argparse.Namespace, action: Any) -> int:
    """Run ``action(bus, queue, deps)``; every backend it opened is closed after. Errors are
    ours and name no personal data; never a URL (it may hold a key)."""
    deps = container()
    try:
        bus = deps.bus
        code: int = action(bus, str(args.queue or deps.settings.submissions_queue), deps)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    return code


def _stats(args: argparse.Namespace) -> int:
    def run(bus: MessageBus, queue: str, deps: Container) -> int:
        print(f"{'queue':<32} {'active':>8} {'scheduled':>10} {'locked':>8} {'dead-letter':>12}")
        for name in (queue, rejected_queue(queue)):
            s = bus.stats(name)
            print(
                f"{s.queue:<32} {s.active:>8} {s.scheduled:>10} {s.locked:>8} {s.dead_letter:>12}"
            )
        return 0

    return _with_bus(args, run)


def _sweep(args: argparse.Namespace) -> int:
    def run(bus: MessageBus, queue: str, deps: Container) -> int:
        report = sweep_dead_letters(deps, queue)
        print(
            f"swept {report.scanned} dead-lettered message(s), {report.marked_failed} marked failed"
        )
        return 0

    return _with_bus(args, run)


def _describe(message: ReceivedMessage, source: str, show_body: bool) -> str:
    reason = message.dead_letter_reason or message.application_properties.get(
        "cityzen-rejected-reason", ""
    )
    line = (
        f"{source:<10} #{message.sequence_number:<6} {message.message_id:<40}"
        f" {message.enqueued_time.isoformat(timespec='seconds')}"
        f" deliveries={message.delivery_count} reason={reason}"
    )
    if message.dead_letter_description:
        line += f" ({message.dead_letter_description})"
    if show_body:
        line += "\n    " + message.body.decode("utf-8", errors="replace")
    return line


def _dead_list(args: argparse.Namespace) -> int:
    def run(bus: MessageBus, queue: str, deps: Container) -> int:
        shown = 0
        for source in _SOURCES[args.source]:
            place, sub_queue = source_of(queue, source)
            for message in iter_peek(bus, place, sub_queue):
                if shown >= args.limit:
                    break
                print(_describe(message, source, args.show_body))
                shown += 1
        print(f"{shown} message(s) shown", file=sys.stderr)
        return 0

    return _with_bus(args, run)


def _dead_replay(args: argparse.Namespace) -> int:
    def progress(report: ReplayReport) -> None:
        if report.replayed % _PROGRESS_EVERY == 0:
            print(f"... {report.replayed} replayed", file=sys.stderr)

    def run(bus: MessageBus, queue: str, deps: Container) -> int:
        total = ReplayReport()
        for source in _SOURCES[args.source]:
            report = replay(
                bus,
                queue,
                source=source,
                message_ids=None if args.all else args.ids,
                dry_run=args.dry_run,
                # A submission replayed is "queued" again; a webhook has no status record.
                statuses=deps.statuses if queue == deps.settings.submissions_queue else None,
                progress=progress,
            )
            total.selected += report.selected
            total.replayed += report.replayed
        verb = "would replay" if args.dry_run else "replayed"
        print(f"{verb} {total.selected if args.dry_run else total.replayed} message(s)")
        if args.ids and not args.dry_run and total.replayed < len(set(args.ids)):
            print(f"{len(set(args.ids)) - total.replayed} id(s) not found", file=sys.stderr)
            return 1
        return 0

    return _with_bus(args, run)


def _purge(args: argparse.Namespace) -> int:
    def run(bus: MessageBus, queue: str, deps: Container) -> int:
        keep = retention(deps.settings)
        if args.days is not None:
            if args.days < 1:
                print("error: --days must be at least 1", file=sys.stderr)
                return 2
            keep = timedelta(days=args.days)
        # Without --queue, every queue the connector consumes, as the retention timer does.
        report = purge_retention(deps, queue=args.queue, retention=keep)
        print(
            f"purged {report.messages} failed message(s), {report.records} record(s),"
            f" {report.blobs} blob(s), {report.notifications} notification file(s)"
            f" older than {keep.days} day(s)"
        )
        return 0

    return _with_bus(args, run)

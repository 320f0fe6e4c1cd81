"""``cityzen emulator serve``, ``seed`` and ``case …`` (``_emulator_case``): the embedded
Dataverse emulator.

Flags override the ``CITYZEN_EMULATOR_*`` settings. Errors a user can fix (port in use, data
folder not writable) are printed in one line with exit code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cityzen_connector._private import private_folder
from cityzen_connector.app import EMULATOR_DATABASE_FILE, Container, emulator_config
from cityzen_connector.emulator import (
    EmulatorConfig,
    ServeError,
    StoreError,
    create_app,
    seed,
    serve,
)
from cityzen_connector.settings import Settings

from . import _emulator_case
from ._case_events import QueueSink
from ._common import settings as load_settings
from ._signals import stop_signals

DATABASE_FILE = EMULATOR_DATABASE_FILE


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("emulator", help="the embedded Dataverse Web API emulator")
    commands = parser.add_subparsers(dest="emulator_command", metavar="COMMAND", required=True)
    run = commands.add_parser("serve", help="serve the emulator on 127.0.0.1")
    run.add_argument("--host", help="listen address (default: CITYZEN_EMULATOR_HOST)")
    run.add_argument("--port", type=int, help="listen port (default: CITYZEN_EMULATOR_PORT)")
    run.add_argument("--data-dir", type=Path, help="folder of the SQLite file and certificate")
    run.add_argument("--in-memory", action="store_true", help="keep data in memory only")
    run.add_argument("--seed", action="store_true", help="insert the seed data first")
    run.add_argument("--tls", action="store_true", default=None, help="serve HTTPS")
    run.add_argument("--token", help="strict auth: the bearer token to require")
    run.add_argument("--throttling", action="store_true", default=None, help="simulate 429s")
    run.add_argument("--fault-error-rate", type=float, help="fraction of requests answered 503")
    run.add_argument("--fault-drop-rate", type=float, help="fraction of replies cut")
    run.add_argument("--fault-latency", type=float, help="seconds added to every request")
    run.add_argument(
        "--latency-base", type=float, help="latency model: service seconds of every request"
    )
    run.add_argument(
        "--latency-per-operation",
        type=float,
        help="latency model: seconds per operation ($batch, bulk: one per record)",
    )
    run.add_argument(
        "--queue-url",
        help=(
            "post what registered service endpoints send onto this queue backend"
            " (sqlite:///path/queue.db, the one cityzen run uses): the emulator's Service Bus"
        ),
    )
    run.set_defaults(func=_serve_command)
    fill = commands.add_parser("seed", help="insert the seed data into the emulator database")
    fill.add_argument("--data-dir", type=Path, help="folder of the SQLite file")
    fill.set_defaults(func=_seed_command)
    _emulator_case.register(commands)


def config_from(settings: Settings, args: argparse.Namespace | None = None) -> EmulatorConfig:
    """The emulator configuration: the settings, overridden by the flags that were given."""

    def flag(name: str) -> Any:
        return getattr(args, name, None) if args is not None else None

    return emulator_config(
        settings,
        data_dir=flag("data_dir"),
        in_memory=bool(flag("in_memory")),
        token=flag("token"),
        throttling=flag("throttling"),
        fault_error_rate=flag("fault_error_rate"),
        fault_drop_rate=flag("fault_drop_rate"),
        fault_latency_seconds=flag("fault_latency"),
        latency_base_seconds=flag("latency_base"),
        latency_per_operation_seconds=flag("latency_per_operation"),
    )


def _wait_forever() -> None:
    # Timed slices: a signal caught by a server thread only sets a flag that the main thread
    # reads when it next runs Python code; an untimed wait would never return.
    stopped = threading.Event()
    while not stopped.wait(0.25):
        pass


def run_serve(
    args: argparse.Namespace,
    settings: Settings | None = None,
    *,
    wait: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Serve until ``wait(url)`` returns (Ctrl-C by default); returns the exit code.

    ``sleep`` waits out the fault latency before each answer (``--fault-latency``) and the
    latency model's service time (``--latency-base``, ``--latency-per-operation``)."""
    settings = settings or load_settings()
    try:
        config = config_from(settings, args)
    except ValueError as exc:  # a flag out of range (the emulator's own config rules)
        print(f"cityzen emulator: {exc}")  # noqa: T201
        return 2
    data_dir: Path = args.data_dir or settings.emulator_data_dir
    queue_url = getattr(args, "queue_url", None)
    events = Container(settings.model_copy(update={"queue_url": queue_url})) if queue_url else None
    try:
        app = create_app(config, sleep=sleep, sink=QueueSink(events.bus) if events else None)
    except StoreError as exc:
        if events is not None:
            events.close()
        print(f"cityzen emulator: {exc} (is the data directory writable?)")  # noqa: T201
        return 2
    try:
        if not args.in_memory:
            private_folder(data_dir)  # the database holds every contact: 0700, files 0600
        if args.seed:
            print(f"cityzen emulator: seeded {seed(app)} records")  # noqa: T201
        host = args.host or settings.emulator_host
        port = settings.emulator_port if args.port is None else args.port
        tls = settings.emulator_tls if args.tls is None else args.tls
        try:
            handle = serve(app, host, port, tls=tls, cert_dir=data_dir)
        except ServeError as exc:
            print(f"cityzen emulator: {exc} (is another emulator already running?)")  # noqa: T201
            return 2
        print(f"cityzen emulator: Dataverse Web API at {handle.url}/api/data/v9.2/")  # noqa: T201
        if handle.cert_path is not None:
            print(f"cityzen emulator: TLS certificate (trust it): {handle.cert_path}")  # noqa: T201
        try:
            (wait or (lambda _url: _wait_forever()))(handle.url)
        finally:
            handle.stop()
    finally:
        app.close()
        if events is not None:
            events.close()
    return 0


def _serve_command(args: argparse.Namespace) -> int:
    # The handlers are set before the URL is printed: a SIGINT sent as soon as it is read (a
    # background job starts with SIGINT ignored) must stop us, not be lost.
    try:
        with stop_signals():
            return run_serve(args)
    except KeyboardInterrupt:  # everything started is stopped by then
        return 0


def run_seed(data_dir: Path) -> int:
    try:
        inserted = seed(data_dir / DATABASE_FILE)
    except StoreError as exc:
        print(f"cityzen emulator: {exc} (is the data directory writable?)")  # noqa: T201
        return 2
    private_folder(data_dir)
    print(f"cityzen emulator: seeded {inserted} records into {data_dir / DATABASE_FILE}")  # noqa: T201
    return 0


def _seed_command(args: argparse.Namespace) -> int:
    return run_seed(args.data_dir or load_settings().emulator_data_dir)

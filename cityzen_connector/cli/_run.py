# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen run``: the whole connector on a laptop (what ``make run`` calls).

In one process: the Dataverse emulator, seeded, on 127.0.0.1:7072 (threaded ``serve()``); the
custom columns and alternate keys the mappings need, provisioned; the service endpoint and
steps that post each change of a case to the case-events queue, registered
(``register-events``, as an administrator does it in Azure; the emulator's posts go onto the
embedded queue); the embedded queue, store and blobs under the data folder; and the local
Functions host running ``function_app.py`` on 127.0.0.1:7071. It prints the URLs, the local
function key, two ready-to-paste ``curl`` commands (file a sample request, read its status) and
the ``cityzen emulator case`` commands that act as an agent. Ctrl-C (or SIGTERM) stops
everything and exits 0. A port in use is one clear line and exit code 2.

With the emulator, it also starts a local webhook receiver on 127.0.0.1:7073 (``cityzen
webhooks receive``, in-process) and points ``CITYZEN_WEBHOOK_URLS`` at it, signed with the local
mode's published secret: each case status change is printed as the portal would receive it.
``--no-webhook-receiver`` leaves webhooks as the environment configures them; a default port
already in use is one line, and webhooks stay off.

With ``--dataverse-url`` (or ``CITYZEN_DATAVERSE_URL`` set in the environment) the host and the
worker use that Dataverse instead: an emulator started apart (``cityzen emulator serve`` with
faults, for a fault or soak run) or a tenant. No emulator is started and nothing is seeded;
provisioning still runs and reports; events are not registered (``cityzen dataverse
register-events`` is an administrator's act on a real organisation).

The flags become ``CITYZEN_*`` variables of this process before anything reads the settings,
as ``func start`` loads ``local.settings.json`` into the environment: the app the local host
loads then sees exactly what this command configured.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from cityzen_connector import app
from cityzen_connector._private import private_folder, write_private
from cityzen_connector.emulator import (
    EventSink,
    ServeError,
    ServerHandle,
    StoreError,
    create_app,
    seed,
    serve,
)
from cityzen_connector.settings import ENV_PREFIX, Settings

from ._case_events import QueueSink, register_case_events
from ._common import settings as load_settings
from ._errors import _StartError
from ._signals import stop_signals
from ._webhooks import ReceiverPlan, receiver_plan, start_receiver

SAMPLE_FILE = "sample-request.json"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("run", help="run the connector locally on embedded defaults")
    parser.add_argument(
        "--port", type=int, help="local Functions host port (default 7071; 0: any free port)"
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--emulator-port", type=int, help="Dataverse emulator port (default 7072; 0: any free)"
    )
    target.add_argument(
        "--dataverse-url",
        metavar="URL",
        help="use this Dataverse (an emulator started apart, a tenant): no emulator is started",
    )
    parser.add_argument("--data-dir", type=Path, help="folder of the local data (default .cityzen)")
    parser.add_argument(
        "--webhook-receiver",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start a local webhook receiver and send webhooks to it"
        " (default: on with the embedded emulator, unless CITYZEN_WEBHOOK_URLS is set)",
    )
    parser.add_argument(
        "--webhook-port", type=int, help="the receiver's port (default 7073; 0: any free port)"
    )
    parser.set_defaults(func=_run)


def local_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The ``CITYZEN_*`` values ``cityzen run`` sets: the flags, and the embedded backends'
    files under the data folder unless the environment already names them."""
    data_dir = Path(args.data_dir or environ.get(ENV_PREFIX + "DATA_DIR") or ".cityzen")
    values: dict[str, str] = {"DATA_DIR": str(data_dir)}
    if args.port is not None:
        values["LOCALHOST_PORT"] = str(args.port)
    if args.emulator_port:  # 0 (any free port) is not a valid setting: passed to serve() only
        values["EMULATOR_PORT"] = str(args.emulator_port)
    if args.dataverse_url:
        values["DATAVERSE_URL"] = args.dataverse_url
    derived = {
        "QUEUE_URL": f"sqlite:///{data_dir / 'queue.db'}",
        "STORE_URL": f"sqlite:///{data_dir / 'state.db'}",
        "BLOB_URL": f"file://{data_dir / 'blobs'}",
        "EMULATOR_DATA_DIR": str(data_dir / "emulator"),
    }
    for name, value in derived.items():
        if ENV_PREFIX + name not in environ:
            values[name] = value
    return {ENV_PREFIX + name: value for name, value in values.items()}


def external_dataverse(args: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The Dataverse to use instead of starting the emulator: the flag, else the variable when
    it is set (its default names the emulator ``cityzen run`` starts)."""
    return args.dataverse_url or environ.get(ENV_PREFIX + "DATAVERSE_URL") or None


def sample_request(submission_id: uuid.UUID) -> dict[str, Any]:
    """A valid ``POST /api/v1/requests`` body (FranceConnect's sandbox test identity)."""
    from cityzen_connector.models import EXAMPLE_SUBMISSION  # noqa: PLC0415

    body = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k not in ("submitted_at", "attachments")}
    body["id"] = str(submission_id)
    return body


def banner(
    host_url: str,
    dataverse_url: str,
    function_key: str,
    *,
    sample: Path,
    submission_id: uuid.UUID,
    endpoints: list[tuple[str, str]],
    webhooks: str | None = None,
) -> str:
    """What ``cityzen run`` prints once everything is up (the README quickstart shows it)."""
    api = f"{host_url}/api/v1"
    lines = [
        "CityZen connector is running. Ctrl-C stops it.",
        "",
        f"  Functions host    {api}/",
        f"  OpenAPI document  {api}/openapi.json",
        f"  Dataverse         {dataverse_url.rstrip('/')}/api/data/v9.2/",
        f"  function key      {function_key}",
        "",
        "Functions:",
        *(f"  {name:<20} {url}" for name, url in endpoints),
        "",
        "File the sample request:",
        f"  curl -sS -X POST '{api}/requests' -H 'x-functions-key: {function_key}'"
        f" -H 'Content-Type: application/json' --data-binary '@{sample}'",
        "",
        "Then read its status (queued, then created with its ticket number):",
        f"  curl -sS '{api}/requests/{submission_id}' -H 'x-functions-key: {function_key}'",
        "",
        "Act as an agent on that case (its status and your answers then reach the connector):",
        *(f"  {line}" for line in agent_commands(dataverse_url)),
    ]
    if webhooks:
        lines += [
            "",
            f"Webhooks go to the local receiver at {webhooks}: each status change prints a line"
            " starting with 'webhook' (signature verified).",
        ]
    return "\n".join(lines)


def agent_commands(dataverse_url: str) -> list[str]:
    """The ``cityzen emulator case`` lines the banner shows (docs/emulator.md)."""
    case = f".venv/bin/cityzen emulator case --dataverse-url {dataverse_url.rstrip('/')}"
    return [
        f"{case} list",
        f"{case} hold <ticket>",
        f"{case} assign <ticket> Voirie",
        f"{case} reply <ticket> --text 'Pouvez-vous envoyer une photo ?'",
        f"{case} resolve <ticket> --resolution 'Nid-de-poule rebouché'",
    ]


def _start_emulator(
    settings: Settings,
    port: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    sink: EventSink | None = None,
) -> tuple[Any, ServerHandle]:
    """The seeded emulator, served; ``sleep`` waits out the configured fault latency; ``sink``
    receives what its service endpoints post (the embedded queue)."""
    private_folder(settings.emulator_data_dir)  # its database holds every contact
    emulator = create_app(app.emulator_config(settings), sleep=sleep, sink=sink)
    try:
        seed(emulator)
        handle = serve(
            emulator,
            settings.emulator_host,
            port,
            tls=settings.emulator_tls,
            cert_dir=settings.emulator_data_dir,
        )
    except BaseException:
        emulator.close()
        raise
    return emulator, handle


def run(args: argparse.Namespace) -> int:
    """Start everything, wait for Ctrl-C (or SIGTERM), stop everything; the exit code.

    The values are set in this process's environment: the app the local host loads reads them.
    """
    environ = dict(os.environ)  # as it was given: local_environment may name the Dataverse
    os.environ.update(local_environment(args, environ))
    plan = receiver_plan(args, environ, external=bool(external_dataverse(args, environ)))
    with stop_signals():
        try:
            if external_dataverse(args, environ):
                _serve_external(plan)
            else:
                _serve(os.environ, args.emulator_port, plan)
        except _StartError as exc:
            print(f"cityzen run: {exc}")
            return exc.code
        except KeyboardInterrupt:  # everything started is stopped by then
            print("\ncityzen run: stopping…", flush=True)
    print("cityzen run: stopped", flush=True)
    return 0


def _settings() -> Settings:
    settings = load_settings()  # ConfigurationError: printed by cli.main, exit code 2
    try:
        # Requests, contacts and attachments are kept there: private (0700), files 0600.
        private_folder(settings.data_dir)
    except OSError as exc:
        message = f"cannot create the data folder {settings.data_dir}: {exc.strerror}"
        raise _StartError(message) from exc
    return settings


def _serve(
    env: MutableMapping[str, str], emulator_port: int | None, plan: ReceiverPlan | None
) -> None:
    """Runs until Ctrl-C; raises ``_StartError`` when something cannot start."""
    settings = _settings()
    port = settings.emulator_port if emulator_port is None else emulator_port
    events = app.Container(settings)  # the emulator's Service Bus: the embedded queue
    try:
        emulator, handle = _start_emulator(settings, port, sink=QueueSink(events.bus))
    except (ServeError, StoreError, OSError) as exc:
        events.close()
        message = f"Dataverse emulator: {exc} (already running? use --emulator-port)"
        raise _StartError(message) from exc
    receiver = None
    try:
        env[ENV_PREFIX + "DATAVERSE_URL"] = handle.url
        receiver = start_receiver(plan, env)
        settings = load_settings()
        _provision_or_stop(settings)
        print(register_case_events(settings), flush=True)
        _host(settings, handle.url, webhooks=receiver.url if receiver else None)
    finally:
        if receiver is not None:
            receiver.stop()
        handle.stop()
        emulator.close()
        events.close()


def _serve_external(plan: ReceiverPlan | None) -> None:
    """The host and the worker on a Dataverse started elsewhere, until Ctrl-C."""
    receiver = start_receiver(plan, os.environ)
    try:
        settings = _settings()
        url = settings.dataverse_url
        print(
            f"Dataverse at {url}: used as it is (no emulator started, nothing seeded)", flush=True
        )
        _provision_or_stop(settings, external=True)
        _host(settings, settings.dataverse_url, webhooks=receiver.url if receiver else None)
    finally:
        if receiver is not None:
            receiver.stop()


def _provision_or_stop(settings: Settings, *, external: bool = False) -> None:
    """Provision, printing each interrupted round and the outcome; ``_StartError`` if it fails."""
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415
    from cityzen_connector.mapping import MappingError  # noqa: PLC0415

    from ._run_provision import KeyClock, provision_until_done  # noqa: PLC0415

    deps = app.Container(settings)
    try:
        mappings, client = deps.mappings, deps.api_client
    except (DataverseError, MappingError, RuntimeError) as exc:
        raise _StartError(f"{type(exc).__name__}: {exc}", code=1) from exc
    # Generous: the emulator activates a key after CITYZEN_EMULATOR_KEY_ACTIVATION_SECONDS.
    deadline = max(60.0, 10 * settings.emulator_key_activation_seconds)
    line = provision_until_done(
        client,
        mappings,
        KeyClock(time.monotonic, time.sleep, deadline),
        echo=lambda text: print(text, flush=True),
        start_when_unavailable=external,
    )
    print(line, flush=True)


def _host(settings: Settings, dataverse_url: str, *, webhooks: str | None = None) -> None:
    """The local Functions host on the embedded queue, until Ctrl-C."""
    from cityzen_connector.localhost import LocalHost, LocalHostError  # noqa: PLC0415

    deps = app.Container(settings)
    bus = deps.bus
    try:
        try:
            host = LocalHost(settings.localhost_app_dir, bus, app.localhost_config(settings))
            host.start()
        except OSError as exc:
            where = f"{settings.localhost_host}:{settings.localhost_port}"
            raise _StartError(
                f"cannot listen on {where}: {exc.strerror or exc}"
                " (`cityzen run` or `func start` already running? use --port)"
            ) from exc
        except LocalHostError as exc:
            raise _StartError(str(exc)) from exc
        try:
            _announce(settings, host, dataverse_url, webhooks)
            # Timed waits: a signal caught by a server thread is only handled when the main
            # thread next runs Python code, which an untimed wait would never do.
            while not host.wait(0.25):
                pass
        finally:
            host.stop()
    finally:
        deps.close()


def _announce(settings: Settings, host: Any, dataverse_url: str, webhooks: str | None) -> None:
    submission_id = uuid.uuid4()
    sample = settings.data_dir / SAMPLE_FILE
    body = json.dumps(sample_request(submission_id), ensure_ascii=False, indent=2) + "\n"
    write_private(sample, body.encode("utf-8"))  # a citizen's identity, if a made-up one
    from cityzen_connector.localhost import (  # noqa: PLC0415
        ServiceBusTriggerBinding,
        TimerTriggerBinding,
    )

    # As func start lists them: HTTP functions with their URL, the others with their trigger.
    endpoints = [(e.function, e.url) for e in host.endpoints()]
    for spec in sorted(host.functions, key=lambda f: f.name):
        if isinstance(spec.trigger, ServiceBusTriggerBinding):
            endpoints.append((spec.name, f"serviceBusTrigger, queue {spec.trigger.queue_name}"))
        elif isinstance(spec.trigger, TimerTriggerBinding):
            endpoints.append((spec.name, f"timerTrigger, {spec.trigger.schedule} (UTC)"))
    text = banner(
        host.url,
        dataverse_url,
        host.function_key,
        sample=sample,
        submission_id=submission_id,
        endpoints=endpoints,
        webhooks=webhooks,
    )
    print(text, flush=True)


def _run(args: argparse.Namespace) -> int:
    return run(args)

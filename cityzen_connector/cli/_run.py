# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen run``: the whole connector on a laptop (what ``make run`` calls).

In one process: the Dataverse emulator, seeded, on 127.0.0.1:7072 (threaded ``serve()``); the
custom columns and alternate keys the mappings need, provisioned; the service endpoint and
steps that post each change of a case to the case-events queue, registered
(``register-events``, as an administrator does it in Azure; the emulator's posts go onto the
embedded queue); the embedded queue, store and blobs under the data folder; and the local
Functions host running ``function_app.py`` on 127.0.0.1:7071. It prints the URLs, the local
function key, two ready-to-paste ``curl`` commands (file a sample request, read its status) and
the ``cityzen emulator case`` commands that act as an agent, and a ``curl`` that counts the
queues with a local ops token. Ctrl-C (or SIGTERM) stops
everything and exits 0. A port in use is one clear line and exit code 2.

With the emulator, it also starts a local webhook receiver on 127.0.0.1:7073 (``cityzen
webhooks receive``, in-process) and points ``CITYZEN_WEBHOOK_URLS`` at it, signed with the local
mode's published secret: each case status change is printed as the portal would receive it.
``--no-webhook-receiver`` leaves webhooks as the environment configures them; a default port
already in use is one line, and webhooks stay off.

It also serves the embedded geocoder (``_geocoder.py``) on 127.0.0.1:7074 behind address help,
unless ``CITYZEN_GEOCODER_URL`` names another or ``--no-geocoder`` is given, and prints two more
``curl`` commands: suggestions as a citizen types, and "use my location".
With the emulator, it also serves the French sample feeds of ``samples/feeds/`` on
127.0.0.1:7075 (``--feeds-port``) and points the news and agenda settings at them, unless the
environment names feeds; they are refreshed once before the banner.

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
from dataclasses import replace
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
from ._feeds import SAMPLES_PORT, start_sample_feeds
from ._geocoder import GeocoderPlan, address_lines, geocoder_plan, start_geocoder
from ._identity import _program, ops_token_command
from ._portal import desk_mounts, portal_site
from ._signals import stop_signals
from ._signin import banner_lines, ensure_portal_key, start_signin
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
    parser.add_argument(
        "--geocoder",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="serve the embedded geocoder behind address help"
        " (default: on, unless CITYZEN_GEOCODER_URL is set)",
    )
    parser.add_argument(
        "--geocoder-port", type=int, help="the geocoder's port (default 7074; 0: any free port)"
    )
    parser.add_argument(
        "--feeds-port",
        type=int,
        default=SAMPLES_PORT,
        help="port of the sample news and agenda feeds (default 7075; 0: any free port)",
    )
    parser.add_argument(
        "--signin-port",
        type=int,
        help="the local sign-in provider's port (default 7076; 0: any free port)",
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
    geocoder: str | None = None,
    citizen: tuple[str, str] | None = None,
    feeds: str | None = None,
    ops_token_command: str | None = None,
    signin: list[str] | None = None,
    portal: str | None = None,
    open311_key: str | None = None,
    agent_pages: bool = False,
) -> str:
    """What ``cityzen run`` prints once everything is up (the README quickstart shows it);
    ``citizen``: the sample's (issuer, sub), whom the portal names to list their requests;
    ``ops_token_command``: the command printing a local ops token (local mode only);
    ``portal``: the reference portal's URL, printed first; ``agent_pages``: with the agent desk
    and the KPI dashboard beside it (embedded mode, docs/desk.md)."""
    api = f"{host_url}/api/v1"
    lines = [
        "CityZen connector is running. Ctrl-C stops it.",
        "",
        *([f"  Citizen portal    {portal}  (open it in a browser)"] if portal else []),
        *(
            [f"  Agent desk        {portal}desk", f"  KPI dashboard     {portal}dashboard"]
            if portal and agent_pages
            else []
        ),
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
        "",
        "Then read its status again (citizen_status, its labels and the history) with the same"
        " curl.",
    ]
    if citizen is not None:
        issuer, sub = citizen
        lines += [
            "The citizen's requests, whatever the channel (the portal names the citizen):",
            f"  curl -sS '{api}/citizens/me/requests' -H 'x-functions-key: {function_key}'"
            f" -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub: {sub}'",
            "Everything held about them, as a file downloadable once (RGPD; ready within two"
            " minutes: poll its Location, then fetch its download link):",
            f"  curl -sS -X POST '{api}/citizens/me/data-export' -H 'x-functions-key:"
            f" {function_key}' -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub:"
            f" {sub}'",
            "Their record (contact details, preferences; change it with PATCH and If-Match,"
            " docs/profile.md):",
            f"  curl -sS -i '{api}/citizens/me' -H 'x-functions-key: {function_key}'"
            f" -H 'CityZen-Citizen-Issuer: {issuer}' -H 'CityZen-Citizen-Sub: {sub}'",
        ]
    lines += signin or []
    lines += [
        "",
        "Search procedures and knowledge articles, and type ahead:",
        f"  curl -sS '{api}/search?q=poubelles'",
        f"  curl -sS '{api}/search/suggestions?q=stationnem'",
    ]
    if geocoder:
        lines += address_lines(api, function_key, geocoder)
    lines += [
        "",
        "Read the town's news (newest first) and agenda (upcoming events first):",
        f"  curl -sS '{api}/news?page_size=5'",
        f"  curl -sS '{api}/agenda?category=culture'",
        "",
        "Open data (requests by month, theme, channel and status; small counts withheld):",
        f"  curl -sS '{api}/open-data/requests.csv'",
    ]
    if feeds:
        lines.append(f"(sample feeds of samples/feeds/, served at {feeds}/)")
    if ops_token_command:
        lines += [
            "",
            "Ops API (an Entra ID-shaped token signed by the local key):",
            f"  curl -sS '{api}/ops/queues' -H \"Authorization: Bearer $({ops_token_command})\"",
            "KPIs for agents and ops (the same token):",
            f"  curl -sS '{api}/stats?group_by=sub_theme&period=week'"
            f' -H "Authorization: Bearer $({ops_token_command})"',
        ]
    if open311_key:
        lines += open311_lines(f"{host_url}/api/open311/v2", open311_key)
    if webhooks:
        lines += [
            "",
            f"Webhooks go to the local receiver at {webhooks}: each status change prints a line"
            " starting with 'webhook' (signature verified).",
        ]
    return "\n".join(lines)


def open311_lines(base: str, key: str) -> list[str]:
    """An Open311 GeoReport v2 app's calls (docs/open311.md), with the key issued for this run."""
    return [
        "",
        "Open311 GeoReport v2 apps (FixMyStreet...): services, a request with this run's api key,"
        " then the app's requests and their updates:",
        f"  curl -sS '{base}/services.json'",
        f"  curl -sS '{base}/requests.json' -d 'api_key={key}' -d service_code=voirie.nid_de_poule"
        " -d lat=46.4 -d long=2.6 -d 'attribute[taille]=grand' -d email=camille@example.org",
        f"  curl -sS '{base}/requests.json?api_key={key}'",
        f"  curl -sS '{base}/servicerequestupdates.json?api_key={key}'",
    ]


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
    geocoder = geocoder_plan(args, environ)
    with stop_signals():
        try:
            if external_dataverse(args, environ):
                _serve_external(plan, geocoder)
            else:
                _serve(
                    os.environ,
                    args.emulator_port,
                    plan,
                    geocoder,
                    feeds_port=args.feeds_port,
                    signin_port=getattr(args, "signin_port", None),
                )
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
    env: MutableMapping[str, str],
    emulator_port: int | None,
    plan: ReceiverPlan | None,
    geocoder_plan: GeocoderPlan | None = None,
    *,
    feeds_port: int = SAMPLES_PORT,
    signin_port: int | None = None,
) -> None:
    """Runs until Ctrl-C; raises ``_StartError`` when something cannot start."""
    settings = _settings()
    ensure_portal_key(env, settings)  # the sign-in provider, auth mode both (embedded only)
    port = settings.emulator_port if emulator_port is None else emulator_port
    events = app.Container(settings)  # the emulator's Service Bus: the embedded queue
    try:
        emulator, handle = _start_emulator(settings, port, sink=QueueSink(events.bus))
    except (ServeError, StoreError, OSError) as exc:
        events.close()
        message = f"Dataverse emulator: {exc} (already running? use --emulator-port)"
        raise _StartError(message) from exc
    receiver = geocoder = samples = signin = None
    try:
        env[ENV_PREFIX + "DATAVERSE_URL"] = handle.url
        signin = start_signin(env, signin_port)
        receiver = start_receiver(plan, env)
        geocoder = start_geocoder(geocoder_plan, env, settings.geocoder_sample_dir)
        samples = start_sample_feeds(env, settings.localhost_app_dir, feeds_port)
        settings = load_settings()
        _provision_or_stop(settings)
        print(register_case_events(settings), flush=True)
        _refresh_search(settings)
        _host(
            settings,
            handle.url,
            webhooks=receiver.url if receiver else None,
            geocoder=settings.geocoder_url if geocoder else None,
            feeds=samples.url if samples else None,
        )
    finally:
        if signin is not None:
            signin.stop()
        if samples is not None:
            samples.stop()
        if geocoder is not None:
            geocoder.stop()
        if receiver is not None:
            receiver.stop()
        handle.stop()
        emulator.close()
        events.close()


def _serve_external(plan: ReceiverPlan | None, geocoder_plan: GeocoderPlan | None = None) -> None:
    """The host and the worker on a Dataverse started elsewhere, until Ctrl-C."""
    receiver = start_receiver(plan, os.environ)
    geocoder = None
    try:
        sample_dir = _settings().geocoder_sample_dir
        geocoder = start_geocoder(geocoder_plan, os.environ, sample_dir)
        settings = _settings()
        url = settings.dataverse_url
        print(
            f"Dataverse at {url}: used as it is (no emulator started, nothing seeded)", flush=True
        )
        _provision_or_stop(settings, external=True)
        _host(
            settings,
            settings.dataverse_url,
            webhooks=receiver.url if receiver else None,
            geocoder=settings.geocoder_url if geocoder else None,
        )
    finally:
        if geocoder is not None:
            geocoder.stop()
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


def _refresh_search(settings: Settings) -> None:
    """Cache the seeded knowledge articles now, so that search finds them at once (the timer
    comes every quarter of an hour); a failure is printed, never fatal: search then finds the
    procedures until the timer succeeds."""
    from cityzen_connector.dataverse import DataverseError  # noqa: PLC0415
    from cityzen_connector.store import StoreError  # noqa: PLC0415

    deps = app.Container(settings)
    try:
        report = app.refresh_search(deps, waiting=True)
        print(f"Knowledge articles: {report.summary.count} cached for search", flush=True)
    except (DataverseError, StoreError) as exc:
        print(f"Knowledge articles not cached yet ({type(exc).__name__})", flush=True)
    finally:
        deps.close()


def _host(
    settings: Settings,
    dataverse_url: str,
    *,
    webhooks: str | None = None,
    geocoder: str | None = None,
    feeds: str | None = None,
) -> None:
    """The local Functions host on the embedded queue, until Ctrl-C."""
    from cityzen_connector.localhost import LocalHost, LocalHostError  # noqa: PLC0415

    deps = app.Container(settings)
    bus = deps.bus
    try:
        try:
            config = replace(
                app.localhost_config(settings),
                web=portal_site(settings),
                mounts=desk_mounts(deps),
            )
            host = LocalHost(settings.localhost_app_dir, bus, config)
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
            _first_feeds_refresh(deps)
            # A key for this run's Open311 lines (keys pile up in the local store only).
            key = deps.open311_keys.issue("cityzen run")[0] if settings.open311_enabled else None
            _announce(
                settings,
                host,
                dataverse_url,
                webhooks,
                geocoder=geocoder,
                feeds=feeds,
                open311_key=key,
            )
            # Timed waits: a signal caught by a server thread is only handled when the main
            # thread next runs Python code, which an untimed wait would never do.
            while not host.wait(0.25):
                pass
        finally:
            host.stop()
    finally:
        deps.close()


def _first_feeds_refresh(deps: app.Container) -> None:
    """News and agenda at once, rather than at the timer's first occurrence."""
    if deps.feeds_config.sources:
        print(f"News and agenda: {app.refresh_feeds(deps).line()}", flush=True)


def _announce(
    settings: Settings,
    host: Any,
    dataverse_url: str,
    webhooks: str | None,
    *,
    geocoder: str | None = None,
    feeds: str | None = None,
    open311_key: str | None = None,
) -> None:
    submission_id = uuid.uuid4()
    sample = settings.data_dir / SAMPLE_FILE
    request = sample_request(submission_id)
    body = json.dumps(request, ensure_ascii=False, indent=2) + "\n"
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
        geocoder=geocoder,
        citizen=(request["citizen"]["issuer"], request["citizen"]["sub"]),
        feeds=feeds,
        ops_token_command=ops_token_command(settings),
        signin=banner_lines(settings, f"{host.url}/api/v1", _program()),
        portal=f"{host.url}/" if host.config.web is not None else None,
        open311_key=open311_key,
        # The pages sign agents in at the local provider and call the mounted desk API.
        agent_pages=bool(host.config.mounts) and settings.signin_provider,
    )
    print(text, flush=True)


def _run(args: argparse.Namespace) -> int:
    return run(args)

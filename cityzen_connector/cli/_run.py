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
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cityzen_connector.settings import ENV_PREFIX

from ._errors import _StartError
from ._feeds import SAMPLES_PORT
from ._geocoder import geocoder_plan
from ._run_banner import SAMPLE_FILE, agent_commands, banner, open311_lines, sample_request
from ._run_stack import _provision_or_stop, _serve, _serve_external, _start_emulator
from ._signals import stop_signals
from ._webhooks import receiver_plan

# The banner and the services live apart (``_run_banner``, ``_run_stack``); their names stay
# importable from here, where the tests have always found them.
__all__ = [
    "SAMPLE_FILE",
    "_provision_or_stop",
    "_start_emulator",
    "agent_commands",
    "banner",
    "external_dataverse",
    "local_environment",
    "open311_lines",
    "register",
    "run",
    "sample_request",
]


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


def _run(args: argparse.Namespace) -> int:
    return run(args)

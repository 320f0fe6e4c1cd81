# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen webhooks receive``: a local receiver that verifies and prints each webhook.

Its secrets: ``--secret`` (repeatable), else ``CITYZEN_WEBHOOK_SECRETS``, else the local mode's
published secret, the one ``cityzen run`` signs with. It needs the ``standardwebhooks``
package (the dev extra, which ``make run`` installs): the receiver verifies as the portal's
developers are shown to (docs/webhooks.md), not with the connector's own signing code.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cityzen_connector.cases import parse_secrets
from cityzen_connector.settings import ENV_PREFIX, LOCAL_WEBHOOK_SECRET

from ._common import settings as load_settings
from ._errors import _StartError

if TYPE_CHECKING:
    from ._webhook_receiver import ReceiverServer, WebhookReceiver
from ._signals import stop_signals

DEFAULT_PORT = 7073
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    group = subparsers.add_parser("webhooks", help="webhooks to the portal")
    actions = group.add_subparsers(dest="webhooks_command", metavar="ACTION", required=True)
    receive = actions.add_parser(
        "receive", help="a local receiver: verify each webhook's signature and print it"
    )
    receive.add_argument("--host", default="127.0.0.1", help="listen address (127.0.0.1)")
    receive.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"listen port ({DEFAULT_PORT}; 0: any)"
    )
    receive.add_argument(
        "--secret",
        action="append",
        dest="secrets",
        metavar="WHSEC",
        help="whsec_… secret to verify with (repeatable; default: CITYZEN_WEBHOOK_SECRETS,"
        " else the local mode's secret)",
    )
    receive.set_defaults(func=_receive)


def receiver_secrets(given: list[str] | None) -> tuple[list[str], str]:
    """The secrets to verify with, and where they came from (``ValueError`` on a bad one)."""
    if given:
        secrets, origin = given, "--secret"
    else:
        configured = load_settings().webhook_secrets.get_secret_value()
        if configured.strip():
            secrets = configured.replace(",", " ").split()
            origin = "CITYZEN_WEBHOOK_SECRETS"
        else:
            secrets, origin = [LOCAL_WEBHOOK_SECRET], f"the local secret {LOCAL_WEBHOOK_SECRET}"
    parse_secrets(",".join(secrets))  # the format the connector signs with, named by position
    return secrets, origin


def make_receiver(secrets: list[str], *, echo: Any = print) -> WebhookReceiver | None:
    """A ``WebhookReceiver``, or ``None`` when ``standardwebhooks`` is not installed."""
    try:
        from ._webhook_receiver import WebhookReceiver  # noqa: PLC0415

        return WebhookReceiver(secrets, echo=lambda line: echo(line, flush=True))
    except ModuleNotFoundError:
        return None


@dataclass(frozen=True)
class ReceiverPlan:
    """Where to start the local webhook receiver; ``explicit``: asked for, so a port in use
    stops ``cityzen run`` (a default port in use only turns webhooks off)."""

    port: int
    explicit: bool


def receiver_plan(
    args: argparse.Namespace, environ: Mapping[str, str], *, external: bool
) -> ReceiverPlan | None:
    """Whether ``cityzen run`` starts the webhook receiver, and on which port: by default with
    the embedded emulator (not ``external``), unless the environment names webhook URLs."""
    wanted = getattr(args, "webhook_receiver", None)
    port = getattr(args, "webhook_port", None)
    if wanted is False:
        return None
    configured = ENV_PREFIX + "WEBHOOK_URLS" in environ
    if wanted is None and (external or configured):
        return None
    return ReceiverPlan(
        DEFAULT_PORT if port is None else port, explicit=bool(wanted) or port is not None
    )


def start_receiver(
    plan: ReceiverPlan | None, env: MutableMapping[str, str]
) -> ReceiverServer | None:
    """The local webhook receiver, and the settings that send webhooks to it; ``None`` when
    not wanted, or (default port) when it cannot start."""
    if plan is None:
        return None
    from ._webhook_receiver import serve_receiver  # noqa: PLC0415

    secrets = env.get(ENV_PREFIX + "WEBHOOK_SECRETS") or LOCAL_WEBHOOK_SECRET
    try:
        parse_secrets(secrets)
    except ValueError as exc:  # named by position and rule, never by value
        receiver, why = None, f"CITYZEN_WEBHOOK_SECRETS: {exc}"
    else:
        receiver = make_receiver(secrets.replace(",", " ").split())
        why = "needs the standardwebhooks package (pip install -e '.[dev]')"
    server = None
    if receiver is not None:
        try:
            server = serve_receiver(receiver, "127.0.0.1", plan.port)
        except OSError as exc:
            why = f"cannot listen on 127.0.0.1:{plan.port}: {exc.strerror or exc}"
    if server is None:
        if plan.explicit:
            raise _StartError(f"webhook receiver: {why} (use --webhook-port)")
        print(f"webhook receiver not started ({why}): webhooks off", flush=True)
        return None
    env[ENV_PREFIX + "WEBHOOK_URLS"] = server.url
    env[ENV_PREFIX + "WEBHOOK_SECRETS"] = secrets
    return server


def _receive(args: argparse.Namespace) -> int:
    from ._webhook_receiver import serve_receiver  # noqa: PLC0415

    try:
        secrets, origin = receiver_secrets(args.secrets)
    except ValueError as exc:
        print(f"cityzen webhooks receive: {exc}", file=sys.stderr)
        return EXIT_USAGE
    receiver = make_receiver(secrets)
    if receiver is None:
        print(
            "cityzen webhooks receive: needs the standardwebhooks package"
            " (pip install -e '.[dev]', as make run does)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        server = serve_receiver(receiver, args.host, args.port)
    except OSError as exc:
        print(
            f"cityzen webhooks receive: cannot listen on {args.host}:{args.port}:"
            f" {exc.strerror or exc}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"Receiving webhooks on {server.url} (verifying with {origin}). Ctrl-C stops.")
    print(f"  CITYZEN_WEBHOOK_URLS={server.url}", flush=True)
    with stop_signals():
        try:
            while server.thread.is_alive():
                time.sleep(0.25)  # timed: a signal is handled when this thread runs Python
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
    print("cityzen webhooks receive: stopped", flush=True)
    return 0

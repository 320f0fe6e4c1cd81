# ruff: noqa: T201 - a CLI module: printing is its job
"""The local sign-in provider in the CLI: ``cityzen run`` serves it (embedded mode only) and
``cityzen identity login`` signs in against it without a browser, printing an access token.

``cityzen run`` sets ``CITYZEN_SIGNIN_PROVIDER=true`` and ``CITYZEN_AUTH_MODE=both`` (unless the
environment names a mode), and ``CITYZEN_API_PORTAL_KEY`` to the local host's function key, so
the printed ``x-functions-key`` curl lines keep working on the routes that bearer mode makes
anonymous. Account confirmation links are printed (no mail leaves the machine); they carry a
one-time token, never the address.
"""

from __future__ import annotations

import argparse
import getpass
import shlex
import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any, TextIO

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.settings import ENV_PREFIX, Settings

from ._common import settings as load_settings
from ._errors import _StartError

DEFAULT_PORT = 7076
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def add_login(commands: argparse._SubParsersAction[Any]) -> None:
    login = commands.add_parser(
        "login",
        help="local mode: sign in at the local sign-in provider and print an access token",
    )
    who = login.add_mutually_exclusive_group(required=True)
    who.add_argument("--identity", help="a sandbox identity (FranceConnect-shaped): angela, …")
    who.add_argument("--email", help="a confirmed portal account (password read from stdin)")
    who.add_argument(
        "--agent", help="an emulator agent (agnes.martin, …): a token for the desk and the stats"
    )
    login.add_argument("--id-token", action="store_true", help="print the ID token instead")
    login.set_defaults(func=_run_login)


def login(
    settings: Settings, args: argparse.Namespace, password: str, out: TextIO, err: TextIO
) -> int:
    """0 and the token on ``out``; 1 when the sign-in fails; 2 for a bad argument."""
    from cityzen_connector.signin import IDENTITIES, LoginError, issuer_urls  # noqa: PLC0415
    from cityzen_connector.signin import login as sign_in  # noqa: PLC0415

    base = configured.signin_url(settings)
    if args.identity is not None and args.identity not in IDENTITIES:
        err.write(f"--identity must be one of: {', '.join(IDENTITIES)}\n")
        return 2
    agent = getattr(args, "agent", None)
    agents = configured.signin_agent_logins()
    if agent is not None and agent not in agents:
        err.write(f"--agent must be one of: {', '.join(agents)}\n")
        return 2
    urls = issuer_urls(base)
    which = urls["agents"] if agent else urls["franceconnect" if args.identity else "external"]
    try:
        tokens = sign_in(
            which,
            redirect_uri=f"{base}/cli/callback",
            identity=args.identity,
            email=args.email,
            password=password,
            agent=agent,
        )
    except LoginError as exc:
        err.write(f"sign-in failed: {exc} (is `cityzen run` running?)\n")
        return 1
    out.write(tokens["id_token" if args.id_token else "access_token"] + "\n")
    return 0


def _run_login(args: argparse.Namespace) -> int:
    password = ""
    if args.email is not None:
        password = getpass.getpass("Mot de passe : ") if sys.stdin.isatty() else sys.stdin.read()
    return login(load_settings(), args, password.rstrip("\n"), sys.stdout, sys.stderr)


class _Deferred:
    """A WSGI app whose target is set once the port is known (``--signin-port 0``)."""

    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        if self.target is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting"]
        return self.target(environ, start_response)


def signin_environment(env: MutableMapping[str, str], function_key: str) -> None:
    """What ``cityzen run`` sets for the provider (what the environment names is kept)."""
    env.setdefault(ENV_PREFIX + "SIGNIN_PROVIDER", "true")
    env.setdefault(ENV_PREFIX + "AUTH_MODE", "both")
    env.setdefault(ENV_PREFIX + "API_PORTAL_KEY", function_key)


def start_signin(env: MutableMapping[str, str], port: int | None) -> Any:
    """Serve the provider; its port lands in ``CITYZEN_SIGNIN_PORT``. ``None`` when the
    settings do not ask for it."""
    from cityzen_connector.emulator import ServeError, serve  # noqa: PLC0415

    settings = load_settings()
    if not settings.signin_provider:
        return None
    wanted = settings.signin_port if port is None else port
    deferred = _Deferred()
    try:
        handle = serve(deferred, "127.0.0.1", wanted, threads=4)
    except (ServeError, OSError) as exc:
        raise _StartError(
            f"local sign-in provider: cannot listen on 127.0.0.1:{wanted} ({exc});"
            f" use --signin-port or {ENV_PREFIX}SIGNIN_PORT"
        ) from exc
    env[ENV_PREFIX + "SIGNIN_PORT"] = handle.url.rsplit(":", 1)[1].rstrip("/")
    lock = threading.Lock()

    def outbox(link: str) -> None:
        with lock:  # whole lines, from the provider's worker threads
            print(f"signin: confirmation link (no mail is sent): {link}", flush=True)

    deferred.target = configured.signin_app(load_settings(), outbox=outbox, clock=time.time)
    return handle


def banner_lines(settings: Settings, api: str, program: str = "cityzen") -> list[str]:
    """The banner's lines for the provider: where it is, and how to get a token for curl."""
    if not settings.signin_provider:
        return []
    from cityzen_connector.signin import issuer_urls  # noqa: PLC0415

    urls = issuer_urls(configured.signin_url(settings))
    login_cmd = f"{shlex.quote(program)} identity login --identity angela"
    if settings.signin_port != DEFAULT_PORT:
        login_cmd = f"{ENV_PREFIX}SIGNIN_PORT={settings.signin_port} {login_cmd}"
    if settings.auth_mode == "function_key":
        return [
            "",
            f"Local sign-in provider at {urls['franceconnect']}/: its tokens are not accepted"
            f" ({ENV_PREFIX}AUTH_MODE is function_key)",
        ]
    lines = [
        "",
        f"Local sign-in provider (OpenID Connect, auth mode {settings.auth_mode}):",
        f"  FranceConnect-shaped test identities  {urls['franceconnect']}/",
        f"  portal accounts (sign up, confirm)    {urls['external']}/signup",
        "Get a citizen's access token, then list their requests:",
        f"  curl -sS '{api}/citizens/me/requests' -H \"Authorization: Bearer $({login_cmd})\"",
    ]
    if configured.uses_local_ops_key(settings):  # the agents' issuer is trusted (docs/desk.md)
        agent_cmd = login_cmd.replace("--identity angela", "--agent bruno.lefevre")
        lines += [
            f"Get an agent's access token ({urls['agents']}), then read the KPIs:",
            f"  curl -sS '{api}/stats?period=week' -H \"Authorization: Bearer $({agent_cmd})\"",
        ]
    return lines


def ensure_portal_key(env: MutableMapping[str, str], settings: Settings) -> None:
    """Bearer modes make the portal routes anonymous to the host: the portal back end then
    proves itself with ``CITYZEN_API_PORTAL_KEY``; locally, the host's own function key."""
    from cityzen_connector.localhost import load_or_create_keys  # noqa: PLC0415

    key_file = app.localhost_config(settings).key_file
    signin_environment(env, load_or_create_keys(key_file).function_key)

"""``cityzen identity``: check the configured identity providers; verify a token by hand; in
local mode, print an ops token for ``/api/v1/ops``.

``check`` and ``verify`` print no claim value and no token (RGPD): only issuers, key ids, reason
codes, and the *names* of the claims a token carries and which of them are certified.
``ops-token`` prints a token on purpose, as ``az account get-access-token`` does, for the local
key alone (local mode without ``CITYZEN_OPS_TENANT_ID``): it names a fixed local agent, no
person, and no deployment trusts it.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

import requests

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector.app import _identity as configured
from cityzen_connector.app import env_name
from cityzen_connector.identity import (
    FetchJson,
    HttpJwksSource,
    IdentityConfigError,
    InvalidToken,
    JwksSource,
    KeysUnavailable,
    requests_fetcher,
)
from cityzen_connector.settings import Settings

from ._common import settings as load_settings
from ._signin import add_login


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("identity", help="who may call the API: check and verify")
    commands = parser.add_subparsers(dest="identity_command", metavar="SUBCOMMAND", required=True)
    check = commands.add_parser("check", help="fetch each configured provider's signing keys")
    check.set_defaults(func=_run_check)
    verify = commands.add_parser(
        "verify", help="verify a bearer token read from stdin (prints no claim values)"
    )
    verify.set_defaults(func=_run_verify)
    ops = commands.add_parser(
        "ops-token",
        help="local mode: print an ops access token for /api/v1/ops (signed by the local key)",
    )
    ops.add_argument(
        "--role",
        action="append",
        dest="roles",
        metavar="ROLE",
        help="app role to put in the token (default: CITYZEN_OPS_ROLE; repeat for several)",
    )
    ops.add_argument("--no-role", action="store_true", help="no app role (to see the 403)")
    ops.add_argument("--oid", help="the agent's object id, a GUID (default: the fixed local agent)")
    ops.add_argument(
        "--minutes", type=int, default=60, help="lifetime in minutes, 1 to 1440 (default 60)"
    )
    ops.set_defaults(func=_run_ops_token)
    add_login(commands)


def check_providers(settings: Settings, fetch: FetchJson, clock: WallClock, out: TextIO) -> int:
    """0 when every configured provider's keys can be fetched (the ops tenant's too); 1
    otherwise; 2 if misconfigured."""
    try:
        configs = configured.issuers(settings)
        ops = configured.ops_issuers(settings) if settings.ops_tenant_id else ()
    except IdentityConfigError as exc:
        out.write(f"configuration error: {exc}\n")
        return 2
    out.write(f"auth mode: {settings.auth_mode}\n")
    if not configs:
        out.write("no identity provider configured: only function keys are accepted\n")
        if settings.auth_mode != "function_key":
            return 2
    sources: list[tuple[str, str, JwksSource]] = []
    try:
        for config in configs:
            citizen_keys = configured.jwks_source(settings, config, fetch, clock)
            sources.append((config.kind, config.issuer, citizen_keys))
        for issuer in ops:
            url = issuer.config.issuer
            ops_keys = HttpJwksSource(fetch, clock=clock, issuer=url, jwks_uri=issuer.jwks_uri)
            sources.append(("ops", url, ops_keys))
    except IdentityConfigError as exc:
        out.write(f"configuration error: {exc}\n")
        return 2
    if configured.uses_local_ops_key(settings):
        out.write("ops    the local key (cityzen identity ops-token)\n")
    status = 0
    for kind, issuer_url, source in sources:
        try:
            keys = source.get_keys()
        except (KeysUnavailable, IdentityConfigError) as exc:
            out.write(f"FAILED {kind} {issuer_url}: {exc}\n")
            status = 1
            continue
        kids = ", ".join(str(k.get("kid", "?")) for k in keys.keys) or "none"
        out.write(f"ok     {kind} {issuer_url}: {len(keys.keys)} keys ({kids})\n")
        if not keys.keys:
            status = 1
    return status


def verify_token(
    settings: Settings, token: str, fetch: FetchJson, clock: WallClock, out: TextIO
) -> int:
    """0 accepted, 1 refused or keys unavailable, 2 misconfigured."""
    if settings.auth_mode == "function_key":
        out.write("auth mode is function_key: bearer tokens are not accepted\n")
        return 2
    try:
        authenticator = configured.authenticator(settings, fetch, clock)
    except IdentityConfigError as exc:
        out.write(f"configuration error: {exc}\n")
        return 2
    try:
        identity = authenticator.authenticate(token.strip())
    except InvalidToken as exc:
        out.write(f"refused ({exc.http_status}): {exc}\n")
        return 1
    except KeysUnavailable as exc:
        out.write(f"keys unavailable (503): {exc}\n")
        return 1
    out.write(f"accepted: {identity.kind} from {identity.issuer}\n")
    out.write(f"scopes: {' '.join(sorted(identity.scopes)) or '-'}\n")
    out.write(f"roles: {' '.join(sorted(identity.roles)) or '-'}\n")
    if identity.citizen is not None:
        out.write(f"claims present: {' '.join(sorted(identity.citizen.present())) or '-'}\n")
        out.write(f"certified: {' '.join(sorted(identity.citizen.certified)) or '-'}\n")
        out.write(f"eIDAS level (acr): {identity.citizen.acr or '-'}\n")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    fetch = requests_fetcher(requests.Session())
    return check_providers(load_settings(), fetch, utc_now, sys.stdout)


def _run_verify(args: argparse.Namespace) -> int:
    fetch = requests_fetcher(requests.Session())
    return verify_token(load_settings(), sys.stdin.read(), fetch, utc_now, sys.stdout)


_GUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def ops_token(settings: Settings, args: argparse.Namespace, now: float, out: TextIO) -> int:
    """0 and the token on ``out``; 2 when this deployment's ops tokens come from Entra ID."""
    if not configured.uses_local_ops_key(settings):
        where = (
            f"{env_name('ops_tenant_id')} is set"
            if settings.ops_tenant_id
            else "this is not local mode"
        )
        out.write(
            f"{where}: ops tokens come from Entra ID, e.g.\n"
            "  az account get-access-token --scope api://<your API's client id>/.default"
            " --query accessToken -o tsv\n"
        )
        return 2
    if args.oid is not None and not _GUID.fullmatch(args.oid):
        out.write("--oid must be an object id (a GUID)\n")
        return 2
    if not 1 <= args.minutes <= 1440:
        out.write("--minutes must be between 1 and 1440\n")
        return 2
    roles = () if args.no_role else tuple(args.roles) if args.roles else None
    token = configured.mint_local_ops_token(
        settings, now=now, roles=roles, object_id=args.oid, lifetime_seconds=args.minutes * 60
    )
    out.write(token + "\n")
    return 0


def _run_ops_token(args: argparse.Namespace) -> int:
    try:
        return ops_token(load_settings(), args, utc_now().timestamp(), sys.stdout)
    except IdentityConfigError as exc:  # an unreadable key file: named, never quoted
        print(f"error: {exc}", file=sys.stderr)  # noqa: T201
        return 1


def ops_token_command(settings: Settings, program: str = "") -> str | None:
    """How to print a local ops token for this run (``None`` when ops tokens come from Entra
    ID): this very ``cityzen``, with the data folder when it is not the default one."""
    if not configured.uses_local_ops_key(settings):
        return None
    command = f"{shlex.quote(program or _program())} identity ops-token"
    if settings.data_dir != Path(".cityzen"):
        command = f"CITYZEN_DATA_DIR={shlex.quote(str(settings.data_dir))} {command}"
    return command


def _program() -> str:
    argv0 = Path(sys.argv[0])
    return str(argv0) if argv0.name == "cityzen" else "cityzen"

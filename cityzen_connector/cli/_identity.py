"""``cityzen identity``: check the configured identity providers; verify a token by hand.

Both commands print no claim value and no token (RGPD): only issuers, key ids, reason codes,
and the *names* of the claims a token carries and which of them are certified.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

import requests

from cityzen_connector._clock import WallClock, utc_now
from cityzen_connector.app import _identity as configured
from cityzen_connector.identity import (
    FetchJson,
    IdentityConfigError,
    InvalidToken,
    KeysUnavailable,
    requests_fetcher,
)
from cityzen_connector.settings import Settings

from ._common import settings as load_settings


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("identity", help="who may call the API: check and verify")
    commands = parser.add_subparsers(dest="identity_command", metavar="SUBCOMMAND", required=True)
    check = commands.add_parser("check", help="fetch each configured provider's signing keys")
    check.set_defaults(func=_run_check)
    verify = commands.add_parser(
        "verify", help="verify a bearer token read from stdin (prints no claim values)"
    )
    verify.set_defaults(func=_run_verify)


def check_providers(settings: Settings, fetch: FetchJson, clock: WallClock, out: TextIO) -> int:
    """0 when every configured provider's keys can be fetched; 1 otherwise; 2 if misconfigured."""
    try:
        configs = configured.issuers(settings)
    except IdentityConfigError as exc:
        out.write(f"configuration error: {exc}\n")
        return 2
    out.write(f"auth mode: {settings.auth_mode}\n")
    if not configs:
        out.write("no identity provider configured: only function keys are accepted\n")
        return 0 if settings.auth_mode == "function_key" else 2
    status = 0
    for config in configs:
        try:
            keys = configured.jwks_source(settings, config, fetch, clock).get_keys()
        except (KeysUnavailable, IdentityConfigError) as exc:
            out.write(f"FAILED {config.kind} {config.issuer}: {exc}\n")
            status = 1
            continue
        kids = ", ".join(str(k.get("kid", "?")) for k in keys.keys) or "none"
        out.write(f"ok     {config.kind} {config.issuer}: {len(keys.keys)} keys ({kids})\n")
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

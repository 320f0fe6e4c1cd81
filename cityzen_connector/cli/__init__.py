"""The ``cityzen`` command: one module per group (run, emulator, queue, dataverse, sync,
identity, cases, webhooks, search, feeds, agents, open311), each exposing ``register``; this
module only assembles them.

Every command reads its configuration through ``_common`` (``app.load_settings`` and
``app.check``); a bad configuration is printed by ``main`` alone, one line per problem naming
the variable and the rule, never its value, with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cityzen_connector.app import ConfigurationError

from . import (
    _agents,
    _cases,
    _dataverse,
    _emulator,
    _feeds,
    _identity,
    _open311,
    _queue,
    _run,
    _search,
    _sync,
    _webhooks,
)

__all__ = ["EXIT_CONFIGURATION", "build_parser", "main"]

EXIT_CONFIGURATION = 2
_GROUPS = (
    _run,
    _emulator,
    _identity,
    _queue,
    _dataverse,
    _sync,
    _cases,
    _webhooks,
    _search,
    _feeds,
    _agents,
    _open311,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityzen", description="CityZen connector: citizen portal ↔ Dynamics 365."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for group in _GROUPS:
        group.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigurationError as exc:
        print(f"cityzen: {exc}", file=sys.stderr)  # noqa: T201 - names and rules, no values
        return EXIT_CONFIGURATION
    return code

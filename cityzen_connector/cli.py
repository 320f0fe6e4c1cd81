"""The ``cityzen`` command.

Each command group lives in its own small module exposing ``register(subparsers)``; this
module only assembles them, so groups stay independent.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Command groups, by module. Each module defines ``register(subparsers) -> None`` and sets
# ``func`` on its parsers; ``func(args) -> int`` is the exit code.
_GROUPS: tuple[str, ...] = (
    "cityzen_connector._cli_run",
    "cityzen_connector._cli_emulator",
    "cityzen_connector.identity._cli",
    "cityzen_connector._cli_queue",
    "cityzen_connector._cli_dataverse",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cityzen", description="CityZen connector: citizen portal ↔ Dynamics 365."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _GROUPS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``cityzen run``: the main job on embedded defaults (what ``make run`` calls)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser("run", help="run the connector locally on embedded defaults")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    print("cityzen run: the local host is not built yet (see the open issues).")  # noqa: T201
    return 1

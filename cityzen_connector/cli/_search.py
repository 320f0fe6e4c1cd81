# ruff: noqa: T201 - a CLI module: printing is its job
"""``cityzen search refresh``: read the published knowledge articles from Dataverse into the
state store now, as the ``refresh_search`` timer does every quarter of an hour; every
instance's search index follows within ``CITYZEN_SEARCH_RELOAD_SECONDS``.

``cityzen search query TEXT``: the answer ``GET /api/v1/search`` would give, printed (titles and
ids only), to check what a search finds from the command line. Neither counts as a popular
search.
"""

from __future__ import annotations

import argparse
from typing import Any

from cityzen_connector.dataverse import DataverseError
from cityzen_connector.mapping import MappingError
from cityzen_connector.store import StoreError

from ._common import container, fail

_ERRORS = (DataverseError, MappingError, StoreError, OSError)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    search = subparsers.add_parser("search", help="the portal's procedure and knowledge search")
    actions = search.add_subparsers(dest="search_command", metavar="ACTION", required=True)
    refresh = actions.add_parser("refresh", help="cache the published knowledge articles now")
    refresh.set_defaults(func=_refresh)
    query = actions.add_parser("query", help="print what a search finds (titles and ids)")
    query.add_argument("text", help="the words searched")
    query.add_argument("--limit", type=int, default=10, choices=range(1, 51), metavar="1-50")
    query.set_defaults(func=_query)


def _refresh(_args: argparse.Namespace) -> int:
    from cityzen_connector import app  # noqa: PLC0415

    deps = container()
    try:
        report = app.refresh_search(deps, waiting=True)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    print(
        f"knowledge articles cached for search: {report.summary.count}"
        f" ({report.written} written, {report.deleted} deleted)"
    )
    return 0


def _query(args: argparse.Namespace) -> int:
    from cityzen_connector.portal import SearchService  # noqa: PLC0415

    deps = container()
    try:
        service: SearchService = deps.search
        index = service.index()
        total, hits, _ = index.search(args.text, offset=0, limit=args.limit)
    except _ERRORS as exc:
        return fail(exc)
    finally:
        deps.close()
    print(f"{total} result(s)")
    for hit in hits:
        print(f"  {hit.document.kind:<9} {hit.document.key:<40} {hit.document.title}")
    return 0

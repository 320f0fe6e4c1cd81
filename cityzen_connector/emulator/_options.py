"""Query options that ask for another kind of query than OData's ``$filter``/``$select``: the one
dispatch point where the emulator recognises them.

Dataverse serves a collection ``GET`` with ``fetchXml=`` ("Use FetchXml with Web API"),
``savedQuery=``/``userQuery=`` ("Retrieve and execute predefined queries"), ``sql=`` ("Use SQL
to query data", preview) and ``$apply=`` ("Aggregate data using OData"). Each is either served
by the handler this table names (``fetchXml``: ``_fetchrun``), or refused loudly: never
ignored, which would answer the whole table instead. The router asks this table first, for
every collection ``GET`` of an entity set; a module that emulates another one replaces its
entry.

Other options without ``$`` are custom query options (OData URL conventions, 5.2): Dataverse
ignores them (``tag=`` only reaches plug-ins: "Compose HTTP requests and handle errors", Add
a shared variable from the Web API), so does the emulator. Parameter aliases (``@p1``) are
read by ``$filter``.
"""

from __future__ import annotations

from collections.abc import Callable

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._fetchrun import handle_fetch_xml
from cityzen_connector.emulator._http import Request, Response
from cityzen_connector.emulator._schema import Entity

Handler = Callable[[HandlerContext, Entity, Request], Response]


def _refuse(option: str, page: str) -> Handler:
    def refuse(context: HandlerContext, entity: Entity, req: Request) -> Response:
        raise err.not_emulated(f"the {option} query option", page)

    return refuse


_LEARN = "https://learn.microsoft.com/power-apps/developer/data-platform/webapi/"
QUERY_OPTIONS: dict[str, Handler] = {
    # "Use FetchXml to query data" (Microsoft Learn, …/data-platform/fetchxml/overview).
    "fetchXml": handle_fetch_xml,
    "savedQuery": _refuse(
        "savedQuery",
        f"Retrieve and execute predefined queries, {_LEARN}retrieve-and-execute-predefined-queries",
    ),
    "userQuery": _refuse(
        "userQuery",
        f"Retrieve and execute predefined queries, {_LEARN}retrieve-and-execute-predefined-queries",
    ),
    "sql": _refuse("sql", f"Use SQL to query data by using the Web API, {_LEARN}query/sql"),
    "$apply": _refuse("$apply", f"Aggregate data using OData, {_LEARN}query/aggregate-data"),
}


def query_option_handler(query: dict[str, str]) -> Handler | None:
    """The handler of the first such option in the request, if any."""
    for name in query:
        if name in QUERY_OPTIONS:
            return QUERY_OPTIONS[name]
    return None


def refuse_on_single_row(query: dict[str, str]) -> None:
    """On one row, none of them means anything: refuse rather than ignore."""
    for name in query:
        if name in QUERY_OPTIONS:
            raise err.query_error(f"The query option {name} applies to collections only.")

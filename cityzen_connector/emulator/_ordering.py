"""``$orderby``: terms compiled to an SQL ORDER BY; text sorts under the organisation's collation
("Language collations": the collation affects sorting; ``_collation``)."""

from __future__ import annotations

import re
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._filter import Path
from cityzen_connector.emulator._sql import FilterCompiler

# "Order rows using OData" (Microsoft Learn, power-apps/developer/data-platform/webapi/query/
# order-rows) documents no limit on $orderby terms, nor Dataverse's reply past one. The store's
# SQLite sorts by at most 2,000 terms (SQLITE_MAX_COLUMN, "Limits In SQLite"): the emulator
# refuses longer lists loudly, as an OData URI error (0x80060888, _error_catalogue.query_error),
# well below that bound and far above what a client sorts by.
MAX_ORDERBY_TERMS = 100
_ORDER_RE = re.compile(r"^\s*([A-Za-z_][\w/]*)(?:\s+(asc|desc))?\s*$")


def order_by(compiler: FilterCompiler, raw: str | None) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    items = [item for item in (raw or "").split(",") if item.strip()]
    if len(items) > MAX_ORDERBY_TERMS:
        raise err.query_error(f"The $orderby expression has more than {MAX_ORDERBY_TERMS} terms.")
    for item in items:
        match = _ORDER_RE.match(item)
        if match is None:
            raise err.syntax_error(0, raw or "")
        col = compiler.column(Path(tuple(match.group(1).split("/"))))
        params.extend(col.params)
        direction = "DESC" if match.group(2) == "desc" else "ASC"
        parts.append(f"{col.collated} {direction}")
    parts.append("r.id ASC")
    return ", ".join(parts), params

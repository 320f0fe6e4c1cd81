"""Open data: requests counted by month, theme, sub-theme, channel and status, with no cell
small enough to single anyone out (docs/kpis.md, "Open data"; docs/open-data/schema.json).

Columns (Table Schema, snake_case French names as on schema.data.gouv.fr): ``mois`` (YYYY-MM),
``theme``, ``sous_theme``, ``canal``, ``statut`` (a citizen-facing status code, or ``ensemble``
for the group's total), ``nombre_demandes``, ``delai_median_jours`` (median days from receipt to
resolution, nearest rank), ``secret`` (true when the row's figures are withheld).

Suppression, as statistical offices do for small cells (INSEE, CNIL's guidance on aggregates):

1. **primary**: a count from 1 to ``threshold − 1`` is withheld (blank in CSV, null in JSON);
2. **complementary**: each group (month, theme, sub-theme, channel) publishes its total
   (``statut = ensemble``). Within a group, the withheld cells must add up to at least
   ``threshold``, else "total − visible cells" would give back a small count: the smallest
   visible cells are withheld too until they do; a total itself below the threshold is withheld
   with every cell of its group.

No other margin is published, so no other difference recomputes a withheld cell. Only codes
from our own mappings appear (theme codes, channel names, status codes): never free text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ._kpi_facts import Fact
from ._kpis import percentile

__all__ = ["COLUMNS", "TOTAL", "OpenDataRow", "open_data_csv", "open_data_json", "open_data_rows"]

COLUMNS = (
    "mois",
    "theme",
    "sous_theme",
    "canal",
    "statut",
    "nombre_demandes",
    "delai_median_jours",
    "secret",
)
TOTAL = "ensemble"
_DAY = 86400.0


@dataclass(frozen=True)
class OpenDataRow:
    mois: str
    theme: str
    sous_theme: str
    canal: str
    statut: str
    nombre_demandes: int | None
    delai_median_jours: float | None
    secret: bool

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in COLUMNS)


@dataclass
class _Cell:
    count: int = 0
    durations: list[float] | None = None
    secret: bool = False

    def median(self) -> float | None:
        if not self.durations:
            return None
        self.durations.sort()
        found = percentile(self.durations, 50)
        return None if found is None else round(found, 1)


def open_data_rows(facts: Iterable[Fact], *, threshold: int) -> list[OpenDataRow]:
    groups: dict[tuple[str, str, str, str], dict[str, _Cell]] = {}
    for fact in facts:
        month = f"{fact.received.year:04d}-{fact.received.month:02d}"
        cells = groups.setdefault((month, fact.theme, fact.sub_theme, fact.channel), {})
        for status in (fact.status, TOTAL):
            cell = cells.setdefault(status, _Cell(durations=[]))
            cell.count += 1
            if fact.resolved is not None and cell.durations is not None:
                took = (fact.resolved - fact.received).total_seconds() / _DAY
                cell.durations.append(max(0.0, took))
    rows: list[OpenDataRow] = []
    for key, cells in sorted(groups.items()):
        _suppress(cells, threshold)
        for status in sorted(cells, key=lambda s: (s == TOTAL, s)):
            cell = cells[status]
            rows.append(
                OpenDataRow(
                    *key,
                    statut=status,
                    nombre_demandes=None if cell.secret else cell.count,
                    delai_median_jours=None if cell.secret else cell.median(),
                    secret=cell.secret,
                )
            )
    return rows


def _suppress(cells: dict[str, _Cell], threshold: int) -> None:
    total = cells[TOTAL]
    details = [cell for status, cell in cells.items() if status != TOTAL]
    if total.count < threshold:
        for cell in cells.values():
            cell.secret = True
        return
    for cell in details:
        cell.secret = cell.count < threshold
    hidden = sum(cell.count for cell in details if cell.secret)
    visible = sorted((c for c in details if not c.secret), key=lambda c: c.count)
    while 0 < hidden < threshold and visible:
        cell = visible.pop(0)
        cell.secret = True
        hidden += cell.count


def open_data_csv(rows: list[OpenDataRow]) -> bytes:
    """RFC 4180 CSV, comma-separated, UTF-8 without BOM, decimal point, CRLF line ends (as
    data.gouv.fr's schema guide recommends); a withheld figure is an empty field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(
            ""
            if value is None
            else ("true" if value else "false")
            if isinstance(value, bool)
            else value
            for value in row.values()
        )
    return out.getvalue().encode()


def open_data_json(rows: list[OpenDataRow], *, threshold: int) -> bytes:
    document = {
        "schema": "docs/open-data/schema.json",
        "seuil_secret": threshold,
        "donnees": [dict(zip(COLUMNS, row.values(), strict=True)) for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()

"""Open data: aggregates only, small counts withheld with their complementary cells, so that
no individual can be singled out; stable columns; codes only, never free text."""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cityzen_connector.cases import Fact
from cityzen_connector.cases._opendata import (
    COLUMNS,
    TOTAL,
    OpenDataRow,
    open_data_csv,
    open_data_json,
    open_data_rows,
)

OCT = datetime(2026, 10, 3, 9, tzinfo=UTC)
THRESHOLD = 5


def fact(status: str, channel: str = "portal", sub: str = "nid_de_poule", days: float = 2) -> Fact:
    resolved = OCT + timedelta(days=days) if status == "resolved" else None
    return Fact(OCT, "voirie", sub, channel, "voirie", status, resolved=resolved)


def rows_of(facts: list[Fact]) -> list[OpenDataRow]:
    return open_data_rows(facts, threshold=THRESHOLD)


def cell(rows: list[OpenDataRow], status: str, channel: str = "portal") -> OpenDataRow:
    return next(r for r in rows if r.statut == status and r.canal == channel)


def test_a_lone_request_is_withheld_with_a_complementary_cell() -> None:
    # 9 resolved and 6 on hold by the portal, and one cancelled: one person.
    facts = [fact("resolved")] * 9 + [fact("on_hold")] * 6 + [fact("cancelled")]
    rows = rows_of(facts)
    assert cell(rows, "cancelled").secret
    assert cell(rows, "cancelled").nombre_demandes is None
    # total 16 - 9 visible would give the lone cancellation back: on hold is withheld too.
    assert cell(rows, "on_hold").secret
    assert cell(rows, "resolved").nombre_demandes == 9
    assert cell(rows, TOTAL).nombre_demandes == 16


def test_a_small_group_is_withheld_whole() -> None:
    rows = rows_of([fact("resolved")] * 3 + [fact("on_hold")])
    assert all(r.secret and r.nombre_demandes is None for r in rows)
    assert all(r.delai_median_jours is None for r in rows)


def attack(rows: list[OpenDataRow]) -> list[str]:
    """Everything an attacker can derive about a group: every visible count, and each
    'total − visible cells' difference. Returns the small counts found (1 to threshold − 1)."""
    found = []
    groups = itertools.groupby(rows, key=lambda r: (r.mois, r.theme, r.sous_theme, r.canal))
    for key, members in groups:
        listed = list(members)
        for row in listed:
            if row.nombre_demandes is not None and 0 < row.nombre_demandes < THRESHOLD:
                found.append(f"{key} {row.statut}={row.nombre_demandes}")
        total = next(r for r in listed if r.statut == TOTAL)
        hidden = [r for r in listed if r.statut != TOTAL and r.secret]
        if total.nombre_demandes is not None and hidden:
            visible = sum(r.nombre_demandes or 0 for r in listed if r.statut != TOTAL)
            rest = total.nombre_demandes - visible
            if 0 < rest < THRESHOLD or len(hidden) == 1:
                found.append(f"{key} hidden cells add up to {rest}")
    return found


def test_no_one_can_be_singled_out_of_random_tables() -> None:
    rng = random.Random(11)
    statuses = ("received", "in_progress", "on_hold", "resolved", "cancelled", "merged")
    for _ in range(200):
        facts = [
            fact(rng.choice(statuses), rng.choice(("portal", "phone", "email")), days=rng.random())
            for _ in range(rng.randrange(1, 60))
        ]
        rows = rows_of(facts)
        assert attack(rows) == [], rows


def test_the_attack_would_find_the_lone_person_without_complementary_suppression() -> None:
    facts = [fact("resolved")] * 9 + [fact("on_hold")] * 6 + [fact("cancelled")]
    rows = [
        r if r.statut != "on_hold" else OpenDataRow(*r.values()[:5], 6, None, False)
        for r in rows_of(facts)
    ]
    assert attack(rows)  # the check above is not vacuous


def test_csv_columns_blank_cells_and_format() -> None:
    facts = [fact("resolved", days=d) for d in (1, 2, 3, 4, 5, 6)] + [fact("cancelled")]
    body = open_data_csv(rows_of(facts))
    text = body.decode("utf-8")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    assert "\r\n" in text
    read = list(csv.DictReader(io.StringIO(text)))
    cancelled = next(r for r in read if r["statut"] == "cancelled")
    assert cancelled["nombre_demandes"] == ""
    assert cancelled["secret"] == "true"
    total = next(r for r in read if r["statut"] == TOTAL)
    assert total["nombre_demandes"] == "7"
    assert total["mois"] == "2026-10"


def test_json_nulls_and_the_schema_file_agree() -> None:
    facts = [fact("resolved", days=d) for d in range(1, 8)] + [fact("merged")]
    document = json.loads(open_data_json(rows_of(facts), threshold=THRESHOLD))
    merged = next(r for r in document["donnees"] if r["statut"] == "merged")
    assert merged["nombre_demandes"] is None
    assert merged["secret"] is True
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "docs/open-data/schema.json").read_text("utf-8")
    )
    assert [f["name"] for f in schema["fields"]] == list(COLUMNS)
    assert list(document["donnees"][0]) == list(COLUMNS)

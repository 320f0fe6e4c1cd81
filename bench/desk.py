"""Dataverse round trips of the agent desk's case list: ours beside the naive per-case way.

One command: ``.venv/bin/python bench/desk.py``. The emulator is served on 127.0.0.1 (a real
socket, each round trip an HTTP request), provisioned as ``cityzen run`` leaves it, with
``CASES`` cases, each with ``MESSAGES`` agent messages. The list the desk page shows (ticket,
title, status, sub-theme, owner, time of the last message) is read each way, counting the HTTP
requests and timing them:

- **ours** (``desk.Desk.cases``): one query of the cases (formatted values included), one query
  of the page's messages (``_regardingobjectid_value`` in the page's cases, newest first) —
  two round trips whatever the page's size;
- **naive**: the cases, then each case's latest message (``$top=1``): one round trip per case
  more.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from _emulated import provisioned_client

from cityzen_connector.dataverse import (
    DataverseClient,
    Query,
    eq,
)
from cityzen_connector.desk import Desk
from cityzen_connector.emulator import agent_object_id
from cityzen_connector.mapping import CONVERSATION, load_mappings

ROOT = Path(__file__).resolve().parents[1]
CASES = 50
MESSAGES = 2
RUNS = 5


def naive(client: DataverseClient, top: int) -> list[dict[str, Any]]:
    query = Query("incidents").select("incidentid", "ticketnumber", "title").top(top)
    rows = [dict(row) for row in client.query(query.order_by("createdon", descending=True))]
    for row in rows:
        latest = client.first(
            Query(CONVERSATION.entity_set)
            .select("createdon")
            .where(eq("_regardingobjectid_value", uuid.UUID(str(row["incidentid"]))))
            .order_by("createdon", descending=True)
            .top(1)
        )
        row["last_message_at"] = None if latest is None else latest.get("createdon")
    return rows


def main() -> None:
    mappings = load_mappings(ROOT / "mappings")
    with provisioned_client(mappings) as (client, counting):
        desk = Desk(client)
        agent = agent_object_id("agnes.martin")
        contact = client.create("contacts", {"lastname": "Banc"})
        for n in range(CASES):
            case = client.create(
                "incidents",
                {
                    "title": f"Demande {n}",
                    "customerid_contact@odata.bind": f"/contacts({contact.id})",
                },
            )
            ticket = client.retrieve("incidents", case.id, select=["ticketnumber"])
            for _ in range(MESSAGES):
                desk.reply(agent, str(ticket["ticketnumber"]), "Bonjour")
        figures: dict[str, tuple[float, float]] = {}
        for name, run in (
            ("ours: two queries", lambda: desk.cases(agent, CASES)),
            ("naive: one per case", lambda: naive(client.with_caller(agent), CASES)),
        ):
            best, trips = float("inf"), 0.0
            for _ in range(RUNS):
                counting.sent = 0
                started = time.perf_counter()
                rows = run()
                best = min(best, time.perf_counter() - started)
                trips = counting.sent
                assert len(rows) == CASES
            figures[name] = (trips, best * 1000)
    ours = figures["ours: two queries"]
    print(f"the desk's case list: {CASES} cases, {MESSAGES} messages each; best of {RUNS}")
    print(f"{'way':<22} {'round trips':>11} {'ms':>9}")
    for name, (trips, ms) in figures.items():
        print(f"{name:<22} {trips:>11.0f} {ms:>9.1f}")
    naive_trips, naive_ms = figures["naive: one per case"]
    print(
        f"ratio naive/ours: {naive_trips / ours[0]:.1f}x round trips, {naive_ms / ours[1]:.1f}x"
        " time (each round trip to Dataverse costs 20-100 ms in Azure, the emulator's ~1 ms)"
    )


if __name__ == "__main__":
    main()

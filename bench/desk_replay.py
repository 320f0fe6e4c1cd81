"""What an ``Idempotency-Key`` costs the desk's reply, and what a retry costs: Dataverse round
trips and time, a keyed reply beside an unkeyed one.

One command: ``.venv/bin/python bench/desk_replay.py``. The emulator is served on 127.0.0.1 (a
real socket, each round trip an HTTP request), provisioned as ``cityzen run`` leaves it. Each
way posts ``REPLIES`` replies to one case, each on its own key, counting the HTTP requests:

- **unkeyed** (the baseline, as before): the case found, the message written in one ``$batch``
  change set — two round trips, and a retry writes the message twice;
- **keyed, first**: the same, and the key's row and note looked for first (two reads, nothing
  there) — four round trips;
- **keyed, retried**: the same call again — the case found and the first message read back
  (its row, its note, its file note): nothing written.
"""

from __future__ import annotations

import time
import uuid

from _emulated import provisioned_client
from desk import ROOT

from cityzen_connector.desk import Desk
from cityzen_connector.emulator import agent_object_id
from cityzen_connector.mapping import load_mappings

REPLIES = 100


def main() -> None:
    mappings = load_mappings(ROOT / "mappings")
    with provisioned_client(mappings) as (client, counting):
        desk = Desk(client, mappings.statuses)
        agent = agent_object_id("agnes.martin")
        contact = client.create("contacts", {"lastname": "Banc"})
        case = client.create(
            "incidents",
            {"title": "Demande", "customerid_contact@odata.bind": f"/contacts({contact.id})"},
        )
        ticket = str(client.retrieve("incidents", case.id, select=["ticketnumber"])["ticketnumber"])
        keys = [uuid.uuid4() for _ in range(REPLIES)]
        ways = {
            "unkeyed (before)": lambda i: desk.reply(agent, ticket, f"Réponse {i}"),
            "keyed, first": lambda i: desk.reply(agent, ticket, f"R {i}", row_id=keys[i]),
            "keyed, retried": lambda i: desk.reply(agent, ticket, f"R {i}", row_id=keys[i]),
        }
        figures: dict[str, tuple[float, float]] = {}
        for name, run in ways.items():
            counting.sent = 0
            started = time.perf_counter()
            for i in range(REPLIES):
                run(i)
            elapsed = time.perf_counter() - started
            figures[name] = (counting.sent / REPLIES, elapsed * 1000 / REPLIES)
    base_trips, base_ms = figures["unkeyed (before)"]
    print(f"a desk reply, {REPLIES} each way, mean per reply")
    print(f"{'way':<18} {'round trips':>11} {'ms':>8}   ratio to unkeyed (trips, time)")
    for name, (trips, ms) in figures.items():
        ratios = f"{trips / base_trips:.1f}x, {ms / base_ms:.2f}x"
        print(f"{name:<18} {trips:>11.1f} {ms:>8.2f}   {ratios}")
    print(
        "a retried keyed reply writes nothing (the unkeyed one writes the message again);"
        " each round trip to Dataverse costs 20-100 ms in Azure, the emulator's ~1 ms"
    )


if __name__ == "__main__":
    main()

"""Dataverse round trips per citizen message: ours beside a naive sequence.

One command: ``.venv/bin/python bench/messages.py``. The emulator is served on 127.0.0.1 (a
real socket, each round trip an HTTP request), provisioned as ``cityzen run`` leaves it, with
one case filed through the portal (its ``cz_submissionid`` set). Then ``MESSAGES`` citizen
messages are written each way, counting the HTTP requests each sends and timing them:

- **ours** (``sync.pipeline.MessageWriter``): one ``$batch`` holding one change set — the
  create-only upsert by ``cz_messageid`` with the case bound by its submission id
  (``/incidents(cz_submissionid='…')``), and the completion of the row;
- **naive**: look the case up by its submission id (``GET incidents?$filter=…``), create the
  row (``POST cz_casemessages``), complete it (``PATCH``), attach a file (``POST annotations``)
  — four round trips, not atomic (a failure between them leaves an open row, or a row
  without its file), and a redelivery makes a second row.

Files are not sent on the citizen's side yet (JSON only), so ours is measured without one;
the naive sequence is shown with and without its file.
"""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _emulated import provisioned_client

from cityzen_connector.dataverse import (
    DataverseClient,
    Query,
    eq,
)
from cityzen_connector.mapping import CONVERSATION, load_mappings
from cityzen_connector.models import CaseMessagePayload
from cityzen_connector.store import SubmissionStatuses, open_store
from cityzen_connector.sync.pipeline import MessageWriter

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 50
PHOTO = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 2048).decode("ascii")


def naive(client: DataverseClient, submission: str, text: str, *, file: bool) -> None:
    query = Query("incidents").select("incidentid").where(eq("cz_submissionid", submission))
    case = client.first(query)
    assert case is not None
    created = client.create(
        CONVERSATION.entity_set,
        {
            CONVERSATION.text: text,
            CONVERSATION.subject: "Message de l'usager",
            CONVERSATION.direction: CONVERSATION.from_citizen,
            CONVERSATION.visible: True,
            f"{CONVERSATION.case_binding}@odata.bind": f"/incidents({case['incidentid']})",
        },
    )
    assert created.id is not None
    client.update(CONVERSATION.entity_set, created.id, {"statecode": 1, "statuscode": 2})
    if file:
        client.create(
            "annotations",
            {
                "subject": "photo.jpg",
                "filename": "photo.jpg",
                "mimetype": "image/jpeg",
                "documentbody": PHOTO,
                f"{CONVERSATION.note_binding}@odata.bind": (
                    f"/{CONVERSATION.entity_set}({created.id})"
                ),
            },
        )


def main() -> None:
    mappings = load_mappings(ROOT / "mappings")
    with provisioned_client(mappings) as (client, counting):
        submission = str(uuid.uuid4())
        contact = client.create("contacts", {"lastname": "Banc"})
        case = client.create(
            "incidents",
            {
                "title": "Nid-de-poule",
                "cz_submissionid": submission,
                "customerid_contact@odata.bind": f"/contacts({contact.id})",
            },
        )
        store = open_store("memory://")
        statuses = SubmissionStatuses(
            store, clock=lambda: datetime.now(UTC), retention=timedelta(days=1)
        )
        statuses.mark_created(submission, case_id=str(case.id), ticket_number="CAS-1")
        writer = MessageWriter(client, statuses, submission_column="cz_submissionid")
        figures: dict[str, tuple[float, float]] = {}
        for name, run in (
            (
                "ours: one change set",
                lambda i: writer.write(
                    CaseMessagePayload(
                        request_id=uuid.UUID(submission),
                        message_id=uuid.uuid4(),
                        text=f"message {i}",
                    )
                ),
            ),
            (
                "naive: lookup, create, complete",
                lambda i: naive(client, submission, f"n {i}", file=False),
            ),
            (
                "naive: … and attach a file",
                lambda i: naive(client, submission, f"f {i}", file=True),
            ),
        ):
            before, started = counting.sent, time.perf_counter()
            for i in range(MESSAGES):
                run(i)
            elapsed = time.perf_counter() - started
            figures[name] = ((counting.sent - before) / MESSAGES, elapsed / MESSAGES * 1000)
    ours_trips, ours_ms = figures["ours: one change set"]
    print(f"{MESSAGES} citizen messages each way, emulator on 127.0.0.1 (HTTP round trips counted)")
    print(f"{'':34} {'round trips/message':>20} {'ms/message':>11} {'trips vs ours':>14}")
    for name, (trips, ms) in figures.items():
        print(f"{name:34} {trips:>20.1f} {ms:>11.1f} {trips / ours_trips:>13.1f}x")
    print(f"ours is 1 change set (all or nothing); {ours_ms:.1f} ms per message here")


if __name__ == "__main__":
    main()

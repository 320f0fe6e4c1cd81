"""``GET /api/v1/requests/{id}/messages/{message_id}/attachments/{n}``: an agent's file as a
download — the type its bytes prove whatever its name says, ``Content-Disposition:
attachment`` with a safe name, ``nosniff`` — only to the filer; a wrong position, message, note
or caller is the same 404."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cityzen_connector.cases import (
    CaseChange,
    CaseHistory,
    CaseThreads,
    QueueWebhookOutbox,
    ThreadMessage,
)
from cityzen_connector.mapping import load_mappings
from tests.api.test_request_messages import _named
from tests.support.paths import MAPPINGS
from tests.support.schema_check import check_response
from tests.support.world import World, make_world, submission

PDF = b"%PDF-1.7\n" + b"x" * 100
TEMPLATE = "/v1/requests/{id}/messages/{message_id}/attachments/{n}"


class Notes:
    """Notes as Dataverse would hold them: note id → (name, bytes)."""

    def __init__(self) -> None:
        self.files: dict[uuid.UUID, tuple[str, bytes]] = {}
        self.by_row: dict[uuid.UUID, list[uuid.UUID]] = {}

    def attach(self, row: uuid.UUID, name: str, data: bytes) -> None:
        note = uuid.uuid4()
        self.files[note] = (name, data)
        self.by_row.setdefault(row, []).append(note)

    def files_of(self, row_id: uuid.UUID) -> list[Mapping[str, Any]]:
        return [
            {
                "note_id": str(n),
                "name": self.files[n][0],
                "type": "?",
                "size": len(self.files[n][1]),
            }
            for n in self.by_row.get(row_id, [])
        ]

    def content(self, note_id: uuid.UUID) -> bytes | None:
        found = self.files.get(note_id)
        return found[1] if found else None


def _setup(name: str = 'compte "rendu"\r\n.exe') -> tuple[World, dict[str, Any], uuid.UUID, Notes]:
    seed = make_world()
    notes = Notes()
    outbox = QueueWebhookOutbox(seed.bus, "webhooks")
    keep = timedelta(days=400)
    history = CaseHistory(
        seed.store, outbox, load_mappings(MAPPINGS).statuses, clock=seed.clock, retention=keep
    )
    threads = CaseThreads(
        seed.store, outbox, history, clock=seed.clock, retention=keep, notes=notes
    )
    world = make_world(store=seed.store, case_history=history, case_threads=threads)
    body = submission()
    assert world.post_json(body).status == 202
    case = uuid.uuid4()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    history.apply(
        CaseChange(case, "queue", "Create", "v1", at, 1, 0, 1, submission_id=uuid.UUID(body["id"]))
    )
    row = uuid.uuid4()
    notes.attach(row, name, PDF)
    threads.record(ThreadMessage(row, case, "to_citizen", at, 2, "Voici le compte rendu."))
    return world, body, row, notes


def test_the_file_is_served_as_its_bytes_prove_as_a_download() -> None:
    world, body, row, _ = _setup()
    listed = world.request("GET", f"/v1/requests/{body['id']}/messages", headers=_named(body))
    assert '"size":109' in listed.body.decode()
    answer = world.request(
        "GET", f"/v1/requests/{body['id']}/messages/{row}/attachments/0", headers=_named(body)
    )
    assert answer.status == 200
    assert answer.body == PDF
    assert answer.headers["Content-Type"] == "application/pdf"  # not what the name says
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "private, no-store"
    disposition = answer.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert disposition.count('"') == 2  # the name's quotes cannot end the parameter


@pytest.mark.parametrize(
    "tail",
    [
        "{row}/attachments/1",
        "{row}/attachments/-1",
        "{row}/attachments/x",
        "{other}/attachments/0",
        "nope/attachments/0",
    ],
)
def test_a_wrong_position_or_message_is_a_404(tail: str) -> None:
    world, body, row, _ = _setup()
    path = f"/v1/requests/{body['id']}/messages/" + tail.format(row=row, other=uuid.uuid4())
    answer = world.request("GET", path, headers=_named(body))
    assert answer.status == 404
    check_response("GET", TEMPLATE, answer)


def test_someone_else_and_a_vanished_note_are_a_404() -> None:
    world, body, row, notes = _setup()
    other = {**_named(body), "CityZen-Citizen-Sub": "someone-else"}
    path = f"/v1/requests/{body['id']}/messages/{row}/attachments/0"
    assert world.request("GET", path, headers=other).status == 404
    notes.files.clear()  # an agent deleted the note
    assert world.request("GET", path, headers=_named(body)).status == 404

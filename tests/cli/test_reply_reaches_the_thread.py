"""Producer and consumer agree on the conversation: what the emulator posts when an agent
answers (``cityzen emulator case reply``) is read by the case-events worker as a message to the
citizen, kept in the request's thread; an ``--internal`` note posts nothing that reaches it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from cityzen_connector.cases import (
    MESSAGE_CREATED,
    CaseEventPorts,
    CaseHistory,
    CaseSchema,
    CaseThreads,
    QueueWebhookOutbox,
    event_from_body,
    handle_case_event,
)
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import OutgoingMessage, open_bus
from cityzen_connector.store import open_store
from cityzen_connector.testing import FakeClock
from tests.support.paths import MAPPINGS

from .agent import Emulator, case_command

TEXT = "Pouvez-vous envoyer une photo du nid-de-poule ?"


def _worker() -> tuple[CaseEventPorts, CaseThreads]:
    mappings = load_mappings(MAPPINGS)
    now = FakeClock()
    bus, store = open_bus("memory://", clock=now), open_store("memory://", clock=now)
    outbox = QueueWebhookOutbox(bus, "webhooks")
    history = CaseHistory(store, outbox, mappings.statuses, clock=now, retention=timedelta(days=30))
    threads = CaseThreads(store, outbox, history, clock=now, retention=timedelta(days=30))
    schema = CaseSchema.from_mappings(mappings)
    ports = CaseEventPorts(bus, "case-events", history, schema, now, threads=threads)
    return ports, threads


def test_an_agents_reply_reaches_the_thread_and_an_internal_note_never_does(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    [case] = emulator.rows(f"incidents?$select=incidentid&$filter=ticketnumber eq '{ticket}'")
    assert (
        case_command(capsys, "reply", ticket, "--text", "Voir avec la voirie", "--internal")[0] == 0
    )
    assert case_command(capsys, "reply", ticket, "--text", TEXT)[0] == 0
    ports, threads = _worker()
    for posted in emulator.posted:
        message = OutgoingMessage(
            body=posted.body, message_id=uuid.uuid4().hex, content_type="application/json"
        )
        ports.bus.send("case-events", [message])
        [received] = ports.bus.receive("case-events")
        handle_case_event(received, ports)
        ports.bus.complete(received)
    assert ports.counts["recorded:message"] == 1, ports.counts
    [message] = threads.thread(uuid.UUID(case["incidentid"]))
    assert (message.text, message.direction) == (TEXT, "to_citizen")
    webhooks = [
        event_from_body(m.message_id, m.body) for m in ports.bus.peek("webhooks", max_messages=100)
    ]
    [told] = [e for e in webhooks if e.type == MESSAGE_CREATED]
    assert told.data["message_id"] == str(message.row_id)
    assert "voirie" not in str([m.text for m in threads.thread(uuid.UUID(case["incidentid"]))])

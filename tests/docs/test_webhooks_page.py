"""docs/webhooks.md tells portal developers how to verify a webhook: its examples run here
against the connector's own signer, so the page cannot drift from what is sent."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any, cast

import pytest

from cityzen_connector.cases import (
    CaseRecord,
    Entry,
    ThreadMessage,
    WebhookEvent,
    event_body,
    message_event,
    parse_secrets,
    signed_headers,
    status_event,
)
from cityzen_connector.citizens import NoNotifier, NotifyingOutbox, Profiles
from cityzen_connector.mapping import CitizenStatus
from cityzen_connector.settings import LOCAL_WEBHOOK_SECRET
from tests.support.webhooks import OLD_SECRET, OTHER_SECRET, SECRET

from .conftest import DOCS

PAGE = (DOCS / "webhooks.md").read_text(encoding="utf-8")
PYTHON = re.findall(r"^```python\n(.*?)^```", PAGE, re.M | re.S)
BODY = b'{"type":"request.status_changed","timestamp":"2026-12-03T09:29:55Z","data":{}}'


def _headers(secrets: str = SECRET, *, at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return signed_headers(parse_secrets(secrets), "evt_doc", stamp, BODY)


def test_the_page_has_the_two_python_examples() -> None:
    assert len(PYTHON) == 2


def test_the_package_example_accepts_ours_once_and_refuses_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORTAL_WEBHOOK_SECRET", SECRET)
    seen: set[str] = set()
    handled: list[tuple[str, Any]] = []

    def already_processed(webhook_id: str) -> bool:
        if webhook_id in seen:
            return True
        seen.add(webhook_id)
        return False

    namespace: dict[str, Any] = {
        "already_processed": already_processed,
        "handle": lambda kind, data: handled.append((kind, data)),
    }
    exec(PYTHON[0], namespace)
    receive = namespace["receive"]
    assert receive(BODY, _headers()) == 204
    assert receive(BODY, _headers()) == 200  # the same id again: not handled twice
    assert handled == [("request.status_changed", {})]
    assert receive(BODY, _headers(OTHER_SECRET)) == 401
    assert receive(BODY, _headers(at=time.time() - 600)) == 401


def test_the_hand_written_example_accepts_ours_and_refuses_the_rest() -> None:
    namespace: dict[str, Any] = {}
    exec(PYTHON[1], namespace)
    verify = namespace["verify"]
    assert verify(SECRET, BODY, _headers())
    rotating = _headers(f"{SECRET},{OLD_SECRET}")
    assert verify(SECRET, BODY, rotating)
    assert verify(OLD_SECRET, BODY, rotating)
    assert not verify(OTHER_SECRET, BODY, _headers())
    assert not verify(SECRET, BODY + b" ", _headers())
    assert not verify(SECRET, BODY, _headers(at=time.time() - 600))
    assert not verify(SECRET, BODY, _headers(at=time.time() + 600))


def test_the_page_shows_the_local_secret_and_a_body_the_outbox_writes() -> None:
    assert LOCAL_WEBHOOK_SECRET in PAGE
    example = re.search(r"^```json\n(.*?)^```", PAGE, re.M | re.S)
    assert example is not None
    body = json.loads(example.group(1))
    assert set(body) == {"type", "timestamp", "data"}
    assert example.group(1).strip() == json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def notified(event: WebhookEvent) -> WebhookEvent:
    """The event as the outbox publishes it with a profile mapping: with the citizen's channel
    and language (the defaults: this event names no contact)."""
    published: list[WebhookEvent] = []

    class Keep:
        def publish(self, event: WebhookEvent) -> None:
            published.append(event)

    NotifyingOutbox(Keep(), cast("Profiles", None), NoNotifier()).publish(event)
    return published[0]


def test_the_events_example_and_table_name_exactly_what_the_connector_sends() -> None:
    # The data of a status change as the history publishes it (cases.status_event).
    record = CaseRecord(
        uuid.uuid4(),
        entries=(Entry("v1", datetime(2026, 12, 3, 9, 29, 55, tzinfo=UTC), 1, 1, 5),),
        ticket_number="CAS-01042-X7Y8Z9",
        submission_id=uuid.uuid4(),
    )
    sent = json.loads(
        event_body(
            notified(status_event(record, CitizenStatus("resolved", "Résolue", "Resolved", True)))
        )
    )
    [example, _] = re.findall(r"^```json\n(.*?)^```", PAGE, re.M | re.S)
    shown = json.loads(example)
    assert list(shown) == list(sent)
    assert list(shown["data"]) == list(sent["data"])
    assert {k: v for k, v in shown["data"].items() if k not in ("request_id", "case_id")} == {
        k: v for k, v in sent["data"].items() if k not in ("request_id", "case_id")
    }
    table = PAGE[PAGE.index("| `data` member |") : PAGE.index("For example:")]
    named = re.findall(r"^\| `(\w+)`(?:, `(\w+)`)? \|", table, re.M)
    assert [n for pair in named for n in pair if n] == list(sent["data"])


def test_the_message_example_names_exactly_what_the_connector_sends() -> None:
    # The data of an agent's message as the thread publishes it (cases.message_event).
    message = ThreadMessage(
        row_id=uuid.uuid4(),
        case_id=uuid.uuid4(),
        direction="to_citizen",
        created_at=datetime(2026, 12, 3, 10, 2, 11, tzinfo=UTC),
        version=7,
        text="Pouvez-vous envoyer une photo ?",
    )
    sent = json.loads(event_body(notified(message_event(message, uuid.uuid4()))))
    [_, example] = re.findall(r"^```json\n(.*?)^```", PAGE, re.M | re.S)
    shown = json.loads(example)
    assert list(shown) == list(sent)
    assert list(shown["data"]) == list(sent["data"])
    assert shown["type"] == sent["type"] == "request.message_created"
    assert shown["data"]["created_at"] == sent["data"]["created_at"]
    assert "text" not in sent["data"]

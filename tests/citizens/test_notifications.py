"""Notifications follow the citizen's preferences: each status change and agent's reply goes to
the portal's webhook with the channel chosen for that kind of event and the language, and the
notifier sends it (none: nothing is sent). The local notifier writes one private file per
notification; no address or phone ever reaches the log."""

from __future__ import annotations

import json
import logging
import stat
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector.cases import CaseChange, CaseHistory, CaseThreads, ThreadMessage
from cityzen_connector.citizens import (
    FolderNotifier,
    MemoryNotifier,
    NoNotifier,
    Notification,
    NotifyingOutbox,
    UnsupportedNotifierUrlError,
    open_notifier,
)
from tests.citizens.conftest import MAPPINGS, Desk, make_desk


def history_of(desk: Desk, outbox: NotifyingOutbox) -> CaseHistory:
    return CaseHistory(
        desk.store, outbox, MAPPINGS.statuses, clock=desk.clock, retention=timedelta(days=400)
    )


def change(desk: Desk, case_id: uuid.UUID, version: int, status: int) -> CaseChange:
    return CaseChange(
        case_id=case_id,
        source="queue",
        message="Create" if version == 1 else "Update",
        key=f"v{version}",
        at=desk.clock(),
        version=version,
        state=0,
        status=status,
        ticket_number="CAS-01042-X7Y8Z9",
        contact_id=desk.contact_id,
    )


def test_the_webhook_carries_the_channel_chosen_and_the_notifier_sends(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    etag = desk.get().headers["ETag"]
    prefs = {"status_changed": "email", "agent_reply": "sms", "language": "en"}
    desk.patch({"preferences": prefs}, etag)
    history = history_of(desk, desk.notifying())
    case_id = uuid.uuid4()
    history.apply(change(desk, case_id, 1, 1))
    history.apply(change(desk, case_id, 2, 3))  # waiting for the citizen
    threads = CaseThreads(
        desk.store, desk.notifying(), history, clock=desk.clock, retention=timedelta(days=9)
    )
    threads.record(
        ThreadMessage(uuid.uuid4(), case_id, "to_citizen", desk.clock(), 3, "Bonjour Madame")
    )
    kinds = [(e.type, e.data["channel"], e.data["language"]) for e in desk.published]
    assert kinds == [
        ("request.status_changed", "email", "en"),
        ("request.status_changed", "email", "en"),
        ("request.message_created", "sms", "en"),
    ]
    sent = desk.notifier.sent
    assert [(n.channel, n.to) for n in sent] == [
        ("email", "marianne.dupont@example.fr"),
        ("email", "marianne.dupont@example.fr"),
        ("sms", "+33612345678"),
    ]
    assert [n.id for n in sent] == [e.id for e in desk.published]
    assert sent[1].subject.startswith("Your request CAS-01042-X7Y8Z9:")
    assert "Bonjour" not in sent[2].text  # the message itself stays in the portal
    for value in ("marianne.dupont@example.fr", "+33612345678", "Bonjour"):
        assert value not in caplog.text


def test_none_sends_nothing_but_the_webhook_still_says_so(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    desk.patch({"preferences": {"status_changed": "none"}}, etag)
    history_of(desk, desk.notifying()).apply(change(desk, uuid.uuid4(), 1, 1))
    [event] = desk.published
    assert (event.data["channel"], event.data["language"]) == ("none", "fr")
    assert desk.notifier.sent == []


def test_a_citizen_who_never_opened_the_record_gets_the_defaults_from_dataverse() -> None:
    desk = make_desk()
    history_of(desk, desk.notifying()).apply(change(desk, uuid.uuid4(), 1, 1))
    [event] = desk.published
    assert (event.data["channel"], event.data["language"]) == ("email", "fr")
    [sent] = desk.notifier.sent
    assert (sent.to, sent.subject) == (
        "marianne.dupont@example.fr",
        "Votre demande CAS-01042-X7Y8Z9 : Reçue",
    )


def test_a_contact_typed_in_by_an_agent_is_no_portal_citizen_nothing_is_sent(
    desk: Desk,
) -> None:
    walk_in = desk.agent_client.create("contacts", {"lastname": "Durand", "mobilephone": "+33"})
    assert walk_in.id is not None
    event_change = change(desk, uuid.uuid4(), 1, 1)
    history_of(desk, desk.notifying()).apply(
        CaseChange(**{**event_change.__dict__, "contact_id": walk_in.id})
    )
    [event] = desk.published
    assert event.data["channel"] == "email"  # the default, for the portal to decide
    assert desk.notifier.sent == []


def test_a_notifier_that_fails_does_not_stop_the_webhook(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def send(self, notification: Notification) -> None:
            raise OSError(f"smtp refused {notification.to}")

    desk.get()
    outbox = NotifyingOutbox(desk.notifying()._inner, desk.profiles, Broken())
    history_of(desk, outbox).apply(change(desk, uuid.uuid4(), 1, 1))
    assert len(desk.published) == 1
    assert "not sent: OSError" in caplog.text
    assert "marianne" not in caplog.text


def test_the_local_notifier_writes_one_private_file_per_notification(tmp_path: Path) -> None:
    notifier = open_notifier(f"file://{tmp_path / 'notifications'}")
    assert isinstance(notifier, FolderNotifier)
    notification = Notification(
        id="msg_0123abcd",
        kind="status_changed",
        channel="email",
        language="fr",
        to="marianne.dupont@example.fr",
        subject="Votre demande CAS-1 : Résolue",
        text="Le statut de votre demande CAS-1 est maintenant : Résolue.",
        case_id=str(uuid.uuid4()),
    )
    notifier.send(notification)
    notifier.send(notification)  # a redelivery: the same file, not a second one
    folder = tmp_path / "notifications"
    [written] = list(folder.iterdir())
    assert written.name == "msg_0123abcd.json"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    content = json.loads(written.read_text("utf-8"))
    assert content["to"] == "marianne.dupont@example.fr"
    assert content["subject"] == "Votre demande CAS-1 : Résolue"
    assert (content["channel"], content["language"], content["kind"]) == (
        "email",
        "fr",
        "status_changed",
    )
    assert "marianne" not in repr(notification)
    with pytest.raises(ValueError, match="notification id"):
        notifier.send(Notification(**{**notification.__dict__, "id": "../../etc/passwd"}))


def test_notifiers_are_chosen_by_url_and_a_bad_one_is_named_by_its_scheme_only() -> None:
    assert isinstance(open_notifier("memory://"), MemoryNotifier)
    assert isinstance(open_notifier("none://"), NoNotifier)
    with pytest.raises(UnsupportedNotifierUrlError) as raised:
        open_notifier("smtp://user:secret@mail.example.fr")
    assert "secret" not in str(raised.value)
    assert "'smtp'" in str(raised.value)
    with pytest.raises(UnsupportedNotifierUrlError):
        open_notifier("file://")

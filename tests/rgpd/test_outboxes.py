"""What the citizen's record added outside the state store: the local notifier's files (each
holds an e-mail address or a phone) and the failed copies of the record's changes. An approved
erasure deletes the erased citizen's notification files (and only theirs); the retention purge
deletes old files and old failed copies, as it does the other queues'."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from cityzen_connector import app
from cityzen_connector.messaging import OutgoingMessage
from tests.rgpd.world import Person, Town, notification_files, town

MARIANNE = Person("sub-marianne")
NAMESAKE = Person("sub-namesake", email="m.martin@example.org", phone="+33698765432")


def _addressed_to(tmp_path: Path) -> list[str]:
    return sorted(
        json.loads(path.read_text("utf-8"))["to"] for path in notification_files(tmp_path)
    )


def test_an_approved_erasure_deletes_that_citizens_notification_files_only(
    tmp_path: Path,
) -> None:
    world = town(tmp_path)
    world.file(MARIANNE, "Nid-de-poule devant chez moi.")
    world.file(NAMESAKE, "Un lampadaire éteint.")
    world.work()
    assert _addressed_to(tmp_path) == sorted([MARIANNE.email, NAMESAKE.email])
    response = world.call("POST", "/v1/citizens/me/erasure-request", MARIANNE, {"kind": "erasure"})
    request = str(response.json()["id"])
    world.work()
    world.dpo_decides(request, approve=True)
    world.work()

    assert _addressed_to(tmp_path) == [NAMESAKE.email]
    audit = world.store.query("rgpd-audit")
    erased = [r.value for r in audit if r.value["outcome"] == "erased"]
    assert erased[0]["counts"]["notifications"] == 3  # her request's, the DPO case's two


def _park_a_profile_change(world: Town) -> None:
    record = world.call("GET", "/v1/citizens/me", MARIANNE)
    changed = world.call(
        "PATCH",
        "/v1/citizens/me",
        MARIANNE,
        {"contact": {"phone": "+33611111111"}},
        headers={
            "If-Match": record.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert changed.status == 202, changed.body
    queue = world.settings.profile_updates_queue
    [message] = world.bus.receive(queue, max_messages=1)
    world.bus.send(f"{queue}-rejected", [OutgoingMessage(body=message.body, message_id="m1")])
    world.bus.dead_letter(message, reason="MaxDeliveryCountExceeded", description="test")


def _held(world: Town) -> int:
    queue = world.settings.profile_updates_queue
    return len(world.bus.peek(f"{queue}-rejected", max_messages=10)) + len(
        world.bus.peek(queue, max_messages=10, sub_queue="deadletter")
    )


def test_the_retention_purge_covers_notification_files_and_parked_profile_changes(
    tmp_path: Path,
) -> None:
    world = town(tmp_path)
    world.file(MARIANNE, "Nid-de-poule devant chez moi.")
    world.work()
    _park_a_profile_change(world)
    keep = timedelta(days=world.settings.retention_days)
    world.clock.advance(keep - timedelta(days=1))
    app.purge_retention(world.container)
    assert (len(notification_files(tmp_path)), _held(world)) == (1, 2)  # not old enough yet

    world.clock.advance(timedelta(days=2))
    report = app.purge_retention(world.container)

    assert (len(notification_files(tmp_path)), _held(world)) == (0, 0)
    assert report.notifications == 1

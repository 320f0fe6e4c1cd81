"""The whole way of the issue, end to end, every log captured: a citizen files, reads their
record, changes it (applied by the worker), asks for their data (prepared by the timer,
downloaded), asks for erasure (the DPO approves), then the retention purge runs. Not one log
line names them, whatever the logger and level; the same for their namesake, whose data stays."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector import app
from tests.rgpd.world import Person, Town, everything_held, town

MARIANNE = Person("sub-marianne-7f3a", street="chemin des Écoliers")
NAMESAKE = Person("sub-namesake-c21b", email="m.martin@example.org", phone="+33698765432")
NEW_PHONE = "+33744332211"
REASON = "Je quitte la commune, merci d'effacer mon dossier."
MERGE_PATCH = "application/merge-patch+json"


def _profile_updates(world: Town) -> None:
    queue = world.settings.profile_updates_queue
    while batch := world.bus.receive(queue, max_messages=10):
        for message in batch:
            app.process_profile_update(world.container, message)
            world.bus.complete(message)


def test_filing_reading_changing_exporting_and_erasing_log_no_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: the root's
    world = town(tmp_path, on_disk=True)
    mine = world.file(MARIANNE, f"Le trottoir du 4 {MARIANNE.street} est défoncé.", photo=True)
    world.file(NAMESAKE, "Un dépôt sauvage.")
    world.work()

    record = world.call("GET", "/v1/citizens/me", MARIANNE)
    assert record.status == 200, record.body
    changed = world.call(
        "PATCH",
        "/v1/citizens/me",
        MARIANNE,
        {"contact": {"phone": NEW_PHONE}, "preferences": {"agent_reply": "sms"}},
        headers={"If-Match": record.headers["ETag"], "Content-Type": MERGE_PATCH},
    )
    assert changed.status == 202, changed.body
    _profile_updates(world)
    contact = world.case_of(mine)["_customerid_value"]
    assert world.contact(contact)["mobilephone"] == NEW_PHONE

    asked = world.call("POST", "/v1/citizens/me/data-export", MARIANNE).json()
    assert world.rights_timer()["exports_produced"] == 1
    path, _, query = asked["download"].partition("?")
    download = world.call(
        "GET", path.removeprefix("/api"), MARIANNE, query={"token": query.removeprefix("token=")}
    )
    assert NEW_PHONE in download.body.decode()  # the export has it; the logs must not

    erasure = world.call(
        "POST", "/v1/citizens/me/erasure-request", MARIANNE, {"kind": "erasure", "reason": REASON}
    )
    request = str(erasure.json()["id"])
    world.work()
    world.dpo_decides(request, approve=True)
    world.work()
    _profile_updates(world)
    world.rights_timer()
    world.clock.advance(timedelta(days=world.settings.retention_days + 1))
    app.purge_retention(world.container)

    # The flow ran (its log lines are there) ...
    logged = caplog.text
    for line in ("profile update", "notification", "rgpd right access", "rgpd right erasure"):
        assert line in logged, line
    # ... and names no one: not Marianne, not her namesake, not what she wrote or changed.
    secrets = (*MARIANNE.personal, *NAMESAKE.personal, MARIANNE.sub, NAMESAKE.sub, NEW_PHONE)
    for value in (*secrets, REASON, "quitte la commune", "Écoliers", asked["download"]):
        assert value not in logged, value
    assert json.dumps(MARIANNE.email) not in logged
    # And the erasure left nothing of her, the namesake's data intact.
    held = everything_held(tmp_path)
    for value in (MARIANNE.email, NEW_PHONE, MARIANNE.street, MARIANNE.sub, REASON):
        assert value not in held, value

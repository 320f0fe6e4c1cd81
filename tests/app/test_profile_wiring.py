"""The citizen's record in the composition root: the mapping's [profile] turns on the routes,
the profile-updates worker on its queue, the contact's events on the case-events worker, and
the notifying outbox with the notifier the URL names."""

from __future__ import annotations

import json
from pathlib import Path

from cityzen_connector import app
from cityzen_connector.api import ApiRequest, Headers
from cityzen_connector.citizens import FolderNotifier, MemoryNotifier, NotifyingOutbox
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.testing import FakeClock
from tests.app.test_container import memory_settings
from tests.citizens.conftest import MAPPINGS, client_of
from tests.support.emulator import provisioned_emulator


def test_the_record_is_wired_end_to_end(tmp_path: Path) -> None:
    clock = FakeClock()
    client = client_of(WsgiTransport(provisioned_emulator(MAPPINGS, clock)), clock)
    settings = memory_settings(tmp_path, profile_updates_queue="fiches", notifier_url="memory://")
    deps = app.Container(settings, clock=clock, client=client)
    assert deps.api.profiles is deps.profiles
    assert isinstance(deps.webhook_outbox, NotifyingOutbox)
    assert isinstance(deps.notifier, MemoryNotifier)
    assert set(deps.case_events.tables) == {"contact"}
    ports = deps.profile_updates
    assert (ports.queue, ports.profiles) == ("fiches", deps.profiles)
    # A citizen with no contact yet: the built API answers the record's 404.
    headers = {
        "CityZen-Citizen-Issuer": "https://idp.example.fr",
        "CityZen-Citizen-Sub": "someone",
    }
    answer = deps.http_api.handle(
        ApiRequest("GET", "/v1/citizens/me", Headers(headers), function_key_valid=True)
    )
    assert (answer.status, json.loads(answer.body)["code"]) == (404, "profile_not_found")


def test_the_default_notifier_writes_into_the_data_folder(tmp_path: Path) -> None:
    folder = tmp_path / "notifications"
    deps = app.Container(memory_settings(tmp_path, notifier_url=f"file://{folder}"))
    assert isinstance(deps.notifier, FolderNotifier)
    assert deps.notifier.folder == folder

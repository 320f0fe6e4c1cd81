"""One town, embedded end to end, for the rights' tests: the provisioned emulator posting its
case events onto the embedded queue (as ``cityzen run`` registers them), the composition root
over memory backends, the portal API, the submissions worker, the case-events worker and the
``rights`` timer, driven by hand on a fake clock."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cityzen_connector import app
from cityzen_connector._types import Headers
from cityzen_connector.api import ApiRequest, ApiResponse
from cityzen_connector.cli._case_events import QueueSink
from cityzen_connector.dataverse import Query, StaticTokenProvider, WsgiTransport, eq
from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.mapping import load_mappings
from cityzen_connector.messaging import MessageBus, open_bus
from cityzen_connector.settings import Settings
from cityzen_connector.store import BlobStore, StateStore, open_blobs, open_store
from cityzen_connector.sync import register_events
from cityzen_connector.testing import FakeClock
from tests.support.emulator import provisioned_emulator
from tests.support.world import JPEG, START, submission, upload

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://franceconnect.gouv.fr/api/v2"
MAPPINGS = load_mappings(ROOT / "mappings")


@dataclass(frozen=True)
class Person:
    """A citizen as the portal knows them. Two may share a name: never their ``sub``."""

    sub: str
    given_name: str = "Marianne"
    family_name: str = "Martin"
    email: str = "marianne.martin@example.fr"
    phone: str = "+33612345678"
    street: str = "rue des Lilas"

    def citizen(self) -> dict[str, Any]:
        return {
            "issuer": ISSUER,
            "sub": self.sub,
            "given_name": self.given_name,
            "family_name": self.family_name,
            "email": self.email,
            "phone": self.phone,
        }

    def headers(self) -> dict[str, str]:
        return {"CityZen-Citizen-Issuer": ISSUER, "CityZen-Citizen-Sub": self.sub}

    @property
    def personal(self) -> tuple[str, ...]:
        """What must never be found anywhere once they are erased."""
        return (self.email, self.phone, self.street, self.given_name, self.family_name)


@dataclass
class Town:
    clock: FakeClock
    emulator: EmulatorApp
    bus: MessageBus
    store: StateStore
    blobs: BlobStore
    container: app.Container

    @property
    def settings(self) -> Settings:
        return self.container.settings

    # -- the portal ---------------------------------------------------------------------------
    def call(
        self,
        method: str,
        path: str,
        person: Person | None,
        body: Any = None,
        *,
        raw: bytes | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> ApiResponse:
        sent = dict(person.headers() if person else {})
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        if data:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        request = ApiRequest(
            method, path, Headers(sent), data, dict(query or {}), function_key_valid=True
        )
        return self.container.http_api.handle(request)

    def file(self, person: Person, description: str, *, photo: bool = False) -> str:
        body = submission(
            citizen=person.citizen(),
            description=description,
            attachments=[upload(JPEG)] if photo else [],
        )
        body["location"] = {
            **body["location"],
            "street": person.street,
            "label": f"12 {person.street} 00100 Valbrume",
        }
        response = self.call("POST", "/v1/requests", None, body)
        assert response.status == 202, response.body
        return str(response.json()["id"])

    # -- the background work ------------------------------------------------------------------
    def work(self) -> None:
        """Run the submissions and case-events workers until both queues are empty."""
        s = self.settings
        for _ in range(50):
            moved = False
            for queue, job in (
                (s.submissions_queue, app.process_submission),
                (s.case_events_queue, app.process_case_event),
            ):
                for message in self.bus.receive(queue, max_messages=10):
                    job(self.container, message)
                    self.bus.complete(message)  # returning completes (autoCompleteMessages)
                    moved = True
            if not moved:
                return
        raise AssertionError("the queues never emptied")

    def rights_timer(self) -> dict[str, int]:
        return app.run_rights(self.container)

    # -- Dynamics 365 -------------------------------------------------------------------------
    def case_of(self, submission_id: str) -> dict[str, Any]:
        client = self.container.api_client
        row = client.first(
            Query("incidents")
            .select("incidentid", "statecode", "statuscode", "_customerid_value", "cz_typedemail")
            .where(eq("cz_submissionid", submission_id))
        )
        assert row is not None, "no case for this submission"
        return row

    def contact(self, contact_id: str) -> dict[str, Any]:
        return self.container.api_client.retrieve("contacts", uuid.UUID(contact_id))

    def dpo_decides(self, submission_id: str, *, approve: bool) -> None:
        """The DPO closes the request's case in Dynamics 365: resolved "Problem Solved" to
        approve (CloseIncident), cancelled to refuse; the change is posted as an event."""
        client = self.container.api_client
        case = uuid.UUID(self.case_of(submission_id)["incidentid"])
        if approve:
            client.call_action(
                "CloseIncident",
                {
                    "IncidentResolution": {
                        "subject": "Effacement accepté",
                        "incidentid@odata.bind": f"/incidents({case})",
                    },
                    "Status": 5,
                },
            )
        else:
            client.update("incidents", case, {"statecode": 2, "statuscode": 6})


def town(tmp_path: Path, *, on_disk: bool = False, blobs: BlobStore | None = None) -> Town:
    """``on_disk``: the SQLite queue and store and the folder of blobs, so that a test can read
    every row, message and file they hold (``everything_held``)."""
    clock = FakeClock(START)
    if on_disk:
        bus = open_bus(f"sqlite:///{tmp_path}/queue.db", clock=clock)
        store = open_store(f"sqlite:///{tmp_path}/state.db", clock=clock)
        blobs = blobs or open_blobs(f"file://{tmp_path}/blobs", clock=clock)
    else:
        bus = open_bus("memory://", clock=clock)
        store = open_store("memory://", clock=clock)
        blobs = blobs or open_blobs("memory://", clock=clock)
    emulator = provisioned_emulator(MAPPINGS, clock, sink=QueueSink(bus))
    values: dict[str, Any] = {
        "queue_url": "memory://",
        "store_url": "memory://",
        "blob_url": "memory://",
        "mappings_dir": ROOT / "mappings",
        "data_dir": tmp_path,
        "identity_pepper": "test-pepper",
        "dataverse_url": "http://127.0.0.1:7072",
        # The local notifier's files hold e-mail addresses: in the test's folder, searched too.
        "notifier_url": f"file://{tmp_path}/notifications",
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    container = app.Container(
        settings,
        clock=clock,
        bus=bus,
        store=store,
        blobs=blobs,
        transport=WsgiTransport(emulator),
        tokens=StaticTokenProvider("test-token"),
    )
    registration = app.event_registration(
        settings, submission_column=container.case_schema.submission_column
    )
    register_events(container.api_client, registration)
    return Town(clock, emulator, bus, store, blobs, container)


def notification_files(tmp_path: Path) -> list[Path]:
    """The local notifier's files (``notifier_url`` of ``town``)."""
    return sorted((tmp_path / "notifications").glob("*.json"))


def everything_held(tmp_path: Path) -> str:
    """Every cell of every table of the queue's and the store's databases, every blob
    file's bytes and every notification file, as one text: what the connector holds, to search."""
    texts: list[str] = []
    for database in ("queue.db", "state.db"):
        with sqlite3.connect(tmp_path / database) as connection:
            tables = [
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            for table in tables:
                for row in connection.execute(f'SELECT * FROM "{table}"'):
                    for cell in row:
                        if isinstance(cell, bytes):
                            texts.append(cell.decode("utf-8", "replace"))
                        elif cell is not None:
                            texts.append(str(cell))
    for path in sorted([*(tmp_path / "blobs").rglob("*"), *notification_files(tmp_path)]):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)

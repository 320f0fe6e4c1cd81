"""What the citizen's record needs of the emulator, on the contact table: ETags on reads and
optimistic concurrency on updates ("Perform conditional operations using the Web API": a
``PATCH`` with a stale ``If-Match`` is 412 with Dataverse's error and changes nothing), the
address columns the profile maps, and the contact's Update step posting to the service
endpoint with its post-image, filtered on the profile's columns ("Include filtering
attributes with plug-in registration")."""

from __future__ import annotations

import json
from typing import Any

from cityzen_connector.app._configs import event_registration
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.emulator import ServiceBusMessage
from cityzen_connector.mapping import load_mappings
from cityzen_connector.settings import Settings
from cityzen_connector.sync import register_events
from cityzen_connector.testing import FakeClock
from tests.citizens.conftest import client_of
from tests.support.emulator import provisioned_emulator
from tests.support.paths import ROOT

from .conftest import call

MAPPINGS = load_mappings(ROOT / "mappings")


def _app(messages: list[ServiceBusMessage]) -> Any:
    clock = FakeClock()
    app = provisioned_emulator(MAPPINGS, clock, sink=messages.append)
    client = client_of(WsgiTransport(app), clock)
    settings = Settings(_env_file=None, dataverse_url="http://127.0.0.1:7072")
    register_events(client, event_registration(settings, profile=MAPPINGS.profile))
    return app, client


def test_a_contact_read_carries_its_etag_and_a_stale_if_match_is_refused() -> None:
    app, client = _app([])
    created = client.create(
        "contacts",
        {"lastname": "Dupont", "address1_line2": "Bâtiment B", "address1_country": "France"},
    )
    path = f"contacts({created.id})"
    status, headers, body = call(app, "GET", path)
    row = json.loads(body)
    assert status == 200
    assert row["@odata.etag"].startswith('W/"')
    assert {k.lower(): v for k, v in headers.items()}["etag"] == row["@odata.etag"]
    assert (row["address1_line2"], row["address1_country"]) == ("Bâtiment B", "France")
    fresh = row["@odata.etag"]
    status, _, _ = call(app, "PATCH", path, {"address1_city": "Lyon"}, headers={"If-Match": fresh})
    assert status == 204
    status, _, body = call(
        app, "PATCH", path, {"address1_city": "Nice"}, headers={"If-Match": fresh}
    )
    assert status == 412
    assert json.loads(body) == {
        "error": {
            "code": "",
            "message": "The version of the existing record doesn't match the RowVersion"
            " property provided.",
        }
    }
    assert json.loads(call(app, "GET", path)[2])["address1_city"] == "Lyon"


def test_an_agents_change_of_a_profile_column_is_posted_with_the_profile_image() -> None:
    messages: list[ServiceBusMessage] = []
    _, client = _app(messages)
    created = client.create(
        "contacts", {"lastname": "Dupont", "cz_identitykey": "a" * 64, "birthdate": "1985-04-12"}
    )
    client.update("contacts", created.id, {"description": "called on Monday"})
    assert messages == []  # not a profile column: the step's filter keeps it out
    client.update("contacts", created.id, {"mobilephone": "+33612345678"})
    [message] = messages
    assert message.queue == "case-events"
    posted = json.loads(message.body)
    assert (posted["MessageName"], posted["PrimaryEntityName"]) == ("Update", "contact")
    # An asynchronous step's images: AsynchronousStepPrimaryName first, then the registered one.
    [image] = [i for i in posted["PostEntityImages"] if i["key"] == "profile"]
    values = {a["key"]: a["value"] for a in image["value"]["Attributes"]}
    assert values["mobilephone"] == "+33612345678"
    assert values["cz_identitykey"] == "a" * 64
    assert isinstance(values["versionnumber"], int)
    assert values["birthdate"].startswith("/Date(")

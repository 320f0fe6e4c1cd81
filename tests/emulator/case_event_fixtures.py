"""Captured-style fixtures of what the emulator's service endpoint posts, for the parsers of
case events (``cases/``) and for review against Microsoft's examples.

``scenario()`` plays an agent's day on a seeded emulator with the registration
``cityzen dataverse register-events`` makes (incident Create and Update, post-image
``status``, with the submission id column provisioning adds), plus a step on contact Create
(an event of another table), with fixed record ids and a fixed clock. The case filed through
the portal carries its submission id; the one an agent typed in from a phone call does not.
The ids the emulator draws at random (``CorrelationId``, ``RequestId``, ``OperationId``, which
is also the message id) are replaced by stable ones, so the files only change when what the
emulator posts changes.

Regenerate after a deliberate change:
``.venv/bin/python -m tests.emulator.case_event_fixtures`` (then review the diff).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from cityzen_connector.emulator import (
    EmulatorConfig,
    ServiceBusMessage,
    agent_object_id,
    create_app,
    seed,
    team_id,
)
from cityzen_connector.testing import FakeClock

from .conftest import TOKEN, call
from .service_bus import (
    STATUS_COLUMNS,
    fixed_id,
    post,
    register_case_events,
    register_endpoint,
    step_body,
)

FOLDER = Path(__file__).parent / "fixtures" / "case_events"
CONTACT = "6d81597f-0f9f-4e71-8122-000d3aa2331c"
CASE = "9a7e5c1d-3b2f-4d8e-a6c4-1f0e2d3c4b5a"
OTHER_CASE = "2b4d6f80-1a3c-4e5f-8b9d-0c1e2f3a4b5c"
SUBMISSION = "3c8e1f2a-4b5d-4e6f-9a0b-1c2d3e4f5a6b"
CRM = "Microsoft.Dynamics.CRM."
# The column `cityzen dataverse provision` adds to the case table (mappings/incident.toml),
# created the documented way ("Create columns using the Web API").
SUBMISSION_COLUMN = {
    "@odata.type": CRM + "StringAttributeMetadata",
    "SchemaName": "cz_submissionid",
    "MaxLength": 36,
    "DisplayName": {
        "@odata.type": CRM + "Label",
        "LocalizedLabels": [
            {
                "@odata.type": CRM + "LocalizedLabel",
                "Label": "Identifiant de la demande (portail)",
                "LanguageCode": 1036,
            }
        ],
    },
}
_VOLATILE = ("CorrelationId", "RequestId", "OperationId")
_NAMESPACE = uuid.UUID("5a0c7b9e-2d4f-4a1b-8c3e-6f7a8b9c0d1e")


def scenario() -> dict[str, ServiceBusMessage]:
    """name → the message posted, in the order things happened."""
    posted: list[ServiceBusMessage] = []
    clock = FakeClock()
    app = create_app(EmulatorConfig(token=TOKEN), clock=clock, sink=posted.append)
    agent = {"CallerObjectId": agent_object_id("agnes.martin")}
    names: list[str] = []

    def happened(name: str) -> None:
        names.extend([name] * (len(posted) - len(names)))
        clock.advance(timedelta(minutes=7))

    try:
        seed(app)
        path = "EntityDefinitions(LogicalName='incident')/Attributes"
        assert call(app, "POST", path, SUBMISSION_COLUMN)[0] == 204
        register_case_events(app, fixed=True, columns=f"{STATUS_COLUMNS},cz_submissionid")
        endpoint = register_endpoint(
            app, name="other tables", path="case-events", serviceendpointid=fixed_id("other")
        )
        step = step_body(
            endpoint, "Create", table="contact", sdkmessageprocessingstepid=fixed_id("contact")
        )
        post(app, "sdkmessageprocessingsteps", step)
        post(app, "contacts", {"contactid": CONTACT, "firstname": "Zoé", "lastname": "Diallo"})
        happened("other_entity_contact_created")
        case = {
            "incidentid": CASE,
            "title": "Nid-de-poule rue des Lilas",
            "caseorigincode": 3,
            "customerid_contact@odata.bind": f"/contacts({CONTACT})",
        }
        post(app, "incidents", {**case, "cz_submissionid": SUBMISSION})
        happened("case_created")
        _patch(app, CASE, {"ownerid@odata.bind": f"/teams({team_id('Voirie')})"}, agent)
        happened("case_owner_changed")
        _patch(app, CASE, {"statecode": 0, "statuscode": 3}, agent)
        happened("case_status_waiting_for_details")
        resolution = {"subject": "Rebouché", "incidentid@odata.bind": f"/incidents({CASE})"}
        status, _, body = call(
            app,
            "POST",
            "CloseIncident",
            {"IncidentResolution": resolution, "Status": 5},
            headers=agent,
        )
        assert status == 204, body
        happened("case_resolved")
        post(app, "incidents", {**case, "incidentid": OTHER_CASE, "caseorigincode": 1})
        happened("phone_case_created")
        _patch(app, OTHER_CASE, {"statecode": 2}, agent)
        happened("phone_case_cancelled")
    finally:
        app.close()
    return dict(zip(names, posted, strict=True))


def _patch(app: Any, case: str, body: dict[str, Any], headers: dict[str, str]) -> None:
    status, _, payload = call(app, "PATCH", f"incidents({case})", body, headers=headers)
    assert status == 204, payload


def stable(name: str, message: ServiceBusMessage) -> dict[str, Any]:
    """The fixture of one message: its brokered-message fields and its body as posted, with
    the random ids replaced by ids derived from the fixture's name."""
    body = message.body.decode("utf-8")
    for index, key in enumerate(_VOLATILE):
        found = re.search(rf'"{key}":"([0-9a-f-]{{36}})"', body)
        if found:
            replacement = str(uuid.uuid5(_NAMESPACE, f"{name}:{index}"))
            body = body.replace(found.group(1), replacement)
    operation = json.loads(body)["OperationId"]
    return {
        "queue": message.queue,
        "namespace_address": message.namespace_address,
        "message_id": operation,
        "content_type": message.content_type,
        "properties": dict(message.properties),
        "body": body,
    }


def write_all() -> None:
    FOLDER.mkdir(parents=True, exist_ok=True)
    for name, message in scenario().items():
        fixture = stable(name, message)
        (FOLDER / f"{name}.json").write_bytes(fixture.pop("body").encode("utf-8"))
        text = json.dumps(fixture, ensure_ascii=False, indent=2) + "\n"
        (FOLDER / f"{name}.message.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_all()

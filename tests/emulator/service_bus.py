"""Helpers of the service endpoint tests: register a queue endpoint, steps and images through the
Web API as "Register a Dataverse service endpoint" and the table references describe them
(never through our client: the emulator's tests must not share its assumptions), and read what
the emulator posted."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cityzen_connector.emulator import (
    EmulatorApp,
    ServiceBusMessage,
    sdk_message_filter_id,
    sdk_message_id,
)

from .conftest import call

# The case table's own columns register-events asks for (it adds the provisioned submission id
# column, which the sample organisation does not have: the fixtures' scenario adds it).
STATUS_COLUMNS = (
    "statecode,statuscode,ownerid,ticketnumber,customerid,subjectid,caseorigincode,createdon,"
    "modifiedon,versionnumber"
)
ENDPOINT: dict[str, Any] = {
    "name": "cityzen-case-events",
    "contract": 2,  # Queue
    "connectionmode": 1,  # Normal
    "authtype": 2,  # SAS Key
    "namespaceaddress": "sb://cityzen-test.servicebus.windows.net/",
    "solutionnamespace": "cityzen-test",
    "path": "case-events",
    "messageformat": 2,  # Json
    "userclaim": 1,  # None
    "saskeyname": "dataverse-send",
    "saskey": "c2VjcmV0LXNhcy1rZXktbmV2ZXItcmV0dXJuZWQ=",
}


def created_id(headers: dict[str, str]) -> str:
    return headers["odata-entityid"].rsplit("(", 1)[1].rstrip(")")


def post(app: EmulatorApp, path: str, body: dict[str, Any], **kw: Any) -> str:
    status, headers, payload = call(app, "POST", path, body, **kw)
    assert status == 204, payload
    return created_id(headers)


def register_endpoint(app: EmulatorApp, **over: Any) -> str:
    return post(app, "serviceendpoints", {**ENDPOINT, **over})


def step_body(endpoint: str, message: str, table: str = "incident", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"CityZen case events: {message} of {table}",
        "eventhandler_serviceendpoint@odata.bind": f"/serviceendpoints({endpoint})",
        "sdkmessageid@odata.bind": f"/sdkmessages({sdk_message_id(message)})",
        "sdkmessagefilterid@odata.bind": (
            f"/sdkmessagefilters({sdk_message_filter_id(message, table)})"
        ),
        "stage": 40,
        "mode": 1,
        "rank": 1,
        "supporteddeployment": 0,
        "asyncautodelete": False,
    }
    if message == "Update":
        body["filteringattributes"] = "statecode,statuscode,ownerid"
    body.update(over)
    return body


def image_body(step: str, message: str, **over: Any) -> dict[str, Any]:
    return {
        "name": "status",
        "entityalias": "status",
        "imagetype": 1,  # PostImage
        "messagepropertyname": "Id" if message == "Create" else "Target",
        "attributes": STATUS_COLUMNS,
        "sdkmessageprocessingstepid@odata.bind": f"/sdkmessageprocessingsteps({step})",
        **over,
    }


def fixed_id(name: str) -> str:
    """A stable id for a registration a fixture names (the emulator draws random ones)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cityzen-tests:{name}"))


def register_case_events(
    app: EmulatorApp, *, fixed: bool = False, columns: str = STATUS_COLUMNS
) -> dict[str, str]:
    """The registration ``cityzen dataverse register-events`` makes: one queue endpoint, a step
    on incident Create and one on incident Update (filtered), each with a status post-image of
    ``columns``; ``fixed``: with stable ids."""
    endpoint_id = {"serviceendpointid": fixed_id("endpoint")} if fixed else {}
    ids = {"endpoint": register_endpoint(app, **endpoint_id)}
    for message in ("Create", "Update"):
        step_id = {"sdkmessageprocessingstepid": fixed_id(message)} if fixed else {}
        body = step_body(ids["endpoint"], message, **step_id)
        step = post(app, "sdkmessageprocessingsteps", body)
        ids[message] = step
        image_id = (
            {"sdkmessageprocessingstepimageid": fixed_id(f"{message} image")} if fixed else {}
        )
        image = image_body(step, message, attributes=columns, **image_id)
        post(app, "sdkmessageprocessingstepimages", image)
    return ids


def context(message: ServiceBusMessage) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(message.body)
    return value


def pairs(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``[{"key", "value"}]`` collection as a dict (keys are unique in every example)."""
    return {item["key"]: item["value"] for item in items}


def target(message: ServiceBusMessage) -> dict[str, Any]:
    value: dict[str, Any] = pairs(context(message)["InputParameters"])["Target"]
    return value


def post_image(message: ServiceBusMessage, alias: str = "status") -> dict[str, Any]:
    value: dict[str, Any] = pairs(context(message)["PostEntityImages"])[alias]
    return value

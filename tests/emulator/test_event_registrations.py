"""Registering a service endpoint, a step and an image through the Web API, as the
"ServiceEndpoint", "SdkMessageProcessingStep" and "SdkMessageProcessingStepImage table/entity
reference" pages describe the tables; the rules Dataverse enforces with the codes of "Web
service error codes"; what the emulator does not run, refused by name."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from cityzen_connector.emulator import (
    EmulatorApp,
    EmulatorConfig,
    ServiceBusMessage,
    create_app,
    sdk_message_filter_id,
    sdk_message_id,
    seed,
)
from cityzen_connector.testing import FakeClock

from .conftest import TOKEN, call
from .service_bus import (
    ENDPOINT,
    image_body,
    post,
    register_endpoint,
    step_body,
)


@pytest.fixture
def app(clock: FakeClock) -> Iterator[EmulatorApp]:
    posted: list[ServiceBusMessage] = []
    instance = create_app(EmulatorConfig(token=TOKEN), clock=clock, sink=posted.append)
    seed(instance)
    yield instance
    instance.close()


def _error(app: EmulatorApp, method: str, path: str, body: Any = None) -> tuple[int, str, str]:
    status, _, payload = call(app, method, path, body)
    error = json.loads(payload)["error"]
    return status, error["code"], error["message"]


def _get(app: EmulatorApp, path: str, query: str = "") -> dict[str, Any]:
    status, _, payload = call(app, "GET", path, query=query)
    assert status == 200, payload
    value: dict[str, Any] = json.loads(payload)
    return value


def test_messages_and_filters_are_found_by_name_as_a_registration_tool_looks_them_up(
    app: EmulatorApp,
) -> None:
    [update] = _get(app, "sdkmessages", "$select=name&$filter=name eq 'Update'")["value"]
    assert update["sdkmessageid"] == sdk_message_id("Update")
    query = (
        f"$select=primaryobjecttypecode,secondaryobjecttypecode,iscustomprocessingstepallowed"
        f"&$filter=_sdkmessageid_value eq {update['sdkmessageid']} and "
        "primaryobjecttypecode eq 'incident'"
    )
    [incident] = _get(app, "sdkmessagefilters", query)["value"]
    assert incident["sdkmessagefilterid"] == sdk_message_filter_id("Update", "incident")
    assert incident["secondaryobjecttypecode"] == "none"
    assert incident["iscustomprocessingstepallowed"] is True


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("POST", "sdkmessages", "Create"),
        ("POST", "sdkmessagefilters", "Create"),
        ("PATCH", "sdkmessages({id})", "Update"),
        ("DELETE", "sdkmessagefilters({filter})", "Delete"),
    ],
)
def test_the_platforms_messages_and_filters_cannot_be_written(
    app: EmulatorApp, method: str, path: str, message: str
) -> None:
    # Their table references list Retrieve and RetrieveMultiple only.
    url = path.format(
        id=sdk_message_id("Update"), filter=sdk_message_filter_id("Update", "incident")
    )
    status, code, text = _error(app, method, url, {"name": "Mine"} if method != "DELETE" else None)
    table = "sdkmessage" if "sdkmessages" in path else "sdkmessagefilter"
    assert (status, code) == (400, "0x80040800")  # SdkEntityDoesNotSupportMessage
    assert text.startswith(f"The '{message}' method does not support entities of type '{table}'.")


def test_a_service_endpoints_sas_key_is_written_but_never_read(app: EmulatorApp) -> None:
    endpoint = register_endpoint(app)
    row = _get(app, f"serviceendpoints({endpoint})")
    # SASKey: IsValidForRead False; IsSASKeySet tells it was set.
    assert row["saskey"] is None
    assert row["issaskeyset"] is True
    assert row["saskeyname"] == "dataverse-send"
    assert ENDPOINT["saskey"] not in json.dumps(row)
    # No oracle either: a filter on the key never matches the stored one.
    query = f"$select=name&$filter=saskey eq '{ENDPOINT['saskey']}'"
    assert _get(app, "serviceendpoints", query)["value"] == []
    status, _, _ = call(app, "PATCH", f"serviceendpoints({endpoint})", {"description": "x"})
    assert status == 204
    assert _get(app, f"serviceendpoints({endpoint})")["issaskeyset"] is True


def test_an_endpoint_without_key_says_so(app: EmulatorApp) -> None:
    body = {k: v for k, v in ENDPOINT.items() if k != "saskey"}
    endpoint = post(app, "serviceendpoints", body)
    assert _get(app, f"serviceendpoints({endpoint})")["issaskeyset"] is False


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"contract": 5}, "contract Topic (5)"),
        ({"contract": 8}, "contract Webhook (8)"),
        ({"messageformat": 3}, "message format Text XML (3)"),
        ({"messageformat": None}, "message format .NET binary (the default)"),
    ],
)
def test_an_endpoint_the_emulator_would_not_post_to_is_refused_by_name(
    app: EmulatorApp, over: dict[str, Any], words: str
) -> None:
    status, code, text = _error(app, "POST", "serviceendpoints", {**ENDPOINT, **over})
    assert (status, code) == (400, "0x80060888")
    assert "The Dataverse emulator does not emulate" in text
    assert words in text


def test_acs_authentication_is_refused_as_dataverse_refuses_it(app: EmulatorApp) -> None:
    status, code, text = _error(app, "POST", "serviceendpoints", {**ENDPOINT, "authtype": 1})
    assert (status, code) == (400, "0x80050209")  # ServiceEndpointAcsAuthNotSupported
    assert text.startswith("Service Endpoint with ACS authentication type is no longer supported")


def test_a_required_column_of_the_endpoint_is_enforced(app: EmulatorApp) -> None:
    body = {k: v for k, v in ENDPOINT.items() if k != "solutionnamespace"}
    status, code, _ = _error(app, "POST", "serviceendpoints", body)
    assert (status, code) == (400, "0x80040203")


@pytest.mark.parametrize(
    "over",
    [{"mode": 0}, {"stage": 20}, {"stage": 10, "mode": 0}, {"supporteddeployment": 2}],
)
def test_only_asynchronous_post_operation_server_steps_are_run(
    app: EmulatorApp, over: dict[str, Any]
) -> None:
    endpoint = register_endpoint(app)
    status, code, text = _error(
        app, "POST", "sdkmessageprocessingsteps", step_body(endpoint, "Update", **over)
    )
    assert (status, code) == (400, "0x80060888")
    assert "only asynchronous (mode 1) post-operation (stage 40) steps" in text


def test_a_filter_of_another_message_is_not_allowed(app: EmulatorApp) -> None:
    endpoint = register_endpoint(app)
    wrong = f"/sdkmessagefilters({sdk_message_filter_id('Create', 'incident')})"
    body = step_body(endpoint, "Update", **{"sdkmessagefilterid@odata.bind": wrong})
    status, code, _ = _error(app, "POST", "sdkmessageprocessingsteps", body)
    assert (status, code) == (400, "0x80044187")  # SdkCustomProcessingStepIsNotAllowed


def test_a_step_needs_an_existing_endpoint(app: EmulatorApp) -> None:
    body = step_body("00000000-0000-0000-0000-000000000001", "Update")
    status, code, _ = _error(app, "POST", "sdkmessageprocessingsteps", body)
    assert (status, code) == (404, "0x80040217")


def test_an_image_on_create_is_a_post_image_of_the_id_property(app: EmulatorApp) -> None:
    endpoint = register_endpoint(app)
    step = post(app, "sdkmessageprocessingsteps", step_body(endpoint, "Create"))
    status, code, _ = _error(
        app, "POST", "sdkmessageprocessingstepimages", image_body(step, "Create", imagetype=0)
    )
    assert (status, code) == (400, "0x8004416d")  # no pre-image on Create
    target = image_body(step, "Create", messagepropertyname="Target")
    status, code, text = _error(app, "POST", "sdkmessageprocessingstepimages", target)
    assert (status, code) == (400, "0x8004416b")
    assert text == "Message property name 'Target' is not valid on message Create."
    assert post(app, "sdkmessageprocessingstepimages", image_body(step, "Create"))


def test_an_image_names_columns_of_its_table(app: EmulatorApp) -> None:
    endpoint = register_endpoint(app)
    step = post(app, "sdkmessageprocessingsteps", step_body(endpoint, "Update"))
    body = image_body(step, "Update", attributes="statecode,nosuchcolumn")
    status, code, text = _error(app, "POST", "sdkmessageprocessingstepimages", body)
    assert (status, code) == (400, "0x80040203")
    assert "nosuchcolumn" in text


def test_a_step_is_found_by_its_endpoint_as_the_registration_tool_lists_them(
    app: EmulatorApp,
) -> None:
    endpoint = register_endpoint(app)
    step = post(app, "sdkmessageprocessingsteps", step_body(endpoint, "Update"))
    query = f"$select=name,stage,mode,filteringattributes&$filter=_eventhandler_value eq {endpoint}"
    [found] = _get(app, "sdkmessageprocessingsteps", query)["value"]
    assert found["sdkmessageprocessingstepid"] == step
    assert (found["stage"], found["mode"]) == (40, 1)
    assert found["filteringattributes"] == "statecode,statuscode,ownerid"
    expanded = _get(
        app,
        f"sdkmessageprocessingsteps({step})",
        "$select=name&$expand=sdkmessageprocessingstepid_sdkmessageprocessingstepimage($select=entityalias)",
    )
    images = expanded["sdkmessageprocessingstepid_sdkmessageprocessingstepimage"]
    assert images == []

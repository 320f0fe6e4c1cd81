"""What a registered queue service endpoint posts: one message per matching asynchronous step,
after the commit, holding the ``RemoteExecutionContext`` as JSON ("Use WebHooks…" request body,
"the same data that is passed to Azure Service Bus integrations"; "Write a listener
application for an Azure solution": content type and message properties; "Behavior of
specialized update operations"; "Azure integration": system jobs)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from cityzen_connector.emulator import (
    CLAIMS,
    EmulatorApp,
    EmulatorConfig,
    ServiceBusMessage,
    agent_id,
    agent_object_id,
    create_app,
    seed,
    team_id,
)
from cityzen_connector.testing import FakeClock

from .conftest import TOKEN, call
from .service_bus import (
    context,
    pairs,
    post,
    post_image,
    register_case_events,
    register_endpoint,
    step_body,
    target,
)

CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts"


class Sink:
    """A sink that records what it is handed, and can be told to fail."""

    def __init__(self) -> None:
        self.messages: list[ServiceBusMessage] = []
        self.fail = False
        self.seen_during: list[dict[str, Any]] = []
        self.app: EmulatorApp | None = None

    def __call__(self, message: ServiceBusMessage) -> None:
        if self.app is not None:  # what a reader of the organisation sees when the post runs
            case = context(message)["PrimaryEntityId"]
            status, _, body = call(self.app, "GET", f"incidents({case})", query="$select=statecode")
            self.seen_during.append({"status": status, **json.loads(body)})
        if self.fail:
            raise ConnectionError("queue down")
        self.messages.append(message)


@pytest.fixture
def sink() -> Sink:
    return Sink()


@pytest.fixture
def app(clock: FakeClock, sink: Sink) -> Iterator[EmulatorApp]:
    instance = create_app(EmulatorConfig(token=TOKEN), clock=clock, sink=sink)
    seed(instance)
    register_case_events(instance)
    yield instance
    instance.close()


def _case(app: EmulatorApp, **extra: Any) -> str:
    contact = post(app, "contacts", {"firstname": "Zoé", "lastname": "Diallo"})
    body = {
        "title": "Nid-de-poule rue des Lilas",
        "caseorigincode": 3,
        "customerid_contact@odata.bind": f"/contacts({contact})",
        **extra,
    }
    return post(app, "incidents", body)


def _patch(app: EmulatorApp, case: str, body: dict[str, Any], **kw: Any) -> dict[str, str]:
    status, headers, payload = call(app, "PATCH", f"incidents({case})", body, **kw)
    assert status == 204, payload
    return headers


def _version(app: EmulatorApp, case: str) -> int:
    _, _, body = call(app, "GET", f"incidents({case})", query="$select=versionnumber")
    value: int = json.loads(body)["versionnumber"]
    return value


def test_a_created_case_posts_its_context_to_the_endpoints_queue(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    [message] = sink.messages
    ctx = context(message)
    assert list(ctx) == [
        "BusinessUnitId",
        "CorrelationId",
        "Depth",
        "InitiatingUserAgent",
        "InitiatingUserAzureActiveDirectoryObjectId",
        "InitiatingUserId",
        "InputParameters",
        "IsExecutingOffline",
        "IsInTransaction",
        "IsOfflinePlayback",
        "IsolationMode",
        "MessageName",
        "Mode",
        "OperationCreatedOn",
        "OperationId",
        "OrganizationId",
        "OrganizationName",
        "OutputParameters",
        "OwningExtension",
        "ParentContext",
        "PostEntityImages",
        "PreEntityImages",
        "PrimaryEntityId",
        "PrimaryEntityName",
        "RequestId",
        "SecondaryEntityName",
        "SharedVariables",
        "Stage",
        "UserAzureActiveDirectoryObjectId",
        "UserId",
    ]
    assert (ctx["MessageName"], ctx["Stage"], ctx["Mode"], ctx["Depth"]) == ("Create", 40, 1, 1)
    assert (ctx["PrimaryEntityName"], ctx["PrimaryEntityId"]) == ("incident", case)
    assert ctx["SecondaryEntityName"] == "none"
    assert ctx["IsInTransaction"] is False
    assert ctx["OperationCreatedOn"] == "/Date(1772442000000)/"  # 2026-03-02 09:00 UTC
    assert ctx["OutputParameters"] == [{"key": "id", "value": case}]
    assert ctx["OwningExtension"]["LogicalName"] == "sdkmessageprocessingstep"
    assert pairs(ctx["SharedVariables"]) == {
        "IsAutoTransact": True,
        "AcceptLang": "",
        "DefaultsAddedFlag": True,
    }
    # The brokered message: the endpoint's queue, JSON, the system job's id, the claims.
    assert (message.queue, message.content_type) == ("case-events", "application/json")
    assert message.namespace_address == "sb://cityzen-test.servicebus.windows.net/"
    assert message.message_id == ctx["OperationId"]
    assert message.properties == {
        CLAIMS + "Organization": "http://127.0.0.1:7072",
        CLAIMS + "User": ctx["UserId"],
        CLAIMS + "InitiatingUser": ctx["InitiatingUserId"],
        CLAIMS + "EntityLogicalName": "incident",
        CLAIMS + "RequestName": "Create",
    }


def test_the_target_and_images_are_typed_as_the_serializer_writes_them(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    [message] = sink.messages
    raw = message.body.decode("utf-8")
    assert '"__type":"Entity:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts"' in raw
    assert "Zoé" in raw  # UTF-8, not \u escapes
    entity = target(message)
    assert entity["__type"] == f"Entity:{CONTRACTS}"
    assert (entity["Id"], entity["LogicalName"], entity["RowVersion"]) == (case, "incident", None)
    attributes = pairs(entity["Attributes"])
    assert attributes["statecode"] == {"__type": f"OptionSetValue:{CONTRACTS}", "Value": 0}
    assert attributes["customerid"]["__type"] == f"EntityReference:{CONTRACTS}"
    assert attributes["customerid"]["LogicalName"] == "contact"
    assert attributes["customerid"]["Name"] is None  # the Target's references carry no name
    assert attributes["createdon"] == "/Date(1772442000000)/"
    assert attributes["ticketnumber"].startswith("CAS-")
    assert pairs(entity["FormattedValues"])["statuscode"] == "In Progress"
    image = post_image(message)
    assert "__type" not in image  # declared Entity: untyped
    image_attributes = pairs(image["Attributes"])
    assert image_attributes["customerid"]["Name"] == "Zoé Diallo"
    assert image_attributes["versionnumber"] == _version(app, case)
    assert pairs(image["FormattedValues"])["caseorigincode"] == "Web"
    names = [item["key"] for item in context(message)["PostEntityImages"]]
    assert names == ["AsynchronousStepPrimaryName", "status"]


def test_the_parent_context_is_the_core_operation_with_what_the_client_sent(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    _patch(app, case, {"statuscode": 2}, headers={"MSCRM.SuppressDuplicateDetection": "false"})
    parent = context(sink.messages[-1])["ParentContext"]
    assert parent["Stage"] == 30
    assert parent["ParentContext"] is None
    inputs = pairs(parent["InputParameters"])
    assert inputs["SuppressDuplicateDetection"] is False
    assert [a["key"] for a in inputs["Target"]["Attributes"]] == ["statuscode", "incidentid"]


def test_an_update_outside_the_filtering_attributes_posts_nothing(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    _patch(app, case, {"title": "Nid-de-poule (rebouché)", "description": "vu"})
    assert len(sink.messages) == 1  # the Create only


def test_a_status_change_posts_an_update_with_the_new_row_version(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    _patch(app, case, {"statecode": 0, "statuscode": 2})  # On Hold
    message = sink.messages[-1]
    ctx = context(message)
    assert ctx["MessageName"] == "Update"
    entity = target(message)
    attributes = pairs(entity["Attributes"])
    assert list(attributes) == [
        "statecode",
        "statuscode",
        "incidentid",
        "modifiedon",
        "modifiedby",
        "modifiedonbehalfby",
    ]
    assert attributes["statuscode"]["Value"] == 2
    assert entity["FormattedValues"] == []
    version = _version(app, case)
    assert entity["RowVersion"] == str(version)
    assert pairs(post_image(message)["Attributes"])["versionnumber"] == version
    assert message.properties[CLAIMS + "RequestName"] == "Update"


def test_cancelling_by_state_alone_carries_the_default_status_reason(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    _patch(app, case, {"statecode": 2})
    attributes = pairs(target(sink.messages[-1])["Attributes"])
    assert (attributes["statecode"]["Value"], attributes["statuscode"]["Value"]) == (2, 6)


def test_close_incident_posts_the_update_it_makes(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    resolution = {"subject": "Rebouché", "incidentid@odata.bind": f"/incidents({case})"}
    status, _, _ = call(
        app, "POST", "CloseIncident", {"IncidentResolution": resolution, "Status": 5}
    )
    assert status == 204
    ctx = context(sink.messages[-1])
    assert ctx["MessageName"] == "Update"
    assert ctx["ParentContext"] is None  # the Close message's own context is not documented
    attributes = pairs(target(sink.messages[-1])["Attributes"])
    assert (attributes["statecode"]["Value"], attributes["statuscode"]["Value"]) == (1, 5)
    image = pairs(post_image(sink.messages[-1])["FormattedValues"])
    assert (image["statecode"], image["statuscode"]) == ("Resolved", "Problem Solved")


def test_an_owner_change_posts_the_new_owner(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    team = team_id("Voirie")
    _patch(app, case, {"ownerid@odata.bind": f"/teams({team})"})
    owner = pairs(target(sink.messages[-1])["Attributes"])["ownerid"]
    assert (owner["LogicalName"], owner["Id"]) == ("team", team)
    assert pairs(post_image(sink.messages[-1])["Attributes"])["ownerid"]["Name"] == "Voirie"


def test_state_and_other_columns_are_two_operations_state_last(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    every_update = step_body(
        context(sink.messages[0])["OwningExtension"]["Id"], "Update", filteringattributes=None
    )
    endpoint = call(app, "GET", "serviceendpoints", query="$select=name")[2]
    every_update["eventhandler_serviceendpoint@odata.bind"] = (
        f"/serviceendpoints({json.loads(endpoint)['value'][0]['serviceendpointid']})"
    )
    every_update["name"] = "every update"
    post(app, "sdkmessageprocessingsteps", every_update)
    before = len(sink.messages)
    _patch(app, case, {"title": "Nid-de-poule (urgent)", "statecode": 0, "statuscode": 3})
    first, second, third = sink.messages[before:]
    assert next(iter(pairs(target(first)["Attributes"]))) == "title"  # the unfiltered step
    assert {next(iter(pairs(target(m)["Attributes"]))) for m in (second, third)} == {"statecode"}
    assert int(target(second)["RowVersion"]) == int(target(first)["RowVersion"]) + 1
    assert target(third)["RowVersion"] == str(_version(app, case))
    # One request: one correlation.
    assert len({context(m)["CorrelationId"] for m in (first, second, third)}) == 1


def test_posts_run_after_the_commit_never_inside_the_transaction(
    app: EmulatorApp, sink: Sink
) -> None:
    case = _case(app)
    sink.app = app
    _patch(app, case, {"statecode": 2})
    [seen] = sink.seen_during
    assert (seen["status"], seen["statecode"]) == (200, 2)


def test_a_rolled_back_change_set_posts_nothing(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    before = len(sink.messages)
    boundary, changeset = "batch_1", "changeset_1"
    parts = [
        f"PATCH /api/data/v9.2/incidents({case}) HTTP/1.1\r\nContent-Type: application/json\r\n"
        '\r\n{"statecode": 2}\r\n',
        "PATCH /api/data/v9.2/incidents(00000000-0000-0000-0000-000000000009) HTTP/1.1\r\n"
        'Content-Type: application/json\r\nIf-Match: *\r\n\r\n{"title": "x"}\r\n',
    ]
    body = f"--{boundary}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
    for index, part in enumerate(parts, start=1):
        body += (
            f"--{changeset}\r\nContent-Type: application/http\r\n"
            f"Content-Transfer-Encoding: binary\r\nContent-ID: {index}\r\n\r\n{part}"
        )
    body += f"--{changeset}--\r\n--{boundary}--\r\n"
    headers = {"Content-Type": f"multipart/mixed; boundary={boundary}"}
    status, _, _ = call(app, "POST", "$batch", body, headers=headers)
    assert status == 404  # the change set's failure ("Execute batch operations")
    _, _, row = call(app, "GET", f"incidents({case})", query="$select=statecode")
    assert json.loads(row)["statecode"] == 0
    assert len(sink.messages) == before
    assert app.pipeline.stats.posted == before


def test_a_failing_post_fails_its_system_job_not_the_write(
    app: EmulatorApp, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    sink.fail = True
    with caplog.at_level(logging.WARNING):
        case = _case(app)
        _patch(app, case, {"statecode": 2})
    assert app.pipeline.stats.failed == 2
    assert app.pipeline.stats.posted == 0
    _, _, body = call(app, "GET", f"incidents({case})", query="$select=statecode")
    assert json.loads(body)["statecode"] == 2
    logged = caplog.text
    assert "service endpoint post failed" in logged
    assert "ConnectionError" in logged
    for personal in ("Zoé", "Diallo", "Nid-de-poule", "queue down"):
        assert personal not in logged


def test_a_disabled_step_posts_nothing(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    step = context(sink.messages[0])["OwningExtension"]["Id"]
    status, _, _ = call(app, "PATCH", f"sdkmessageprocessingsteps({step})", {"statecode": 1})
    assert status == 204
    _case(app)
    _patch(app, case, {"statecode": 2})
    assert len(sink.messages) == 2  # the first Create, and the Update step still enabled


def test_bypassing_asynchronous_logic_posts_nothing(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    _patch(
        app, case, {"statecode": 2}, headers={"MSCRM.BypassBusinessLogicExecution": "CustomAsync"}
    )
    assert len(sink.messages) == 1


def test_the_tag_parameter_is_a_shared_variable(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    status, _, _ = call(
        app, "PATCH", f"incidents({case})", {"statecode": 2}, query="tag=cityzen-agent"
    )
    assert status == 204
    assert pairs(context(sink.messages[-1])["SharedVariables"])["tag"] == "cityzen-agent"


def test_an_agent_impersonated_is_the_initiating_user(app: EmulatorApp, sink: Sink) -> None:
    case = _case(app)
    agent = agent_id("agnes.martin")
    _patch(app, case, {"statecode": 2}, headers={"CallerObjectId": agent_object_id("agnes.martin")})
    ctx = context(sink.messages[-1])
    assert (ctx["InitiatingUserId"], ctx["UserId"]) == (agent, agent)
    assert ctx["InitiatingUserAzureActiveDirectoryObjectId"] == agent_object_id("agnes.martin")
    assert pairs(target(sink.messages[-1])["Attributes"])["modifiedby"]["Id"] == agent
    assert sink.messages[-1].properties[CLAIMS + "InitiatingUser"] == agent


def test_a_step_run_as_another_user_says_so(app: EmulatorApp, sink: Sink) -> None:
    endpoint = register_endpoint(app, name="other", path="other-queue")
    runner = agent_id("bruno.lefevre")
    body = step_body(endpoint, "Create", name="as Bruno")
    body["impersonatinguserid@odata.bind"] = f"/systemusers({runner})"
    post(app, "sdkmessageprocessingsteps", body)
    _case(app)
    [other] = [m for m in sink.messages if m.queue == "other-queue"]
    ctx = context(other)
    assert ctx["UserId"] == runner
    assert ctx["InitiatingUserId"] != runner


def test_an_oversized_context_loses_its_inputs_and_images_and_says_so(
    app: EmulatorApp, sink: Sink
) -> None:
    endpoint = register_endpoint(app, name="notes", path="notes")
    post(app, "sdkmessageprocessingsteps", step_body(endpoint, "Create", table="annotation"))
    post(app, "annotations", {"subject": "scan", "documentbody": "A" * (200 * 1024)})
    [message] = [m for m in sink.messages if m.queue == "notes"]
    assert len(message.body) <= 192 * 1024
    assert message.properties["MessageMaxSizeExceeded"] is True
    ctx = context(message)
    assert (ctx["InputParameters"], ctx["PostEntityImages"], ctx["ParentContext"]) == ([], [], None)


def test_without_a_sink_matching_posts_are_counted_not_built(clock: FakeClock) -> None:
    instance = create_app(EmulatorConfig(token=TOKEN), clock=clock)
    try:
        seed(instance)
        register_case_events(instance)
        _case(instance)
        assert instance.pipeline.stats.unposted == 1
    finally:
        instance.close()

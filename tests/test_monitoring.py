"""The Azure Monitor workbook and alerts in infra/ refer only to metrics the code emits.

The workbook (infra/monitoring.workbook.json) and the alerts (main.bicep) query custom metrics
by name; those names live in cityzen_connector/_metrics.py, which the code emits through. A
renamed metric, a typo in a query or a chart of a metric nobody emits fails here."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cityzen_connector._metrics import CATALOGUE
from cityzen_connector.cases import rejected_queue as case_events_rejected
from cityzen_connector.cases import webhook_rejected_queue
from cityzen_connector.settings import Settings
from cityzen_connector.sync.pipeline import rejected_queue
from tests.support.bicep import accessor, main
from tests.support.paths import ROOT

T = main()
WORKBOOK_PATH = ROOT / "infra" / "monitoring.workbook.json"
METRIC_NAME = re.compile(r"\bcityzen(?:\.[a-z_]+)+")
# Service Bus platform metrics the workbook and alerts use ("Monitoring Azure Service Bus data
# reference", Microsoft Learn).
SERVICE_BUS_METRICS = {"ActiveMessages", "DeadletteredMessages"}


def workbook() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(WORKBOOK_PATH.read_text(encoding="utf-8"))
    return document


def names_in(text: str) -> set[str]:
    return set(METRIC_NAME.findall(text))


def unknown(text: str) -> set[str]:
    """Metric names ``text`` refers to that the code does not emit."""
    return names_in(text) - set(CATALOGUE)


def queries() -> list[str]:
    return [i["content"]["query"] for i in workbook()["items"] if i["type"] == 3]


def alert_queries() -> dict[str, str]:
    rules = T.of_type("Microsoft.Insights/scheduledQueryRules")
    return {
        symbol: T.resource(symbol)["properties"]["criteria"]["allOf"][0]["query"]
        for symbol in rules
    }


def test_the_workbook_is_a_workbook_with_named_items() -> None:
    document = workbook()
    assert document["version"] == "Notebook/1.0"
    names = [item["name"] for item in document["items"]]
    assert len(names) == len(set(names))
    for item in document["items"]:
        assert item["type"] in (1, 3, 10), item["name"]
        if item["type"] == 3:
            assert item["content"]["resourceType"] == "microsoft.insights/components"


def test_every_metric_the_workbook_charts_is_one_the_code_emits() -> None:
    text = "\n".join(queries())
    assert names_in(text)
    assert unknown(text) == set()
    # And every metric the code emits has a chart.
    assert names_in(text) == set(CATALOGUE)


def test_the_name_check_catches_a_metric_nobody_emits() -> None:
    assert unknown("customMetrics | where name == 'cityzen.submissions.acepted'") == {
        "cityzen.submissions.acepted"
    }


def test_queue_charts_show_both_namespaces_split_by_queue() -> None:
    charts = [i["content"] for i in workbook()["items"] if i["type"] == 10]
    placeholders = {rid for c in charts for rid in c["resourceIds"]}
    assert placeholders == {"__SERVICE_BUS_ID__", "__EVENTS_BUS_ID__"}
    for chart in charts:
        for metric in chart["metrics"]:
            namespace, name = metric["metric"].split("--")
            assert namespace == "microsoft.servicebus/namespaces"
            assert name in SERVICE_BUS_METRICS
            assert metric["splitBy"] == "EntityName"
    # The template puts this deployment's namespaces in place of the placeholders.
    data = T.resource("workbook")["properties"]["serializedData"]["function"]
    outer, inner = data["parameters"], data["parameters"]["original_string"]["function"]
    assert inner["parameters"]["original_string"] == {
        "function": {
            "type": "load_text_content",
            "parameters": {"file_path": WORKBOOK_PATH.name, "encoding": None},
        }
    }
    assert {
        (inner["parameters"]["old_string"], str(inner["parameters"]["new_string"])),
        (outer["old_string"], str(outer["new_string"])),
    } == {
        ("__SERVICE_BUS_ID__", str(accessor("serviceBus", "id"))),
        ("__EVENTS_BUS_ID__", str(accessor("eventsBus", "id"))),
    }


def test_every_metric_the_alerts_query_is_one_the_code_emits() -> None:
    found = alert_queries()
    assert set(found) == {"oldestSubmissionAlert", "breakerAlert", "failedExecutionsAlert"}
    for symbol, query in found.items():
        assert unknown(query) == set(), symbol
    assert names_in(found["oldestSubmissionAlert"]) == {"cityzen.submissions.queue_age_ms"}
    assert names_in(found["breakerAlert"]) == {"cityzen.breaker.opened"}


def _criterion(symbol: str) -> dict[str, Any]:
    criteria = T.resource(symbol)["properties"]["criteria"]
    # pycep keeps a quoted key's quotes ('odata.type').
    kind = criteria["'odata.type'"]
    assert kind == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    (criterion,) = criteria["allOf"]
    return dict(criterion)


def test_dead_letters_alert_above_zero_in_both_namespaces() -> None:
    for symbol, namespace in (
        ("deadLettersAlert", "serviceBus"),
        ("eventsDeadLettersAlert", "eventsBus"),
    ):
        body = T.resource(symbol)
        assert body["properties"]["scopes"] == [accessor(namespace, "id")]
        criterion = _criterion(symbol)
        assert criterion["metricName"] in SERVICE_BUS_METRICS
        assert criterion["metricName"] == "DeadletteredMessages"
        assert (criterion["operator"], criterion["threshold"]) == ("GreaterThan", 0)


def test_the_parked_messages_alert_watches_every_rejected_queue_the_code_uses() -> None:
    criterion = _criterion("rejectedAlert")
    assert criterion["metricName"] == "ActiveMessages"
    (dimension,) = criterion["dimensions"]
    assert dimension["name"] == "EntityName"
    assert dimension["values"] == "rejectedQueues"
    settings = Settings()
    names = {
        v.replace("${" + var + "}", T.variable(var))
        for v in T.variable("rejectedQueues")
        for var in ("submissionsQueue", "webhooksQueue", "caseEventsQueue")
        if "${" + var + "}" in v
    }
    assert names == {
        rejected_queue(settings.submissions_queue),
        webhook_rejected_queue(settings.webhooks_queue),
        case_events_rejected(settings.case_events_queue),
    }


def test_the_oldest_submission_alert_threshold_is_a_parameter_in_minutes() -> None:
    criterion = T.resource("oldestSubmissionAlert")["properties"]["criteria"]["allOf"][0]
    assert criterion["threshold"] == {
        "operator": {
            "type": "multiply",
            "operands": {"operand_1": "oldestSubmissionAlertMinutes", "operand_2": 60000},
        }
    }
    assert criterion["metricMeasureColumn"] in criterion["query"]
    assert T.parameters["oldestSubmissionAlertMinutes"]["default"] >= 5


@pytest.mark.parametrize(
    "symbol",
    [
        "deadLettersAlert",
        "eventsDeadLettersAlert",
        "rejectedAlert",
        "oldestSubmissionAlert",
        "breakerAlert",
        "failedExecutionsAlert",
    ],
)
def test_every_alert_tells_the_action_group(symbol: str) -> None:
    actions = T.resource(symbol)["properties"]["actions"]
    group = accessor("opsGroup", "id")
    assert actions in ([{"actionGroupId": group}], {"actionGroups": [group]})
    assert T.resource(symbol)["properties"]["enabled"] is True


def test_the_action_group_mails_the_address_given_as_a_parameter() -> None:
    assert T.parameters["alertEmail"]["default"] == ""
    receivers = T.resource("opsGroup")["properties"]["emailReceivers"]["operator"]
    assert receivers["type"] == "conditional"
    assert receivers["operands"]["true_value"] == []  # no address: no receiver, no failed mail
    (mail,) = receivers["operands"]["false_value"]
    assert mail["emailAddress"] == "alertEmail"
    assert mail["useCommonAlertSchema"] is True

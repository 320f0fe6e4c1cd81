"""infra/, host.json and the app agree with each other and with the settings' defaults.

The template is read as a parsed tree (pycep-parser, tests/support/bicep.py), resource by
symbolic name: a property moved, renamed or mistyped fails here, not in a deployment."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from cityzen_connector.cases import rejected_queue as case_events_rejected
from cityzen_connector.cases import webhook_rejected_queue
from cityzen_connector.dataverse import RetryPolicy
from cityzen_connector.localhost import read_host_json
from cityzen_connector.settings import ENV_PREFIX, Settings
from cityzen_connector.sync.pipeline import rejected_queue
from functions.case_events import CONNECTION as CASE_EVENTS_CONNECTION
from functions.queue_workers import CONNECTION
from tests.support.bicep import Reference, accessor, main, parse
from tests.support.paths import ROOT

T = main()
DATAVERSE_CONCURRENT_REQUESTS_PER_USER = 52  # service protection limit, Microsoft Learn
QUEUE_TYPE = "Microsoft.ServiceBus/namespaces/queues"


def iso_duration(text: str) -> timedelta:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    assert match is not None, text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def queue_name(symbol: str) -> str:
    """The queue's deployed name: its ``name`` with the template's string variables put in."""
    name = T.resource(symbol)["name"]
    if T.ref(name) == Reference(name):
        return str(T.variable(name))
    for var, value in T.variables.items():
        if isinstance(value["value"], str):
            name = name.replace("${" + var + "}", value["value"])
    assert "${" not in name, name
    return str(name)


def embedded_queue(props: dict[str, Any], settings: Settings, *, duplicates: bool) -> None:
    """The properties the code relies on, equal to the embedded queue's (settings queue_*)."""
    assert iso_duration(props["lockDuration"]) == timedelta(
        seconds=settings.queue_lock_duration_seconds
    )
    assert props["maxDeliveryCount"] == settings.queue_max_delivery_count
    assert props.get("requiresDuplicateDetection", False) is duplicates
    if duplicates:
        assert iso_duration(props["duplicateDetectionHistoryTimeWindow"]) == timedelta(
            seconds=settings.queue_duplicate_window_seconds
        )
    assert iso_duration(props["defaultMessageTimeToLive"]) == timedelta(
        days=settings.queue_time_to_live_days
    )


def parked_queue(props: dict[str, Any]) -> None:
    """A parking queue: expires with the RGPD retention and never moves its personal data to a
    dead-letter sub-queue on expiry."""
    assert props["defaultMessageTimeToLive"] == "P${retentionDays}D"
    assert props["deadLetteringOnMessageExpiration"] is False


def test_the_template_parses_and_every_resource_has_a_type_and_an_api_version() -> None:
    assert T.tree["globals"]["scope"]["value"] == "resourceGroup"
    assert T.resources
    for name, resource in T.resources.items():
        assert "/" in resource["type"], name
        assert resource["api_version"][:4].isdigit(), name
        assert resource["existing"] is False, name


def test_a_mistyped_property_fails_the_parsed_checks(tmp_path: Any) -> None:
    # The checks read the tree, not the text: a string where a boolean belongs is seen.
    broken = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
    flag = "requiresDuplicateDetection: "
    broken = broken.replace(flag + "true", flag + "'true'", 1)
    path = tmp_path / "main.bicep"
    path.write_text(broken, encoding="utf-8")
    props = parse(path).resource("submissions")["properties"]
    with pytest.raises(AssertionError):
        embedded_queue(props, Settings(), duplicates=True)


def test_every_queue_the_code_uses_is_declared_with_the_properties_it_relies_on() -> None:
    settings = Settings()
    queues = T.of_type(QUEUE_TYPE)
    for resource in queues.values():
        assert resource["api_version"] == "2022-10-01-preview"
    names = {queue_name(symbol): symbol for symbol in queues}
    # The code's names: settings' defaults and the queue-name functions of each package.
    expected = {
        settings.submissions_queue: "serviceBus",
        rejected_queue(settings.submissions_queue): "serviceBus",
        settings.webhooks_queue: "serviceBus",
        webhook_rejected_queue(settings.webhooks_queue): "serviceBus",
        settings.case_events_queue: "eventsBus",
        # The app parks unreadable events with its identity, on the main namespace.
        case_events_rejected(settings.case_events_queue): "serviceBus",
        settings.profile_updates_queue: "serviceBus",
        f"{settings.profile_updates_queue}-rejected": "serviceBus",
    }
    assert set(names) == set(expected)
    for name, namespace in expected.items():
        assert T.resource(names[name])["parent"] == namespace, name
    assert expected == {
        "submissions": "serviceBus",
        "submissions-rejected": "serviceBus",
        "webhooks": "serviceBus",
        "webhooks-rejected": "serviceBus",
        "case-events": "eventsBus",
        "case-events-rejected": "serviceBus",
        "profile-updates": "serviceBus",
        "profile-updates-rejected": "serviceBus",
    }


def test_the_submissions_queue_in_azure_behaves_as_the_embedded_one() -> None:
    settings = Settings()
    assert T.variable("submissionsQueue") == settings.submissions_queue
    submissions = T.resource("submissions")
    assert T.ref(submissions["name"]) == Reference("submissionsQueue")
    embedded_queue(submissions["properties"], settings, duplicates=True)
    assert submissions["properties"]["deadLetteringOnMessageExpiration"] is True


def test_the_rejected_queues_are_named_as_the_code_names_them_and_expire_with_retention() -> None:
    for symbol, variable in (
        ("rejected", "submissionsQueue"),
        ("webhooksRejected", "webhooksQueue"),
        ("caseEventsRejected", "caseEventsQueue"),
        ("profileUpdatesRejected", "profileUpdatesQueue"),
    ):
        body = T.resource(symbol)
        assert body["name"] == "${" + variable + "}-rejected", symbol
        assert T.resources[symbol]["type"] == QUEUE_TYPE
        parked_queue(body["properties"])
    assert rejected_queue("submissions") == "submissions-rejected"
    assert webhook_rejected_queue("webhooks") == "webhooks-rejected"
    assert case_events_rejected("case-events") == "case-events-rejected"


def test_the_webhook_outbox_in_azure_behaves_as_the_embedded_one() -> None:
    settings = Settings()
    assert T.variable("webhooksQueue") == settings.webhooks_queue
    outbox = T.resource("webhooks")
    assert T.ref(outbox["name"]) == Reference("webhooksQueue")
    assert outbox["properties"] == T.resource("submissions")["properties"]
    assert T.ref(T.app_settings()["CITYZEN_WEBHOOKS_QUEUE"]) == Reference("webhooksQueue")


def test_the_profile_updates_queue_in_azure_behaves_as_the_embedded_one() -> None:
    settings = Settings()
    assert T.variable("profileUpdatesQueue") == settings.profile_updates_queue
    queue = T.resource("profileUpdates")
    assert queue["properties"] == T.resource("submissions")["properties"]
    app = T.app_settings()
    assert T.ref(app["CITYZEN_PROFILE_UPDATES_QUEUE"]) == Reference("profileUpdatesQueue")
    assert app["CITYZEN_NOTIFIER_URL"] == "none://"


def test_webhook_secrets_come_from_key_vault_and_only_when_webhooks_are_on() -> None:
    assert T.variable("webhookSecretsReference") == (
        "@Microsoft.KeyVault(VaultName=${vault.name};SecretName=webhook-secrets)"
    )
    secrets = T.app_settings()["CITYZEN_WEBHOOK_SECRETS"]["operator"]
    assert secrets["type"] == "conditional"
    operands = secrets["operands"]
    assert operands["condition"] == {
        "function": {"type": "empty", "parameters": {"item_to_test": "webhookUrls"}}
    }
    assert operands["true_value"] == ""
    assert T.ref(operands["false_value"]) == Reference("webhookSecretsReference")
    assert T.ref(T.app_settings()["CITYZEN_WEBHOOK_URLS"]) == Reference("webhookUrls")
    assert T.parameters["webhookUrls"]["default"] == ""


def test_the_case_events_queue_behaves_as_the_embedded_one_and_drops_what_expires() -> None:
    settings = Settings()
    assert T.variable("caseEventsQueue") == settings.case_events_queue
    body = T.resource("caseEvents")
    assert T.ref(body["name"]) == Reference("caseEventsQueue")
    assert body["parent"] == "eventsBus"
    embedded_queue(body["properties"], settings, duplicates=True)
    # An expired event holds a case's post-image: dropped, not kept; change tracking brings
    # the change back.
    assert body["properties"]["deadLetteringOnMessageExpiration"] is False


def test_dataverse_may_only_send_and_only_to_the_case_events_queue() -> None:
    rules = T.of_type("Microsoft.ServiceBus/namespaces/queues/authorizationRules")
    assert list(rules) == ["dataverseSend"]
    rule = T.resource("dataverseSend")
    assert rule["parent"] == "caseEvents"
    assert rule["properties"]["rights"] == ["Send"]
    # Local (key) auth is on in the events namespace alone; the main one stays identity-only.
    assert T.resource("eventsBus")["properties"]["disableLocalAuth"] is False
    assert T.resource("serviceBus")["properties"]["disableLocalAuth"] is True
    text = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
    assert "listKeys" not in text  # no key is ever read or output by the template
    receiver = T.resource("eventsReceiver")
    assert receiver["scope"] == "eventsBus"
    assert receiver["properties"]["roleDefinitionId"]["function"]["parameters"][
        "resource_name_1"
    ] == accessor("roles", "serviceBusDataReceiver")


def test_every_app_setting_is_a_real_setting_and_the_trigger_connection_is_set() -> None:
    settings = T.app_settings()
    ours = [n for n in settings if n.startswith(ENV_PREFIX)]
    fields = {ENV_PREFIX + f.upper() for f in Settings.model_fields}
    assert ours
    assert set(ours) <= fields, set(ours) - fields
    assert f"{CONNECTION}__fullyQualifiedNamespace" in settings
    assert f"{CASE_EVENTS_CONNECTION}__fullyQualifiedNamespace" in settings
    assert T.ref(settings["CITYZEN_CASE_EVENTS_QUEUE"]) == Reference("caseEventsQueue")
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    # No connection string or key: identity-based everywhere.
    text = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
    assert "AccountKey" not in text
    assert "SharedAccessKey" not in text
    assert T.resource("storage")["properties"]["allowSharedKeyAccess"] is False


def test_the_roles_the_app_needs_are_assigned_to_its_identity() -> None:
    assignments = T.of_type("Microsoft.Authorization/roleAssignments")
    granted: dict[str, set[str]] = {}
    for symbol in assignments:
        body = T.resource(symbol)
        role = body["properties"]["roleDefinitionId"]["function"]["parameters"]["resource_name_1"]
        role_name = role["operator"]["operands"]["operand_2"]
        principal = body["properties"]["principalId"]
        # app.identity.principalId: the accessor of app, then of identity.principalId.
        if principal == accessor("app", accessor("identity", "principalId")):
            granted.setdefault(role_name, set()).add(body["scope"])
            assert body["properties"]["principalType"] == "ServicePrincipal", symbol
        assert role_name in T.variable("roles"), symbol
    assert granted == {
        "serviceBusDataSender": {"serviceBus"},
        "serviceBusDataReceiver": {"serviceBus", "eventsBus"},
        "storageBlobDataOwner": {"storage"},
        "storageTableDataContributor": {"storage"},
        "storageQueueDataContributor": {"storage"},
        "keyVaultSecretsUser": {"vault"},
        "monitoringMetricsPublisher": {"insights"},
    }
    assert T.resource("app")["identity"] == {"type": "SystemAssigned"}
    assert T.resource("plan")["sku"] == {"name": "FC1", "tier": "FlexConsumption"}


def test_the_parameters_example_names_every_required_parameter_and_nothing_else() -> None:
    declared = T.parameters
    required = {name for name, p in declared.items() if p["default"] is None}
    assert required == {"dataverseUrl"}
    example = json.loads((ROOT / "infra" / "main.parameters.example.json").read_text())
    given = set(example["parameters"])
    assert required <= given
    assert given <= set(declared)


def test_host_json_sizes_concurrency_for_dataverse_and_keeps_locks_alive() -> None:
    document = json.loads((ROOT / "host.json").read_text())
    host = read_host_json(ROOT / "host.json")
    assert document["extensionBundle"] == {
        "id": "Microsoft.Azure.Functions.ExtensionBundle",
        "version": "[4.*, 5.0.0)",
    }
    service_bus = document["extensions"]["serviceBus"]
    assert service_bus["autoCompleteMessages"] is True  # return → complete, raise → abandon
    assert service_bus["prefetchCount"] == 0  # prefetched messages' locks would expire
    instances = T.parameters["maximumInstanceCount"]
    max_instances = instances["default"]
    max_allowed = next(d["argument"] for d in instances["decorators"] if d["type"] == "max_value")
    assert host.max_concurrent_calls * max_instances < DATAVERSE_CONCURRENT_REQUESTS_PER_USER
    assert host.max_concurrent_calls * max_allowed <= DATAVERSE_CONCURRENT_REQUESTS_PER_USER
    # A call must not outlive its lock renewal, or the message is redelivered while running.
    hours, minutes, seconds = (int(x) for x in document["functionTimeout"].split(":"))
    timeout = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    assert timeout <= host.max_auto_lock_renewal
    # ... and must leave the Dataverse client time for its own retries (queue work policy:
    # its waits plus every attempt running to its timeout).
    work = RetryPolicy.QUEUE_WORK
    worst = work.max_wait_seconds + work.max_attempts * Settings().dataverse_timeout_seconds
    assert timeout.total_seconds() > worst
    # A webhook message POSTs to every endpoint in turn, each within its timeout.
    most = Settings.model_fields["webhook_timeout_seconds"].metadata
    longest = next(m.le for m in most if getattr(m, "le", None) is not None)
    assert longest * 10 <= timeout.total_seconds()  # 10 endpoints at most (settings)
    assert document["telemetryMode"] == "OpenTelemetry"


def test_the_local_settings_example_is_valid_for_func_start() -> None:
    values = json.loads((ROOT / "local.settings.example.json").read_text())["Values"]
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    assert f"{CONNECTION}__fullyQualifiedNamespace" in values
    assert f"{CASE_EVENTS_CONNECTION}__fullyQualifiedNamespace" in values
    fields = {ENV_PREFIX + f.upper() for f in Settings.model_fields}
    ours = {name for name in values if name.startswith(ENV_PREFIX)}
    assert ours <= fields, ours - fields
    # The HTTP API sends where the trigger receives: the same Service Bus namespace.
    namespace = values[f"{CONNECTION}__fullyQualifiedNamespace"]
    assert values["CITYZEN_QUEUE_URL"] == f"servicebus://{namespace}"
    funcignore = (ROOT / ".funcignore").read_text().split()
    assert {"local.settings.json", "tests", ".venv", "infra"} <= set(funcignore)


def test_address_help_asks_the_geoplateforme_within_its_limit_from_every_instance() -> None:
    settings = T.app_settings()
    assert settings["CITYZEN_GEOCODER_URL"] == "https://data.geopf.fr/geocodage"
    pace = settings["CITYZEN_GEOCODER_REQUESTS_PER_SECOND"]["function"]
    assert pace["type"] == "string"
    share = pace["parameters"]["value_to_convert"]["function"]
    assert share["type"] == "max"
    assert share["parameters"]["arg_1"] == 1
    assert share["parameters"]["arg_2"] == {
        "operator": {
            "type": "divide",
            "operands": {"operand_1": 40, "operand_2": "maximumInstanceCount"},
        }
    }
    Settings(_env_file=None, geocoder_url="https://data.geopf.fr/geocodage")  # a valid value
    instances = T.parameters["maximumInstanceCount"]["default"]
    assert max(1, 40 // instances) * instances <= 50  # the service's 50 requests/s per IP


def test_the_log_workspace_keeps_at_least_its_minimum_and_the_rgpd_retention() -> None:
    retention = T.resource("logs")["properties"]["retentionInDays"]
    assert retention == {
        "function": {"type": "max", "parameters": {"arg_1": 30, "arg_2": "retentionDays"}}
    }

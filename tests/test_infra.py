"""infra/, host.json and the app agree with each other and with the settings' defaults."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from cityzen_connector.cases import rejected_queue as case_events_rejected
from cityzen_connector.cases import webhook_rejected_queue
from cityzen_connector.dataverse import RetryPolicy
from cityzen_connector.localhost import read_host_json
from cityzen_connector.settings import ENV_PREFIX, Settings
from cityzen_connector.sync.pipeline import rejected_queue
from functions.case_events import CONNECTION as CASE_EVENTS_CONNECTION
from functions.queue_workers import CONNECTION

ROOT = Path(__file__).resolve().parents[1]
BICEP = (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8")
DATAVERSE_CONCURRENT_REQUESTS_PER_USER = 52  # service protection limit, Microsoft Learn


def iso_duration(text: str) -> timedelta:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    assert match is not None, text
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def prop(block: str, name: str) -> str:
    match = re.search(rf"^\s*{name}: '?([^'\n]+)'?$", block, re.M)
    assert match is not None, name
    return match.group(1)


def test_the_submissions_queue_in_azure_behaves_as_the_embedded_one() -> None:
    settings = Settings()
    assert f"var submissionsQueue = '{settings.submissions_queue}'" in BICEP
    block = BICEP.split("resource submissions ", 1)[1].split("\n}\n", 1)[0]
    assert iso_duration(prop(block, "lockDuration")) == timedelta(
        seconds=settings.queue_lock_duration_seconds
    )
    assert int(prop(block, "maxDeliveryCount")) == settings.queue_max_delivery_count
    assert prop(block, "requiresDuplicateDetection") == "true"
    assert iso_duration(prop(block, "duplicateDetectionHistoryTimeWindow")) == timedelta(
        seconds=settings.queue_duplicate_window_seconds
    )
    assert iso_duration(prop(block, "defaultMessageTimeToLive")) == timedelta(
        days=settings.queue_time_to_live_days
    )
    assert prop(block, "deadLetteringOnMessageExpiration") == "true"


def test_the_rejected_queue_is_named_as_the_code_names_it_and_expires_with_retention() -> None:
    block = BICEP.split("resource rejected ", 1)[1].split("\n}\n", 1)[0]
    assert prop(block, "name") == "${submissionsQueue}-rejected"
    assert rejected_queue("submissions") == "submissions-rejected"
    assert prop(block, "defaultMessageTimeToLive") == "P${retentionDays}D"
    assert prop(block, "deadLetteringOnMessageExpiration") == "false"


def test_the_webhook_outbox_in_azure_behaves_as_the_embedded_one_and_parks_its_dead_letters() -> (
    None
):
    settings = Settings()
    assert f"var webhooksQueue = '{settings.webhooks_queue}'" in BICEP
    outbox = BICEP.split("resource webhooks ", 1)[1].split("\n}\n", 1)[0]
    submissions = BICEP.split("resource submissions ", 1)[1].split("\n}\n", 1)[0]
    assert prop(outbox, "name") == "webhooksQueue"
    assert outbox.split("properties:", 1)[1] == submissions.split("properties:", 1)[1]
    parked = BICEP.split("resource webhooksRejected ", 1)[1].split("\n}\n", 1)[0]
    assert prop(parked, "name") == "${webhooksQueue}-rejected"
    assert webhook_rejected_queue("webhooks") == "webhooks-rejected"
    assert prop(parked, "defaultMessageTimeToLive") == "P${retentionDays}D"
    assert "{ name: 'CITYZEN_WEBHOOKS_QUEUE', value: webhooksQueue }" in BICEP


def test_webhook_secrets_come_from_key_vault_and_only_when_webhooks_are_on() -> None:
    assert "SecretName=webhook-secrets)'" in BICEP
    secrets = "{ name: 'CITYZEN_WEBHOOK_SECRETS', value: "
    assert secrets + "empty(webhookUrls) ? '' : webhookSecretsReference }" in BICEP
    assert "{ name: 'CITYZEN_WEBHOOK_URLS', value: webhookUrls }" in BICEP
    assert re.search(r"^param webhookUrls string = ''$", BICEP, re.M)


def _block(resource: str) -> str:
    return BICEP.split(f"resource {resource} ", 1)[1].split("\n}\n", 1)[0]


def test_the_case_events_queue_behaves_as_the_embedded_one_and_drops_what_expires() -> None:
    settings = Settings()
    assert f"var caseEventsQueue = '{settings.case_events_queue}'" in BICEP
    block = _block("caseEvents")
    assert prop(block, "name") == "caseEventsQueue"
    assert prop(block, "parent") == "eventsBus"
    assert iso_duration(prop(block, "lockDuration")) == timedelta(
        seconds=settings.queue_lock_duration_seconds
    )
    assert int(prop(block, "maxDeliveryCount")) == settings.queue_max_delivery_count
    assert iso_duration(prop(block, "defaultMessageTimeToLive")) == timedelta(
        days=settings.queue_time_to_live_days
    )
    # An expired event holds a case's post-image: dropped, not kept; change tracking brings
    # the change back.
    assert prop(block, "deadLetteringOnMessageExpiration") == "false"


def test_dataverse_may_only_send_and_only_to_the_case_events_queue() -> None:
    rule = _block("dataverseSend")
    assert prop(rule, "parent") == "caseEvents"
    assert "rights: [ 'Send' ]" in rule
    # Local (key) auth is on in the events namespace alone; the main one stays identity-only.
    assert "disableLocalAuth: false" in _block("eventsBus")
    assert "disableLocalAuth: true" in _block("serviceBus")
    assert BICEP.count("authorizationRules@") == 1
    assert "listKeys" not in BICEP  # no key is ever read or output by the template
    receiver = _block("eventsReceiver")
    assert "scope: eventsBus" in receiver
    assert "roles.serviceBusDataReceiver" in receiver


def test_unreadable_case_events_are_parked_as_the_code_names_it_and_expire() -> None:
    block = _block("caseEventsRejected")
    assert prop(block, "name") == "${caseEventsQueue}-rejected"
    assert case_events_rejected("case-events") == "case-events-rejected"
    assert prop(block, "parent") == "serviceBus"  # the app parks them with its identity
    assert prop(block, "defaultMessageTimeToLive") == "P${retentionDays}D"
    assert prop(block, "deadLetteringOnMessageExpiration") == "false"


def test_every_app_setting_is_a_real_setting_and_the_trigger_connection_is_set() -> None:
    names = re.findall(r"\{ name: '([A-Za-z_]+)', value:", BICEP)
    ours = [n for n in names if n.startswith(ENV_PREFIX)]
    fields = {ENV_PREFIX + f.upper() for f in Settings.model_fields}
    assert ours
    assert set(ours) <= fields, set(ours) - fields
    assert f"{CONNECTION}__fullyQualifiedNamespace" in names
    assert f"{CASE_EVENTS_CONNECTION}__fullyQualifiedNamespace" in names
    assert "CITYZEN_CASE_EVENTS_QUEUE" in names
    assert "AzureWebJobsStorage__accountName" in names
    # No connection string or key: identity-based everywhere.
    assert "AccountKey" not in BICEP
    assert "SharedAccessKey" not in BICEP


def test_the_roles_the_app_needs_are_assigned_to_its_identity() -> None:
    for role in (
        "serviceBusDataSender",
        "serviceBusDataReceiver",
        "storageBlobDataOwner",
        "storageTableDataContributor",
        "keyVaultSecretsUser",
    ):
        assert f"roles.{role})" in BICEP, role
    assert "identity: { type: 'SystemAssigned' }" in BICEP
    assert "tier: 'FlexConsumption'" in BICEP


def test_the_parameters_example_names_every_required_parameter_and_nothing_else() -> None:
    declared = dict(re.findall(r"^param (\w+) \w+( = .*)?$", BICEP, re.M))
    required = {name for name, default in declared.items() if not default}
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
    max_instances = int(re.search(r"param maximumInstanceCount int = (\d+)", BICEP).group(1))  # type: ignore[union-attr]
    max_allowed = int(re.search(r"@maxValue\((\d+)\)\nparam maximumInstanceCount", BICEP).group(1))  # type: ignore[union-attr]
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
    assert "{ name: 'CITYZEN_GEOCODER_URL', value: 'https://data.geopf.fr/geocodage' }" in BICEP
    pace = (
        "{ name: 'CITYZEN_GEOCODER_REQUESTS_PER_SECOND',"
        " value: string(max(1, 40 / maximumInstanceCount)) }"
    )
    assert pace in BICEP
    Settings(_env_file=None, geocoder_url="https://data.geopf.fr/geocodage")  # a valid value
    instances = int(re.search(r"param maximumInstanceCount int = (\d+)", BICEP).group(1))  # type: ignore[union-attr]
    assert max(1, 40 // instances) * instances <= 50  # the service's 50 requests/s per IP

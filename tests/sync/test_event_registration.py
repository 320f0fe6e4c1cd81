"""The registration of case events as data: where it posts, what it prints, and that it stops
before writing anything when Dataverse lacks the message it registers on."""

from __future__ import annotations

import pytest

from cityzen_connector.dataverse import Query
from cityzen_connector.sync import (
    EventRegistration,
    ProvisionError,
    RegistrationLine,
    register_events,
)
from cityzen_connector.testing import emulator_client

KEY = "c2VuZC1vbmx5LWtleQ=="


@pytest.mark.parametrize(
    "namespace",
    ["cityzen-events.servicebus.windows.net", "sb://cityzen-events.servicebus.windows.net/"],
)
def test_the_endpoint_address_is_the_namespace_as_service_bus_names_it(namespace: str) -> None:
    config = EventRegistration(namespace, "case-events", "dataverse-send", KEY)
    assert config.namespace_address == "sb://cityzen-events.servicebus.windows.net/"
    assert config.solution_namespace == "cityzen-events"
    assert KEY not in repr(config)


def test_a_line_names_the_object_the_outcome_and_the_columns_never_values() -> None:
    line = RegistrationLine(
        "step",
        "CityZen case events: Update of incident",
        "updated",
        True,
        ("filteringattributes", "saskey"),
    )
    assert line.line() == (
        "would update  step              CityZen case events: Update of incident"
        " (filteringattributes, saskey)"
    )


def test_without_the_sdk_message_nothing_is_written() -> None:
    emulator = emulator_client(seeded=False)  # no sdkmessage rows
    try:
        config = EventRegistration("embedded.servicebus.localhost", "case-events", "k", KEY)
        with pytest.raises(ProvisionError, match="no SDK message named Create"):
            register_events(emulator.client, config)
        assert list(emulator.client.query(Query("serviceendpoints").select("name"))) == []
    finally:
        emulator.close()


def test_the_image_columns_are_every_column_the_cases_code_reads() -> None:
    # cases.CASE_COLUMNS is what a status needs (and what reconciliation selects); the
    # composition root adds the mappings' submission id column to the registered image.
    from cityzen_connector.app import event_registration  # noqa: PLC0415
    from cityzen_connector.cases import CASE_COLUMNS  # noqa: PLC0415
    from cityzen_connector.settings import Settings  # noqa: PLC0415
    from cityzen_connector.sync import IMAGE_COLUMNS  # noqa: PLC0415

    assert set(IMAGE_COLUMNS) >= set(CASE_COLUMNS)
    registration = event_registration(Settings(_env_file=None), submission_column="cz_submissionid")
    assert set(registration.image_columns) == {*IMAGE_COLUMNS, "cz_submissionid"}
    assert event_registration(Settings(_env_file=None)).image_columns == IMAGE_COLUMNS


def test_without_the_conversation_table_nothing_is_written_and_it_says_provision() -> None:
    emulator = emulator_client()  # seeded, not provisioned: no cz_casemessage table
    try:
        config = EventRegistration("embedded.servicebus.localhost", "case-events", "k", KEY)
        with pytest.raises(
            ProvisionError, match=r"cz_casemessage table .*cityzen dataverse provision"
        ):
            register_events(emulator.client, config)
        assert list(emulator.client.query(Query("serviceendpoints").select("name"))) == []
    finally:
        emulator.close()

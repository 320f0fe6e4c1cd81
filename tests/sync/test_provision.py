"""Provisioning against a fresh emulator: plan, apply, idempotent second run, key states."""

from __future__ import annotations

import random

import pytest

from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, subject_id, team_id
from cityzen_connector.mapping import MappingSet
from cityzen_connector.sync import apply_provisioning, plan_provisioning
from cityzen_connector.testing import FakeClock
from tests.support.transports import CountingTransport

from .conftest import make_client


def fresh(clock: FakeClock, activation: float = 0.0) -> object:
    app = create_app(
        EmulatorConfig(key_activation_seconds=activation), clock=clock, rng=random.Random(1)
    )
    seed(app)
    return app


def test_plan_lists_everything_missing_then_second_run_has_nothing_to_do(
    mappings: MappingSet, clock: FakeClock
) -> None:
    client = make_client(WsgiTransport(fresh(clock)), clock)
    plan = plan_provisioning(client, mappings.schema())
    kinds = [(s.kind, s.table, s.name) for s in plan.todo]
    assert ("column", "contact", "cz_identitykey") in kinds
    assert ("column", "incident", "cz_lookalikecontact") in kinds
    assert ("key", "incident", "cz_submissionid_key") in kinds
    assert ("option", "incident", "caseorigincode=100000000") in kinds
    assert ("table", "cz_casemessage", "cz_casemessage") in kinds  # the conversation table
    assert all(s.state == "missing" for s in plan.steps)  # nothing exists yet

    report = apply_provisioning(client, plan, now=lambda: 0.0, sleep=lambda _: None)
    assert report.ok
    assert {s.state for s in report.steps} == {"created", "active"}
    assert [s.name for s in report.steps if s.kind == "key"] == [
        "cz_identitykey_key", "cz_pivotkey_key", "cz_submissionid_key", "cz_messageid_key",
    ]  # fmt: skip

    again = plan_provisioning(client, mappings.schema())
    assert again.todo == ()
    second = apply_provisioning(client, again, now=lambda: 0.0, sleep=lambda _: None)
    assert {s.state for s in second.steps} == {"present"}


def test_keys_are_awaited_on_the_injected_clock(mappings: MappingSet, clock: FakeClock) -> None:
    client = make_client(WsgiTransport(fresh(clock, activation=12)), clock)
    plan = plan_provisioning(client, mappings.schema())
    start = clock().timestamp()
    report = apply_provisioning(
        client, plan, now=lambda: clock().timestamp(), sleep=clock.sleep, poll_seconds=5
    )
    assert report.ok
    assert clock.slept  # it waited for Pending -> Active
    assert clock().timestamp() - start < 60


def test_a_key_that_never_activates_times_out_clearly(
    mappings: MappingSet, clock: FakeClock
) -> None:
    client = make_client(WsgiTransport(fresh(clock, activation=10_000)), clock)
    plan = plan_provisioning(client, mappings.schema())
    report = apply_provisioning(
        client,
        plan,
        now=lambda: clock().timestamp(),
        sleep=clock.sleep,
        key_deadline_seconds=30,
        poll_seconds=10,
    )
    assert not report.ok
    timed_out = [s for s in report.steps if s.state == "timed_out"]
    assert len(timed_out) == 4
    assert timed_out[0].detail == "still Pending after 30 s"


def test_a_key_over_duplicate_rows_is_reported_failed(
    mappings: MappingSet, clock: FakeClock
) -> None:
    client = make_client(WsgiTransport(fresh(clock)), clock)
    schema = mappings.schema()
    plan = plan_provisioning(client, schema)
    columns_only = type(plan)(tuple(s for s in plan.steps if s.kind in ("table", "column")))
    apply_provisioning(client, columns_only, now=lambda: 0.0, sleep=lambda _: None)
    for _ in range(2):  # two contacts holding the same future key value
        client.create("contacts", {"lastname": "X", "cz_identitykey": "same"})
    report = apply_provisioning(
        client, plan_provisioning(client, schema), now=lambda: 0.0, sleep=lambda _: None
    )
    failed = {s.name: s.detail for s in report.steps if s.state == "failed"}
    assert failed == {
        "cz_identitykey_key": "index build Failed: the table holds duplicate values for it"
    }
    assert not report.ok


def test_catalog_records_are_checked_and_created_only_on_request(
    mappings: MappingSet, clock: FakeClock
) -> None:
    client = make_client(WsgiTransport(fresh(clock)), clock)
    # The seed holds the shipped catalogue; take two records away to make them missing.
    client.delete("teams", team_id("Voirie"))
    client.delete("subjects", subject_id("Nid-de-poule et chaussée", "Propreté et voirie"))
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    missing = {(s.table, s.name) for s in plan.todo if s.kind == "record"}
    assert missing == {("teams", "Voirie"), ("subjects", "Nid-de-poule et chaussée")}
    report = apply_provisioning(client, plan, now=lambda: 0.0, sleep=lambda _: None)
    assert not report.ok  # left missing without create_catalog
    report = apply_provisioning(
        client,
        plan_provisioning(client, mappings.schema(), mappings.catalog),
        now=lambda: 0.0,
        sleep=lambda _: None,
        create_catalog=True,
    )
    assert report.ok
    assert plan_provisioning(client, mappings.schema(), mappings.catalog).todo == ()


@pytest.mark.parametrize("column_type", ["choice"])
def test_unsupported_column_types_are_refused_with_a_clear_error(
    tmp_path: object, column_type: str, clock: FakeClock
) -> None:
    from cityzen_connector.mapping import CustomColumn, RequiredColumn, SchemaRequirements  # noqa: PLC0415
    from cityzen_connector.sync import ProvisionError  # noqa: PLC0415

    client = make_client(WsgiTransport(fresh(clock)), clock)
    column = CustomColumn(name="cz_kind", type=column_type, label="Kind")
    schema = SchemaRequirements((RequiredColumn("incident", column),), (), ())
    with pytest.raises(ProvisionError, match="choice columns are not created by provisioning"):
        plan_provisioning(client, schema)


def test_the_shipped_catalogue_is_the_one_the_emulator_seeds(
    mappings: MappingSet, clock: FakeClock
) -> None:
    # `make run` relies on it: every team and subject the mappings name exists after `seed`.
    client = make_client(WsgiTransport(fresh(clock)), clock)
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    assert [(s.table, s.name) for s in plan.todo if s.kind == "record"] == []


def test_the_catalogue_check_reads_teams_and_subjects_once_each(
    mappings: MappingSet, clock: FakeClock
) -> None:
    # One query per team and subject made ~60 reads, each a chance for a fault to cut the plan.
    transport = CountingTransport(WsgiTransport(fresh(clock)))
    client = make_client(transport, clock)
    plan = plan_provisioning(client, mappings.schema(), mappings.catalog)
    records = [s for s in plan.steps if s.kind == "record"]
    assert len(records) > 20
    assert all(s.state == "present" for s in records)  # the seed holds the whole catalogue
    reads = [r.url for r in transport.sent if "/teams" in r.url or "/subjects" in r.url]
    assert len(reads) == 2

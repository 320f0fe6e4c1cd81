"""The conflict rule, portal against agent, in every order: field by field, the citizen's change
wins only where no agent changed the field since the version the citizen saw; a field both
changed keeps the agent's value and is reported (the record's ``conflicts``, the log by name)."""

from __future__ import annotations

import logging

import pytest

from cityzen_connector.citizens import decide, handle_profile_update
from tests.citizens.conftest import QUEUE, Desk


def test_agent_first_then_the_citizens_older_view_conflicts_on_that_field_only(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    etag = desk.get().headers["ETag"]  # the citizen reads: phone +33612345678
    # The agent's change reaches Dataverse; its event is not followed yet (the citizen's ETag
    # is still current for the portal).
    desk.agent(mobilephone="+33145678901")
    response = desk.patch(
        {"contact": {"phone": "0700000000", "email": "m.dupont@example.org"}}, etag
    )
    assert response.status == 202
    [result] = desk.drain()
    assert result.applied == ("email",)
    assert result.conflicts == ("phone",)
    row = desk.contact()
    assert row["mobilephone"] == "+33145678901"  # the agent's value stays
    assert row["emailaddress1"] == "m.dupont@example.org"  # the citizen's applies
    record = desk.get().json()
    assert record["contact"]["phone"] == "+33145678901"
    assert [c["field"] for c in record["conflicts"]] == ["phone"]
    assert record["pending"] == []
    # Reported in the log by field name, never by value.
    assert "conflicts [phone]" in caplog.text
    for value in ("+33145678901", "+33700000000", "m.dupont@example.org", "0700000000"):
        assert value not in caplog.text


def test_citizen_first_then_the_agent_the_agents_value_is_the_last_word(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    assert desk.patch({"contact": {"city": "Lyon"}}, etag).status == 202
    assert [r.action for r in desk.drain()] == ["applied"]
    assert desk.contact()["address1_city"] == "Lyon"
    desk.agent(address1_city="Villeurbanne")  # later: the agent corrects it
    assert {r.action for r in desk.follow_events()} >= {"recorded"}
    record = desk.get().json()
    assert record["contact"]["city"] == "Villeurbanne"
    assert record["conflicts"] == []


def test_an_agent_saving_between_the_read_and_the_write_is_caught_by_if_match(
    desk: Desk,
) -> None:
    etag = desk.get().headers["ETag"]
    desk.patch({"contact": {"phone": "0611223344", "city": "Nantes"}}, etag)
    # Just before the worker's PATCH, an agent saves the phone: the PATCH's If-Match no longer
    # matches (412), the worker reads again and decides again.
    desk.race.action = lambda: desk.agent(mobilephone="+33299887766")
    [result] = desk.drain()
    assert (result.applied, result.conflicts) == (("city",), ("phone",))
    patches = [r for r in desk.transport.sent if r.method == "PATCH"]
    assert len(patches) == 2
    assert all(r.headers.get("If-Match", "").startswith('W/"') for r in patches)
    assert desk.transport.statuses[412] == 1  # the emulator's own reply to the stale ETag
    row = desk.contact()
    assert (row["mobilephone"], row["address1_city"]) == ("+33299887766", "Nantes")


def test_two_changes_of_the_same_field_the_last_one_queued_wins(desk: Desk) -> None:
    first = desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    second = desk.patch({"contact": {"city": "Nice"}}, first.headers["ETag"])
    assert second.json()["contact"]["city"] == "Nice"
    # Both speak from the version the citizen saw before their first change.
    assert [m["payload"]["base"]["city"] for m in desk.queued()] == ["Paris", "Paris"]
    results = desk.drain()
    # The first is superseded by the second: no write, no conflict.
    assert [(r.reason, r.applied, r.conflicts) for r in results] == [
        ("superseded", (), ()),
        ("", ("city",), ()),
    ]
    assert desk.contact()["address1_city"] == "Nice"
    record = desk.get().json()
    assert (record["pending"], record["conflicts"]) == ([], [])


def test_the_later_change_delivered_first_still_wins(desk: Desk) -> None:
    first = desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    desk.patch({"contact": {"city": "Nice"}}, first.headers["ETag"])
    older, newer = desk.bus.receive(QUEUE, max_messages=2)
    # The first one's retry comes back after the second (back-off): out of order.
    assert handle_profile_update(newer, desk.ports).applied == ("city",)
    late = handle_profile_update(older, desk.ports)
    assert (late.reason, late.applied, late.conflicts) == ("superseded", (), ())
    assert desk.contact()["address1_city"] == "Nice"
    assert desk.get().json()["conflicts"] == []


def test_a_redelivered_change_writes_nothing_again(desk: Desk) -> None:
    desk.patch({"contact": {"city": "Lyon"}}, desk.get().headers["ETag"])
    [message] = desk.bus.receive(QUEUE, max_messages=1)
    assert handle_profile_update(message, desk.ports).applied == ("city",)
    patches = sum(1 for r in desk.transport.sent if r.method == "PATCH")
    # The worker stopped before completing it: Service Bus delivers it again.
    again = handle_profile_update(message, desk.ports)
    assert (again.reason, again.applied) == ("superseded", ())
    assert sum(1 for r in desk.transport.sent if r.method == "PATCH") == patches


@pytest.mark.parametrize(
    ("changes", "base", "current", "applied", "conflicts"),
    [
        ({"city": "Lyon"}, {"city": "Paris"}, {"city": "Paris"}, {"city": "Lyon"}, []),
        ({"city": "Lyon"}, {"city": "Paris"}, {"city": "Nice"}, {}, ["city"]),
        ({"city": "Lyon"}, {"city": "Paris"}, {"city": "Lyon"}, {}, []),  # same change
        ({"city": None}, {"city": "Paris"}, {"city": "Paris"}, {"city": None}, []),
        ({"city": "Lyon"}, {"city": None}, {"city": None}, {"city": "Lyon"}, []),
    ],
)
def test_the_rule_as_data(
    changes: dict[str, str | None],
    base: dict[str, str | None],
    current: dict[str, str | None],
    applied: dict[str, str | None],
    conflicts: list[str],
) -> None:
    assert decide(changes, base, current) == (applied, conflicts)


@pytest.mark.parametrize("event_first", [True, False])
def test_an_agent_editing_between_queueing_and_applying_keeps_the_agents_value(
    desk: Desk, event_first: bool
) -> None:
    """The citizen's change is queued; before the worker applies it, an agent saves the same
    field. Whether the agent's event reaches the record before or after the worker, Dynamics
    365 keeps the agent's value, the record ends showing it, and the conflict is reported."""
    etag = desk.get().headers["ETag"]
    assert desk.patch({"contact": {"phone": "0700000000", "city": "Lyon"}}, etag).status == 202
    desk.agent(mobilephone="+33145678901")
    if event_first:
        desk.follow_events()
        # The citizen still sees their own change waiting, not silently replaced.
        assert desk.get().json()["contact"]["phone"] == "+33700000000"
    [result] = desk.drain()
    if not event_first:
        desk.follow_events()
    assert (result.applied, result.conflicts) == (("city",), ("phone",))
    row = desk.contact()
    assert (row["mobilephone"], row["address1_city"]) == ("+33145678901", "Lyon")
    record = desk.get().json()
    assert (record["contact"]["phone"], record["contact"]["city"]) == ("+33145678901", "Lyon")
    assert ([c["field"] for c in record["conflicts"]], record["pending"]) == (["phone"], [])


def test_two_tabs_patching_with_the_same_etag_the_second_is_412(desk: Desk) -> None:
    etag = desk.get().headers["ETag"]
    first = desk.patch({"contact": {"city": "Lyon"}}, etag)
    second = desk.patch({"contact": {"phone": "0611111111"}}, etag)
    assert (first.status, second.status) == (202, 412)
    assert second.json()["code"] == "profile_changed"
    assert [m["payload"]["changes"] for m in desk.queued()] == [{"city": "Lyon"}]

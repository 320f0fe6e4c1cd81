"""The submissions queue trigger: its binding JSON, and the runtime's message → ours."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.servicebus import ServiceBusMessage
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector import app
from cityzen_connector.localhost import to_functions_message
from cityzen_connector.messaging import OutgoingMessage, ReceivedMessage, encode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.settings import Settings
from cityzen_connector.store import open_blobs, open_store
from functions.queue_workers import (
    CONNECTION,
    FUNCTION_NAME,
    TriggerMessageError,
    blueprint,
    to_received_message,
)

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def _now() -> datetime:
    return NOW


def bindings(bp: func.Blueprint) -> dict[str, list[dict[str, Any]]]:
    app = func.FunctionApp()
    app.register_functions(bp)
    return {
        str(f.get_function_name()): json.loads(f.get_function_json())["bindings"]
        for f in app.get_functions()
    }


def test_binding_json_is_a_service_bus_queue_trigger_on_the_configured_queue() -> None:
    assert bindings(blueprint("demandes")) == {
        FUNCTION_NAME: [
            {
                "type": "serviceBusTrigger",
                "direction": "IN",
                "name": "msg",
                "connection": "ServiceBusConnection",
                "queueName": "demandes",
            }
        ]
    }
    assert CONNECTION == "ServiceBusConnection"  # the app setting prefix infra/ configures


def _received(**overrides: Any) -> ReceivedMessage:
    outgoing = encode(SUBMISSION_SCHEMA, {"theme": "voirie"}, correlation_id="sub-1")
    values: dict[str, Any] = {
        "queue": "submissions",
        "body": outgoing.body,
        "message_id": outgoing.message_id,
        "sequence_number": 42,
        "delivery_count": 3,
        "enqueued_time": NOW - timedelta(minutes=5),
        "lock_token": "lock-1",
        "locked_until": NOW + timedelta(minutes=1),
        "content_type": "application/json",
        "correlation_id": "sub-1",
        "subject": "submission",
        "application_properties": dict(outgoing.application_properties),
    }
    values.update(overrides)
    return ReceivedMessage(**values)


def test_a_message_survives_the_round_trip_through_the_functions_type() -> None:
    original = _received()
    assert to_received_message(to_functions_message(original), "submissions", now=_now) == original


def test_what_the_azure_worker_hands_over_naive_utc_times_and_user_properties() -> None:
    # The Python worker builds the message from trigger metadata: naive UTC datetimes, and on
    # older extensions the application properties under user_properties only.
    msg = ServiceBusMessage(
        body=b'{"x": 1}',
        message_id="m-1",
        application_properties={},
        user_properties={"cityzen-attempt": 2, "when": datetime(2026, 1, 1), "none": None},
        delivery_count=2,
        sequence_number=7,
        enqueued_time_utc=datetime(2026, 11, 28, 20, 0),
        locked_until=datetime(2026, 11, 28, 20, 1),
        lock_token="t",
        label="legacy-label",
    )
    got = to_received_message(msg, "submissions", now=_now)
    assert got.enqueued_time == datetime(2026, 11, 28, 20, 0, tzinfo=UTC)
    assert got.locked_until == datetime(2026, 11, 28, 20, 1, tzinfo=UTC)
    assert got.application_properties == {"cityzen-attempt": 2, "when": "2026-01-01 00:00:00"}
    assert got.subject == "legacy-label"
    assert (got.delivery_count, got.sequence_number, got.body) == (2, 7, b'{"x": 1}')


def test_missing_facts_get_safe_values_and_a_missing_id_is_refused() -> None:
    bare = ServiceBusMessage(
        body=b"", message_id="m-2", application_properties={}, user_properties={}
    )
    got = to_received_message(bare, "q", now=_now)
    assert (got.delivery_count, got.sequence_number, got.enqueued_time) == (1, 0, NOW)
    assert got.content_type is None
    assert got.locked_until is None
    nameless = ServiceBusMessage(
        body=b"{}", message_id="", application_properties={}, user_properties={}
    )
    with pytest.raises(TriggerMessageError, match="no message id"):
        to_received_message(nameless, "q", now=_now)


def test_iso_text_times_are_read_and_garbage_is_ignored() -> None:
    msg = ServiceBusMessage(
        body=b"{}",
        message_id="m-3",
        application_properties={},
        user_properties={},
        enqueued_time_utc="2026-11-28T19:00:00+01:00",  # type: ignore[arg-type]
        locked_until="not a date",  # type: ignore[arg-type]
    )
    got = to_received_message(msg, "q", now=_now)
    assert got.enqueued_time == datetime(2026, 11, 28, 18, 0, tzinfo=UTC)
    assert got.locked_until is None


def _trigger(deps: app.Container) -> Callable[[func.ServiceBusMessage], None]:
    function_app = func.FunctionApp()
    function_app.register_functions(blueprint("submissions", container=lambda: deps))
    [function] = function_app.get_functions()
    trigger: Callable[[func.ServiceBusMessage], None] = function.get_user_function()
    return trigger


@pytest.fixture
def deps(tmp_path: Path) -> app.Container:
    """Memory queue, store and blobs; the shipped mappings."""
    return app.Container(
        Settings(data_dir=tmp_path, mappings_dir=ROOT / "mappings"),
        clock=_now,
        bus=open_bus("memory://"),
        store=open_store("memory://"),
        blobs=open_blobs("memory://"),
    )


def _delivered(deps: app.Container, body: bytes, message_id: str) -> func.ServiceBusMessage:
    outgoing = OutgoingMessage(body=body, message_id=message_id, correlation_id="sub-x")
    deps.bus.send("submissions", [outgoing])
    [message] = deps.bus.receive("submissions")
    return to_functions_message(message)


def test_a_message_the_pipeline_refuses_is_rejected_and_the_trigger_returns(
    deps: app.Container,
) -> None:
    _trigger(deps)(_delivered(deps, b"\x00 not json", "m-1"))  # returns: the runtime completes
    [parked] = deps.bus.peek("submissions-rejected")
    assert parked.message_id.startswith("m-1")
    status = deps.statuses.get("sub-x")
    assert status is not None
    assert status.status == "failed"


def test_when_the_queue_is_unreachable_the_trigger_raises_so_the_message_is_abandoned(
    deps: app.Container,
) -> None:
    delivered = _delivered(deps, b"[]", "m-2")
    deps.bus.close()  # rejecting needs the bus: it is gone
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the backend raises
        _trigger(deps)(delivered)


_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.datetimes(),
    st.binary(max_size=10),
)


@settings(max_examples=200, deadline=None)
@given(
    message_id=st.one_of(st.none(), st.text(max_size=40)),
    properties=st.dictionaries(st.text(max_size=20), _values, max_size=8),
    times=st.tuples(_values, _values),
    counts=st.tuples(
        st.one_of(st.none(), st.integers(0, 2**31)), st.one_of(st.none(), st.integers(0, 2**40))
    ),
    body=st.binary(max_size=512),
)
def test_whatever_the_runtime_hands_over_is_converted_or_refused_with_a_typed_error(
    message_id: str | None,
    properties: dict[str, Any],
    times: tuple[Any, Any],
    counts: tuple[int | None, int | None],
    body: bytes,
) -> None:
    msg = ServiceBusMessage(
        body=body,
        message_id=message_id,  # type: ignore[arg-type]
        application_properties=properties,
        user_properties={},
        enqueued_time_utc=times[0],
        locked_until=times[1],
        delivery_count=counts[0],
        sequence_number=counts[1],
    )
    try:
        got = to_received_message(msg, "q", now=_now)
    except TriggerMessageError:
        assert not message_id
        return
    assert got.body == body
    assert got.delivery_count >= 1
    assert got.enqueued_time.tzinfo is not None
    assert all(isinstance(v, str | int | float | bool) for v in got.application_properties.values())

"""The Service Bus backend against autospec'd SDK objects injected through the constructor.

These assert what we hand the SDK (message fields, batching, sub-queue, settlement calls) and
how SDK errors are translated; the live test runs only when a namespace is configured.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest.mock import create_autospec

import pytest
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusMessageBatch,
    ServiceBusReceivedMessage,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import (
    MessageLockLostError as SdkLockLost,
)
from azure.servicebus.exceptions import (
    MessageSizeExceededError,
    ServiceBusConnectionError,
)
from azure.servicebus.management import QueueRuntimeProperties, ServiceBusAdministrationClient

from cityzen_connector.messaging import (
    BusUnavailableError,
    MessageLockLostError,
    MessageTooLargeError,
    OutgoingMessage,
    open_bus,
)
from cityzen_connector.messaging._servicebus import ServiceBusBus


class Sdk:
    """Autospec'd client, sender, receivers and batches, wired like the real SDK."""

    def __init__(self, batch_capacity: int = 100) -> None:
        self.client: Any = create_autospec(ServiceBusClient, instance=True)
        self.admin: Any = create_autospec(ServiceBusAdministrationClient, instance=True)
        self.sender: Any = create_autospec(ServiceBusSender, instance=True)
        self.receiver: Any = create_autospec(ServiceBusReceiver, instance=True)
        self.client.get_queue_sender.return_value = self.sender
        self.client.get_queue_receiver.return_value = self.receiver
        self.batches: list[list[ServiceBusMessage]] = []
        self.sender.create_message_batch.side_effect = lambda *a, **k: self._batch(batch_capacity)
        self.sent: list[list[ServiceBusMessage]] = []
        self.sender.send_messages.side_effect = lambda batch, **k: self.sent.append(batch.added)

    def _batch(self, capacity: int) -> Any:
        batch: Any = create_autospec(ServiceBusMessageBatch, instance=True)
        batch.added = []

        def add(message: ServiceBusMessage) -> None:
            if len(batch.added) >= capacity:
                raise MessageSizeExceededError(message="batch full")
            batch.added.append(message)

        batch.add_message.side_effect = add
        return batch


def received(**fields: Any) -> Any:
    message: Any = create_autospec(ServiceBusReceivedMessage, instance=True)
    defaults: dict[str, Any] = {
        "body": [b'{"a":', b" 1}"],
        "message_id": "m-1",
        "sequence_number": 42,
        "delivery_count": 1,
        "enqueued_time_utc": datetime(2026, 3, 1, tzinfo=UTC),
        "lock_token": "tok-1",
        "locked_until_utc": datetime(2026, 3, 1, 0, 1, tzinfo=UTC),
        "content_type": "application/json",
        "correlation_id": "sub-1",
        "subject": "cityzen.submission/v1",
        "application_properties": {b"cityzen-attempt": 2, b"cityzen-schema": b"cityzen.submission"},
        "dead_letter_reason": None,
        "dead_letter_error_description": None,
    }
    for name, value in {**defaults, **fields}.items():
        setattr(message, name, value)
    return message


def test_send_maps_every_field_and_reuses_the_sender() -> None:
    sdk = Sdk()
    bus = ServiceBusBus(sdk.client)
    at = datetime(2026, 3, 1, 10, tzinfo=UTC)
    bus.send(
        "submissions",
        [
            OutgoingMessage(
                body=b"{}",
                message_id="m-1",
                correlation_id="sub-1",
                subject="cityzen.submission/v1",
                application_properties={"cityzen-attempt": 3},
                scheduled_enqueue_time=at,
                time_to_live=timedelta(days=1),
            )
        ],
    )
    bus.send("submissions", [OutgoingMessage(body=b"{}", message_id="m-2")])
    sdk.client.get_queue_sender.assert_called_once_with("submissions")
    first = sdk.sent[0][0]
    assert (first.message_id, first.correlation_id, first.subject) == (
        "m-1",
        "sub-1",
        "cityzen.submission/v1",
    )
    assert first.content_type == "application/json"
    assert first.application_properties == {"cityzen-attempt": 3}
    assert first.scheduled_enqueue_time_utc == at
    assert first.time_to_live == timedelta(days=1)


def test_a_full_batch_is_sent_and_a_new_one_started() -> None:
    sdk = Sdk(batch_capacity=2)
    bus = ServiceBusBus(sdk.client)
    bus.send("q", [OutgoingMessage(body=b"{}", message_id=f"m-{i}") for i in range(5)])
    assert [[m.message_id for m in batch] for batch in sdk.sent] == [
        ["m-0", "m-1"],
        ["m-2", "m-3"],
        ["m-4"],
    ]


def test_oversized_messages_are_refused_before_and_by_the_sdk() -> None:
    sdk = Sdk()
    bus = ServiceBusBus(sdk.client)
    with pytest.raises(MessageTooLargeError):
        bus.send("q", [OutgoingMessage(body=b"x" * (256 * 1024 + 1), message_id="big")])
    sdk.sender.send_messages.assert_not_called()
    with pytest.raises(MessageTooLargeError):
        ServiceBusBus(Sdk(batch_capacity=0).client).send(
            "q", [OutgoingMessage(body=b"{}", message_id="m")]
        )


def test_receive_reads_fields_and_settles_with_the_sdk_message() -> None:
    sdk = Sdk()
    sdk_message = received()
    sdk.receiver.receive_messages.return_value = [sdk_message]
    bus = ServiceBusBus(sdk.client)
    [message] = bus.receive("submissions", max_messages=5, max_wait_seconds=3)
    sdk.receiver.receive_messages.assert_called_once_with(max_message_count=5, max_wait_time=3)
    assert message.body == b'{"a": 1}'
    assert (message.message_id, message.sequence_number, message.delivery_count) == ("m-1", 42, 1)
    assert dict(message.application_properties) == {
        "cityzen-attempt": 2,
        "cityzen-schema": "cityzen.submission",
    }
    bus.complete(message)
    sdk.receiver.complete_message.assert_called_once_with(sdk_message)
    with pytest.raises(MessageLockLostError):
        bus.complete(message)  # already settled


def test_dead_letter_sub_queue_and_reasons() -> None:
    sdk = Sdk()
    sdk.receiver.receive_messages.return_value = [
        received(dead_letter_reason="MaxDeliveryCountExceeded", dead_letter_error_description="10")
    ]
    bus = ServiceBusBus(sdk.client)
    [dead] = bus.receive("submissions", sub_queue="deadletter")
    sdk.client.get_queue_receiver.assert_called_once_with(
        "submissions", sub_queue=ServiceBusSubQueue.DEAD_LETTER
    )
    assert (dead.sub_queue, dead.dead_letter_reason, dead.dead_letter_description) == (
        "deadletter",
        "MaxDeliveryCountExceeded",
        "10",
    )


def test_dead_letter_abandon_and_renew_call_the_sdk() -> None:
    sdk = Sdk()
    first, second, third = (
        received(lock_token="a"),
        received(lock_token="b"),
        received(lock_token="c"),
    )
    sdk.receiver.receive_messages.return_value = [first, second, third]
    renewed = datetime(2026, 3, 1, 0, 5, tzinfo=UTC)
    sdk.receiver.renew_message_lock.return_value = renewed
    bus = ServiceBusBus(sdk.client)
    a, b, c = bus.receive("q", max_messages=3)
    bus.dead_letter(a, reason="InvalidMessage", description="UnknownSchema")
    sdk.receiver.dead_letter_message.assert_called_once_with(
        first, reason="InvalidMessage", error_description="UnknownSchema"
    )
    bus.abandon(b)
    sdk.receiver.abandon_message.assert_called_once_with(second)
    assert bus.renew_lock(c) == renewed
    bus.complete(c)  # still settleable after a renewal


def test_sdk_errors_are_translated() -> None:
    sdk = Sdk()
    sdk.receiver.receive_messages.return_value = [received()]
    sdk.receiver.complete_message.side_effect = SdkLockLost(message="lock expired")
    bus = ServiceBusBus(sdk.client)
    [message] = bus.receive("q")
    with pytest.raises(MessageLockLostError):
        bus.complete(message)
    sdk.sender.create_message_batch.side_effect = ServiceBusConnectionError(message="down")
    with pytest.raises(BusUnavailableError) as info:
        bus.send("q", [OutgoingMessage(body=b"{}", message_id="m")])
    assert info.value.is_transient


def test_stats_come_from_the_administration_client() -> None:
    sdk = Sdk()
    props: Any = create_autospec(QueueRuntimeProperties, instance=True)
    props.active_message_count, props.scheduled_message_count = 4, 2
    props.dead_letter_message_count = 1
    sdk.admin.get_queue_runtime_properties.return_value = props
    stats = ServiceBusBus(sdk.client, sdk.admin).stats("submissions")
    assert (stats.active, stats.scheduled, stats.locked, stats.dead_letter) == (4, 2, 0, 1)


def test_close_closes_links_and_client() -> None:
    sdk = Sdk()
    bus = ServiceBusBus(sdk.client)
    bus.send("q", [OutgoingMessage(body=b"{}", message_id="m")])
    bus.close()
    sdk.sender.close.assert_called_once_with()
    sdk.client.close.assert_called_once_with()


def test_the_alias_table_builds_clients_without_network() -> None:
    connection = (
        "Endpoint=sb://cityzen.servicebus.windows.net/;SharedAccessKeyName=send;"
        "SharedAccessKey=c2VjcmV0"
    )
    assert isinstance(open_bus(connection), ServiceBusBus)

    class Credential:
        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            raise AssertionError("no token may be asked for before the first operation")

    bus = open_bus("servicebus://cityzen.servicebus.windows.net", credential=Credential())
    assert isinstance(bus, ServiceBusBus)


@pytest.mark.live
@pytest.mark.skipif(
    not os.environ.get("SERVICEBUS_TEST_CONNECTION"),
    reason="set SERVICEBUS_TEST_CONNECTION (and SERVICEBUS_TEST_QUEUE) for a real namespace",
)
def test_live_round_trip() -> None:
    queue = os.environ.get("SERVICEBUS_TEST_QUEUE", "cityzen-test")
    bus = open_bus(os.environ["SERVICEBUS_TEST_CONNECTION"])
    try:
        message_id = f"live-{datetime.now(UTC).timestamp()}"
        bus.send(queue, [OutgoingMessage(body=b'{"live": true}', message_id=message_id)])
        got = bus.receive(queue, max_wait_seconds=10)
        mine = [m for m in got if m.message_id == message_id]
        assert mine
        bus.dead_letter(mine[0], reason="LiveTest", description="contract check")
        dead = [
            m
            for m in bus.receive(
                queue, max_messages=10, max_wait_seconds=10, sub_queue="deadletter"
            )
            if m.message_id == message_id
        ]
        assert dead
        assert dead[0].dead_letter_reason == "LiveTest"
        bus.complete(dead[0])
    finally:
        bus.close()


def test_unsettled_messages_are_forgotten_long_after_their_lock_expired() -> None:
    sdk = Sdk()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    sdk.receiver.receive_messages.side_effect = [
        [received(lock_token="old", locked_until_utc=long_ago)],
        [received(lock_token="new", locked_until_utc=datetime.now(UTC) + timedelta(minutes=1))],
    ]
    bus = ServiceBusBus(sdk.client)
    [old] = bus.receive("q")
    [new] = bus.receive("q")
    with pytest.raises(MessageLockLostError):
        bus.complete(old)
    bus.complete(new)

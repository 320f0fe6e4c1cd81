"""Retries through an injected clock: nothing here sleeps for real."""

from __future__ import annotations

import uuid

import pytest

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    AuthenticationError,
    DataverseConnectionError,
    RetryPolicy,
    ServerError,
    ThrottledError,
    TransientServerError,
    ValidationError,
)
from cityzen_connector.testing import FakeClock

from .conftest import ScriptedTransport, error_reply, make_client, reply

CID = uuid.UUID(int=7)
CREATED = reply(204, None, **{"OData_EntityId": f"https://x/contacts({CID})"})


def throttled(seconds: str) -> object:
    return error_reply(
        429, "0x80072322", "Number of requests exceeded the limit", Retry_After=seconds
    )


def test_429_waits_exactly_retry_after_then_succeeds(clock: FakeClock) -> None:
    transport = ScriptedTransport(throttled("7"), reply(200, {"fullname": "x"}))
    client = make_client(transport, clock=clock)
    assert client.retrieve("contacts", CID) == {"fullname": "x"}
    assert clock.slept == [7.0]
    assert len(transport.sent) == 2


def test_429_even_a_plain_create_is_repeated_since_it_never_ran(clock: FakeClock) -> None:
    transport = ScriptedTransport(throttled("2"), CREATED)
    client = make_client(transport, clock=clock)
    assert client.create("contacts", {"lastname": "x"}).id == CID
    assert clock.slept == [2.0]


def test_retry_after_beyond_the_cap_is_raised_at_once(clock: FakeClock) -> None:
    transport = ScriptedTransport(throttled("900"))
    client = make_client(transport, clock=clock, retry=RetryPolicy.QUEUE_WORK)
    with pytest.raises(ThrottledError) as caught:
        client.retrieve("contacts", CID)
    assert caught.value.retry_after == 900.0  # the queue re-schedules with it
    assert clock.slept == []
    assert len(transport.sent) == 1


def test_a_503_storm_ends_within_the_budget_with_a_typed_error(clock: FakeClock) -> None:
    policy = RetryPolicy.HTTP_REQUEST
    storm = [error_reply(503, "", "Service Unavailable") for _ in range(50)]
    transport = ScriptedTransport(*storm)
    client = make_client(transport, clock=clock, retry=policy)
    with pytest.raises(TransientServerError):
        client.retrieve("contacts", CID)
    assert len(transport.sent) == policy.max_attempts
    assert sum(clock.slept) <= policy.max_wait_seconds
    # Exponential backoff with jitter (rng fixed at 0.5): 0.5, 1, 2 x 1.25.
    assert clock.slept == [0.625, 1.25, 2.5]


def test_queue_policy_stops_on_its_total_wait_budget(clock: FakeClock) -> None:
    policy = RetryPolicy.QUEUE_WORK
    transport = ScriptedTransport(*[error_reply(503, "", "busy") for _ in range(50)])
    client = make_client(transport, clock=clock, retry=policy)
    with pytest.raises(TransientServerError):
        client.retrieve("contacts", CID)
    assert sum(clock.slept) <= policy.max_wait_seconds
    assert 1 < len(transport.sent) <= policy.max_attempts


def test_a_plain_create_is_not_repeated_on_a_connection_reset(clock: FakeClock) -> None:
    transport = ScriptedTransport(DataverseConnectionError("connection reset"), CREATED)
    client = make_client(transport, clock=clock)
    with pytest.raises(DataverseConnectionError):
        client.create("contacts", {"lastname": "x"})
    assert len(transport.sent) == 1


def test_a_plain_create_is_not_repeated_on_a_504(clock: FakeClock) -> None:
    transport = ScriptedTransport(error_reply(504, "", "Gateway Timeout"), CREATED)
    client = make_client(transport, clock=clock)
    with pytest.raises(TransientServerError):
        client.create("contacts", {"lastname": "x"})
    assert len(transport.sent) == 1


def test_create_only_with_a_chosen_id_is_repeated_on_a_connection_reset(
    clock: FakeClock,
) -> None:
    transport = ScriptedTransport(DataverseConnectionError("connection reset"), CREATED)
    client = make_client(transport, clock=clock)
    assert client.upsert("contacts", CID, {"lastname": "x"}, mode="create_only").id == CID
    assert len(transport.sent) == 2
    first, second = transport.sent
    # Same logical call: the client request id survives the retry.
    assert first.headers["x-ms-client-request-id"] == second.headers["x-ms-client-request-id"]


def test_a_repeated_create_only_that_had_succeeded_reports_already_exists(
    clock: FakeClock,
) -> None:
    transport = ScriptedTransport(
        DataverseConnectionError("reset after commit"),
        error_reply(412, "", "A record with matching key values already exists."),
    )
    client = make_client(transport, clock=clock)
    with pytest.raises(AlreadyExistsError):
        client.upsert("contacts", CID, {"lastname": "x"}, mode="create_only")


def test_validation_errors_are_never_retried(clock: FakeClock) -> None:
    transport = ScriptedTransport(error_reply(400, "0x80044331", "A validation error occurred."))
    client = make_client(transport, clock=clock)
    with pytest.raises(ValidationError):
        client.upsert("contacts", CID, {"lastname": "x"})
    assert clock.slept == []


class CountingTokens:
    def __init__(self) -> None:
        self.issued = 0
        self.invalidated = 0

    def get_token(self) -> str:
        self.issued += 1
        return f"token-{self.issued}"

    def invalidate(self) -> None:
        self.invalidated += 1


def test_401_evicts_and_refreshes_the_token_once(clock: FakeClock) -> None:
    tokens = CountingTokens()
    transport = ScriptedTransport(error_reply(401, "", "expired"), reply(200, {"ok": 1}))
    client = make_client(transport, clock=clock, tokens=tokens)
    assert client.retrieve("contacts", CID) == {"ok": 1}
    assert tokens.invalidated == 1
    assert [r.headers["Authorization"] for r in transport.sent] == [
        "Bearer token-1",
        "Bearer token-2",
    ]


def test_401_twice_fails_clearly_without_showing_the_token(clock: FakeClock) -> None:
    tokens = CountingTokens()
    transport = ScriptedTransport(error_reply(401, "", "no"), error_reply(401, "", "still no"))
    client = make_client(transport, clock=clock, tokens=tokens)
    with pytest.raises(AuthenticationError) as caught:
        client.retrieve("contacts", CID)
    assert tokens.invalidated == 1
    assert len(transport.sent) == 2
    assert "token-" not in str(caught.value)
    assert "token-" not in repr(caught.value)
    assert "token-" not in repr(transport.sent[0])


def test_policies_are_immutable_and_named() -> None:
    with pytest.raises(AttributeError):
        RetryPolicy.HTTP_REQUEST.max_attempts = 99  # type: ignore[misc]
    assert RetryPolicy.HTTP_REQUEST.max_wait_seconds < 30 < RetryPolicy.QUEUE_WORK.max_wait_seconds
    assert RetryPolicy.QUEUE_WORK.max_wait_seconds <= 300
    with pytest.raises(ValueError, match="inconsistent"):
        RetryPolicy(
            "bad", max_attempts=0, base_delay=1, max_delay=1, max_retry_after=1, max_wait_seconds=1
        )


def test_a_plain_500_is_retried_for_reads_but_not_for_creates(clock: FakeClock) -> None:
    unexpected = error_reply(500, "0x80040216", "An unexpected error occurred.")
    transport = ScriptedTransport(unexpected, reply(200, {"fullname": "x"}))
    assert make_client(transport, clock=clock).retrieve("contacts", CID) == {"fullname": "x"}
    transport = ScriptedTransport(unexpected, CREATED)
    with pytest.raises(ServerError):
        make_client(transport, clock=clock).create("contacts", {"lastname": "x"})
    assert len(transport.sent) == 1

"""The shared circuit breaker: several instances (one store) agree through ETags."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cityzen_connector._metrics import BREAKER_OPENED
from cityzen_connector.store import StateStore
from cityzen_connector.sync.pipeline import BREAKER_PARTITION, CircuitBreaker
from cityzen_connector.testing import FakeClock
from tests.support.metrics import read_metrics


def breaker(store: StateStore, clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(store, clock=clock, open_for=timedelta(seconds=60))


class Probe:
    def __init__(self, fails: bool = False) -> None:
        self.calls = 0
        self.fails = fails

    def __call__(self) -> None:
        self.calls += 1
        if self.fails:
            raise ConnectionError("still down")


def test_closed_by_default_and_never_probes(store: StateStore, clock: FakeClock) -> None:
    probe = Probe()
    assert breaker(store, clock).allow(probe)
    assert probe.calls == 0


def test_trip_opens_for_every_instance_until_the_probe(store: StateStore, clock: FakeClock) -> None:
    one, two = breaker(store, clock), breaker(store, clock)
    opened = one.trip("permission_denied", "lacks a privilege")
    assert opened.state == "open"
    assert opened.until == clock() + timedelta(seconds=60)
    probe = Probe()
    assert not two.allow(probe)
    assert probe.calls == 0
    clock.advance(61)
    assert two.allow(probe)
    assert probe.calls == 1
    assert one.is_closed()


def test_a_second_trip_does_not_push_the_probe_back(store: StateStore, clock: FakeClock) -> None:
    one = breaker(store, clock)
    first = one.trip("schema_missing", "x")
    clock.advance(30)
    assert one.trip("schema_missing", "x").until == first.until


def test_only_one_instance_claims_the_probe(store: StateStore, clock: FakeClock) -> None:
    one, two = breaker(store, clock), breaker(store, clock)
    one.trip("authentication", "token refused")
    clock.advance(61)
    seen: list[bool] = []

    def probe_that_lets_the_other_look() -> None:
        seen.append(two.allow(Probe()))  # the other instance, while this one probes

    assert one.allow(probe_that_lets_the_other_look)
    assert seen == [False]


def test_failed_probe_reopens_for_twice_as_long(store: StateStore, clock: FakeClock) -> None:
    one = breaker(store, clock)
    one.trip("permission_denied", "x")
    clock.advance(61)
    assert not one.allow(Probe(fails=True))
    state = one.state()
    assert state.state == "open"
    assert state.until == clock() + timedelta(seconds=120)
    clock.advance(121)
    assert one.allow(Probe())


def test_an_abandoned_probe_claim_expires(store: StateStore, clock: FakeClock) -> None:
    one = breaker(store, clock)
    one.trip("permission_denied", "x")
    clock.advance(61)
    record = store.get(BREAKER_PARTITION, "dataverse")
    assert record is not None
    # An instance claimed the probe and died: after the probe timeout, another may probe.
    store.put(
        BREAKER_PARTITION,
        "dataverse",
        {
            **record.value,
            "state": "half_open",
            "until": (clock() + timedelta(seconds=60)).isoformat(),
        },
        if_match=record.etag,
    )
    assert not one.allow(Probe())
    clock.advance(61)
    assert one.allow(Probe())


@pytest.mark.parametrize(
    "value",
    [{}, {"state": "open"}, {"state": "open", "until": "not a date"}, {"state": 5}],
)
def test_a_damaged_record_never_blocks_forever(
    store: StateStore, clock: FakeClock, value: dict[str, object]
) -> None:
    store.put(BREAKER_PARTITION, "dataverse", value)
    assert breaker(store, clock).allow(Probe())


def test_the_breaker_opening_is_counted_once_per_opening(
    store: StateStore, clock: FakeClock
) -> None:
    breaker = CircuitBreaker(store, clock=clock, open_for=timedelta(seconds=60))
    with read_metrics() as readings:
        breaker.trip("auth", "token refused")
        breaker.trip("auth", "token refused")  # already open: not a new opening
        assert readings.total(BREAKER_OPENED) == 1

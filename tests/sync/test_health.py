"""Readiness: what it checks, how it judges, and that it cannot be used to spend Dataverse."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cityzen_connector.sync import ReadinessPorts, ReadinessProbe, check_readiness
from cityzen_connector.sync.pipeline import CircuitBreaker
from tests.support.world import QUEUE, World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


def ports(world: World) -> ReadinessPorts:
    return ReadinessPorts(world.client, world.bus, QUEUE, world.store, world.clock)


def test_all_good_is_ok_with_queue_counts(world: World) -> None:
    result = check_readiness(ports(world))
    assert result.status == "ok"
    assert result.http_status == 200
    assert {name: c.state for name, c in result.checks.items()} == {
        "dataverse": "ok",
        "queue": "ok",
        "store": "ok",
        "breaker": "closed",
    }
    assert result.queue_active == 0
    assert result.queue_dead_letter == 0
    assert world.transport.lines == ["GET http://127.0.0.1:7072/api/data/v9.2/WhoAmI"]


def test_dataverse_down_or_breaker_open_is_degraded_but_still_200(world: World) -> None:
    world.transport.down = True
    result = check_readiness(ports(world))
    assert result.status == "degraded"
    assert result.http_status == 200
    assert result.checks["dataverse"].error == "DataverseConnectionError"
    world.transport.down = False
    CircuitBreaker(world.store, clock=world.clock).trip("0x80040220", "privilege missing")
    result = check_readiness(ports(world))
    assert result.status == "degraded"
    assert result.checks["breaker"].state == "open"


def test_queue_down_is_unavailable(world: World) -> None:
    world.bus.fail_stats = True
    result = check_readiness(ports(world))
    assert result.status == "unavailable"
    assert result.http_status == 503
    assert result.checks["queue"].error == "OSError"


def test_store_down_is_unavailable(world: World) -> None:
    world.store.close()
    result = check_readiness(ports(world))
    assert result.status == "unavailable"
    assert result.checks["store"].state == "failed"


def test_results_are_reused_for_the_ttl(world: World) -> None:
    probe = ReadinessProbe(ports(world), ttl=timedelta(seconds=10))
    first = probe()
    for _ in range(50):
        assert probe() is first
    world.clock.advance(9)
    assert probe() is first
    assert len(world.transport.sent) == 1  # one WhoAmI for 51 probes
    world.clock.advance(1)
    assert probe() is not first
    assert len(world.transport.sent) == 2

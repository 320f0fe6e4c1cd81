"""Readiness: what it checks, how it judges, and that it cannot be used to spend Dataverse."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from cityzen_connector import app
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.settings import Settings
from cityzen_connector.store import open_store
from cityzen_connector.sync import CacheState, ReadinessPorts, ReadinessProbe, check_readiness
from cityzen_connector.sync.pipeline import CircuitBreaker
from cityzen_connector.testing import FakeClock
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


def test_the_caches_timers_refresh_show_their_age_without_changing_the_verdict(
    world: World,
) -> None:
    refreshed = world.clock() - timedelta(hours=3)
    stale = CacheState(refreshed_at=refreshed, age_seconds=10800.0, items=10)
    never = CacheState(refreshed_at=None, age_seconds=None, items=0)
    with_caches = dataclasses.replace(
        ports(world), caches={"knowledge_articles": lambda: stale, "news": lambda: never}
    )
    result = check_readiness(with_caches)
    assert result.status == "ok"
    shown = result.model_dump(mode="json")["caches"]
    assert shown["knowledge_articles"]["age_seconds"] == 10800.0
    assert shown["knowledge_articles"]["items"] == 10
    assert shown["news"]["refreshed_at"] is None


def test_the_deployed_readiness_shows_how_old_the_knowledge_articles_are(tmp_path: Path) -> None:
    emulator = create_app(EmulatorConfig(database=":memory:"))
    seed(emulator)
    clock = FakeClock()
    deps = app.Container(
        Settings(data_dir=tmp_path, mappings_dir=Path(__file__).parents[2] / "mappings"),
        clock=clock,
        monotonic=clock,
        store=open_store("memory://", clock=clock),
        transport=WsgiTransport(emulator),
    )
    never = deps.readiness().caches["knowledge_articles"]
    assert (never.refreshed_at, never.items) == (None, 0)
    app.refresh_search(deps)
    clock.advance(deps.settings.api_ready_cache_seconds + 120)
    cache = deps.readiness().caches["knowledge_articles"]
    assert cache.items == 10
    assert cache.age_seconds == deps.settings.api_ready_cache_seconds + 120
    emulator.close()

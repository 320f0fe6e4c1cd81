"""Readiness with the portal's feeds: a stale feed is reported by name and reason and makes
readiness degraded (200), never unavailable; the container adds the check only when feeds are
configured."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector import app
from cityzen_connector.app._portal_wiring import feeds_check
from cityzen_connector.settings import Settings
from cityzen_connector.sync import ReadinessPorts, check_readiness
from cityzen_connector.testing import FakeClock, memory_store
from tests.support.world import QUEUE, World, make_world


@pytest.fixture
def world() -> World:
    return make_world()


def ports(world: World, **optional: object) -> ReadinessPorts:
    return ReadinessPorts(
        world.client,
        world.bus,
        QUEUE,
        world.store,
        world.clock,
        optional=optional,  # type: ignore[arg-type]
    )


def test_fresh_feeds_keep_readiness_ok(world: World) -> None:
    result = check_readiness(ports(world, feeds=lambda: None))
    assert result.status == "ok"
    assert result.checks["feeds"].state == "ok"


def test_stale_feeds_are_degraded_with_their_detail_and_still_200(world: World) -> None:
    detail = "1 of 3 feed(s) stale: agenda#2 (timeout)"
    result = check_readiness(ports(world, feeds=lambda: detail))
    assert (result.status, result.http_status) == ("degraded", 200)
    assert result.checks["feeds"].state == "stale"
    assert result.checks["feeds"].detail == detail
    assert result.checks["queue"].state == "ok"


def test_a_feeds_check_that_fails_is_degraded_not_unavailable(world: World) -> None:
    def broken() -> str | None:
        raise RuntimeError("store down with a URL https://secret.example.fr/?jeton=1")

    result = check_readiness(ports(world, feeds=broken))
    assert (result.status, result.http_status) == ("degraded", 200)
    assert (result.checks["feeds"].state, result.checks["feeds"].error) == (
        "failed",
        "RuntimeError",
    )
    assert "secret" not in result.model_dump_json()


def test_the_container_checks_feeds_only_when_there_are_some(tmp_path: Path) -> None:
    clock = FakeClock()
    none = app.Container(Settings(data_dir=tmp_path), clock=clock, store=memory_store(clock))
    assert feeds_check(none) == {}
    some = app.Container(
        Settings(
            data_dir=tmp_path,
            feeds_agenda_urls="https://a.example.fr/rss, https://b.example.fr/rss",
        ),
        clock=clock,
        store=memory_store(clock),
    )
    check = feeds_check(some)["feeds"]
    assert check() == "2 of 2 feed(s) stale: agenda#1 (never_refreshed), agenda#2 (never_refreshed)"

"""The theme tree: the catalogue filtered by Dataverse subjects, cached, ETag and 304."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from cityzen_connector.emulator import subject_id
from cityzen_connector.sync import cached_themes, not_modified, read_themes, refresh_themes
from cityzen_connector.sync.intake import DependencyUnavailableError
from tests.support.world import World, make_world

TTL = timedelta(minutes=5)
TAGS = subject_id("Tags et graffitis", "Propreté et voirie")


@pytest.fixture
def world() -> World:
    return make_world()


def sub_themes(body: bytes) -> set[str]:
    tree = json.loads(body)
    return {f"{t['code']}/{s['code']}" for t in tree["themes"] for s in t["sub_themes"]}


def read(world: World) -> object:
    return read_themes(world.client, world.mappings, world.store, world.clock, max_age=TTL)


def test_only_sub_themes_whose_subject_exists_are_offered(world: World) -> None:
    world.client.delete("subjects", TAGS)  # retired in Dynamics 365
    snapshot = refresh_themes(world.client, world.mappings, world.store, world.clock)
    offered = sub_themes(snapshot.body)
    assert "stationnement/genant" in offered
    assert "voirie/nid_de_poule" in offered
    assert "voirie/tags" not in offered
    tree = json.loads(snapshot.body)
    parking = next(t for t in tree["themes"] if t["code"] == "stationnement")["sub_themes"][0]
    assert parking["fields"][0]["name"] == "immatriculation"


def test_cached_for_its_ttl_then_recomputed(world: World) -> None:
    world.client.delete("subjects", TAGS)
    first = read(world)
    assert "voirie/tags" not in sub_themes(first.body)  # type: ignore[attr-defined]
    calls = len(world.transport.sent)
    world.client.create("subjects", {"title": "Tags et graffitis"})
    world.clock.advance(299)
    assert read(world) == first
    assert len(world.transport.sent) == calls + 1
    world.clock.advance(2)
    fresh = read(world)
    assert "voirie/tags" in sub_themes(fresh.body)  # type: ignore[attr-defined]
    assert fresh.etag != first.etag  # type: ignore[attr-defined]


def test_the_timer_refresh_is_what_readers_then_get(world: World) -> None:
    world.client.delete("subjects", TAGS)
    refreshed = refresh_themes(world.client, world.mappings, world.store, world.clock)
    world.transport.down = True
    assert read(world) == refreshed
    assert cached_themes(world.store) == refreshed
    assert "voirie/tags" not in sub_themes(refreshed.body)


def test_stale_tree_served_while_dataverse_is_down_and_503_without_any(world: World) -> None:
    world.transport.down = True
    with pytest.raises(DependencyUnavailableError):
        read(world)
    world.transport.down = False
    good = read(world)
    world.transport.down = True
    world.clock.advance(3600)
    assert read(world) == good


def test_the_etag_is_strong_and_stable_for_the_same_tree(world: World) -> None:
    one = refresh_themes(world.client, world.mappings, world.store, world.clock)
    world.clock.advance(10)
    two = refresh_themes(world.client, world.mappings, world.store, world.clock)
    assert one.etag == two.etag
    assert one.etag.startswith('"')
    assert not one.etag.startswith("W/")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),  # If-None-Match uses the weak comparison (RFC 9110 13.1.2)
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ("", False),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert not_modified(header, '"abc"') is expected

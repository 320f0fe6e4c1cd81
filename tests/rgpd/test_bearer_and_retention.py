"""A citizen with a bearer token exercises their rights as themself (never naming anyone); the
retention purges cover the rights' records; a decision whose event was lost is still acted on."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from cityzen_connector import app
from cityzen_connector.api import ApiResponse, build_api
from cityzen_connector.mapping import CONVERSATION, load_mappings
from cityzen_connector.rgpd import (
    AUDIT_PARTITION,
    ERASURES_PARTITION,
    EXPORTS_PARTITION,
    DataExports,
    DataverseReader,
    ErasureRequests,
    RightsAudit,
    RightsServices,
)
from cityzen_connector.store import StateStore
from tests.api.test_tokens import token, world_with_tokens
from tests.rgpd.world import Person, town
from tests.support.paths import ROOT
from tests.support.world import World

EXPORT = "/v1/citizens/me/data-export"
MAPPINGS = load_mappings(ROOT / "mappings")


def _rights(world: World) -> RightsServices:
    from cityzen_connector.app._rights import partitions  # noqa: PLC0415

    assert MAPPINGS.rights is not None
    audit = RightsAudit(
        world.store, clock=world.clock, retention=timedelta(days=1095), pepper=b"test-pepper"
    )
    exports = DataExports(
        world.store,
        world.blobs,
        DataverseReader(world.client, MAPPINGS.rights, CONVERSATION),
        partitions(),
        audit,
        clock=world.clock,
        link_ttl=timedelta(hours=1),
        retention=timedelta(days=30),
    )
    erasures = ErasureRequests(
        world.ingest, MAPPINGS.rights, audit, clock=world.clock, retention=timedelta(days=1095)
    )
    return RightsServices(exports, erasures, pepper=b"test-pepper")


def _call(
    world: World, method: str, path: str, bearer: str, body: Any = None, **headers: str
) -> ApiResponse:
    sent = {"Authorization": f"Bearer {bearer}", **headers}
    data = b""
    if body is not None:
        data, sent["Content-Type"] = json.dumps(body).encode(), "application/json"
    return world.request(method, path, data, sent, key=False)


def test_a_citizen_with_a_token_asks_for_their_export_and_only_they_see_it() -> None:
    world, _ = world_with_tokens()
    world.deps = replace(world.deps, rights=_rights(world))  # over the world's own ports
    world.api = build_api(world.deps)
    marianne, other = token(world), token(world, sub="sub-someone-else")
    asked = _call(world, "POST", EXPORT, marianne)
    assert asked.status == 202, asked.body
    status_path = f"{EXPORT}/{asked.json()['id']}"
    assert _call(world, "GET", status_path, marianne).json()["status"] == "pending"
    assert _call(world, "GET", status_path, other).status == 404
    named = _call(world, "GET", status_path, marianne, **{"CityZen-Citizen-Sub": "sub-other"})
    assert named.status == 422  # a citizen never names anyone
    filed = _call(world, "POST", "/v1/citizens/me/erasure-request", marianne, {"kind": "erasure"})
    assert filed.status == 202, filed.body
    [envelope] = world.queued()
    queued = envelope["payload"]
    assert queued["citizen"]["sub"] == "sub-marianne"  # from the token
    assert queued["fields"] == {"droit": "effacement"}
    assert queued["sub_theme"] == "droits"


def _live(store: StateStore, partition: str) -> int:
    return len(store.query(partition))


def test_the_retention_purge_covers_exports_and_the_audit_by_their_own_settings(
    tmp_path: Path,
) -> None:
    world = town(tmp_path)
    person = Person("sub-marianne")
    response = world.call("POST", EXPORT, person)
    assert response.status == 202
    world.rights_timer()
    assert len(world.blobs.list_older_than(world.clock() + timedelta(days=1))) == 1
    # The link expires: the daily purge deletes the file, even without the rights timer.
    world.clock.advance(world.settings.rights_export_link_minutes * 60 + 1)
    report = app.purge_retention(world.container)
    assert report.blobs >= 1
    assert world.blobs.list_older_than(world.clock() + timedelta(days=1)) == []
    assert _live(world.store, EXPORTS_PARTITION) == 1  # its state still answers polls
    assert _live(world.store, AUDIT_PARTITION) == 2
    world.clock.advance(timedelta(days=world.settings.retention_days).total_seconds())
    app.purge_retention(world.container)
    assert _live(world.store, EXPORTS_PARTITION) == 0
    assert _live(world.store, AUDIT_PARTITION) == 2  # kept for their own, longer, period
    world.clock.advance(timedelta(days=world.settings.rights_audit_days).total_seconds())
    app.purge_retention(world.container)
    assert _live(world.store, AUDIT_PARTITION) == 0


def test_a_decision_whose_event_was_lost_is_acted_on_by_the_timer(tmp_path: Path) -> None:
    world = town(tmp_path)
    person = Person("sub-marianne")
    world.file(person, "Nid-de-poule.")
    world.work()
    response = world.call("POST", "/v1/citizens/me/erasure-request", person, {"kind": "erasure"})
    request = response.json()["id"]
    world.work()
    world.dpo_decides(request, approve=True)
    queue = world.settings.case_events_queue
    for message in world.bus.receive(queue, max_messages=10):
        world.bus.complete(message)  # lost: the service endpoint's post never arrived
    app.reconcile_cases(world.container)  # change tracking brings the decision to the history
    [filed] = world.store.query(ERASURES_PARTITION)
    assert filed.value["state"] == "filed"
    assert world.rights_timer()["erasures_resumed"] == 1
    [done] = world.store.query(ERASURES_PARTITION)
    assert done.value["state"] == "done"

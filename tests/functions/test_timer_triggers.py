"""The timers: binding JSON (schedules, monitor), and each trigger doing its job when fired."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest
from azure.functions.timer import TimerRequest

from cityzen_connector import app
from cityzen_connector.dataverse import WsgiTransport
from cityzen_connector.emulator import EmulatorConfig, create_app, seed, subject_id
from cityzen_connector.localhost import CronSchedule
from cityzen_connector.messaging import MessageBus, OutgoingMessage, encode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.settings import Settings
from cityzen_connector.store import open_blobs, open_store
from cityzen_connector.sync import cached_themes
from cityzen_connector.sync.pipeline import reject
from cityzen_connector.testing import FakeClock
from functions import timers

ROOT = Path(__file__).resolve().parents[2]


START = datetime(2026, 11, 28, 2, 30, tzinfo=UTC)


def functions_of(bp: func.Blueprint) -> dict[str, Any]:
    app = func.FunctionApp()
    app.register_functions(bp)
    return {str(f.get_function_name()): f for f in app.get_functions()}


def test_the_blueprint_has_the_timers_on_the_documented_schedules() -> None:
    # The full binding JSON is asserted once, on the assembled app (tests/test_function_app.py).
    found = {
        name: json.loads(f.get_function_json())["bindings"][0]["schedule"]
        for name, f in functions_of(timers.blueprint()).items()
    }
    assert found == {
        "refresh_themes": timers.THEMES_SCHEDULE,
        "sweep_dead_letters": timers.SWEEP_SCHEDULE,
        "purge_retention": timers.RETENTION_SCHEDULE,
        "reconcile_cases": timers.CASES_SCHEDULE,
        "refresh_search": timers.SEARCH_SCHEDULE,
        "refresh_feeds": timers.FEEDS_SCHEDULE,
        "reconcile_agents": timers.AGENTS_SCHEDULE,
        "run_rights": timers.RIGHTS_SCHEDULE,
    }
    other = timers.Schedule(themes="0 0 * * * *")
    assert (
        functions_of(timers.blueprint(other))["refresh_themes"]
        .get_function_json()
        .count("0 0 * * * *")
    )


def test_schedules_are_valid_ncrontab_and_fire_when_documented() -> None:
    start = datetime(2026, 11, 28, 0, 0, 1, tzinfo=UTC)
    assert CronSchedule.parse(timers.THEMES_SCHEDULE).next_after(start) == start.replace(
        minute=10, second=0
    )
    assert CronSchedule.parse(timers.SWEEP_SCHEDULE).next_after(start) == start.replace(
        minute=5, second=0
    )
    assert CronSchedule.parse(timers.RETENTION_SCHEDULE).next_after(start) == start.replace(
        hour=2, minute=30, second=0
    )
    assert CronSchedule.parse(timers.CASES_SCHEDULE).next_after(start) == start.replace(
        minute=15, second=0
    )
    # Every quarter of an hour, five minutes off the themes' refresh.
    search = CronSchedule.parse(timers.SEARCH_SCHEDULE)
    fired = [search.next_after(start)]
    for _ in range(4):
        fired.append(search.next_after(fired[-1]))
    assert [t.minute for t in fired] == [5, 20, 35, 50, 5]
    assert CronSchedule.parse(timers.FEEDS_SCHEDULE).next_after(start) == start.replace(
        minute=15, second=0
    )
    assert CronSchedule.parse(timers.AGENTS_SCHEDULE).next_after(start) == start.replace(
        hour=3, minute=15, second=0
    )


@pytest.fixture
def world(tmp_path: Path) -> tuple[app.Container, MessageBus, FakeClock]:
    clock = FakeClock(START)
    bus = open_bus("memory://", clock=clock)
    deps = app.Container(
        Settings(data_dir=tmp_path, retention_days=30),
        clock=clock,
        bus=bus,
        store=open_store("memory://", clock=clock),
        blobs=open_blobs(f"file://{tmp_path / 'blobs'}", clock=clock),
    )
    return deps, bus, clock


def fire(deps: app.Container, name: str, *, past_due: bool = False) -> None:
    trigger: Callable[..., None] = functions_of(timers.blueprint(container=lambda: deps))[
        name
    ].get_user_function()
    trigger(TimerRequest(past_due=past_due))


def test_sweep_marks_dead_lettered_submissions_failed(
    world: tuple[app.Container, MessageBus, FakeClock], caplog: pytest.LogCaptureFixture
) -> None:
    deps, bus, _ = world
    bus.send("submissions", [encode(SUBMISSION_SCHEMA, {"n": 1}, correlation_id="sub-dlq")])
    deps.statuses.mark_queued("sub-dlq")
    [message] = bus.receive("submissions")
    bus.dead_letter(message, reason="MaxDeliveryCountExceeded", description="10 deliveries")
    with caplog.at_level(logging.INFO, "functions.timers"):
        fire(deps, "sweep_dead_letters", past_due=True)
    status = deps.statuses.get("sub-dlq")
    assert status is not None
    assert status.status == "failed"
    assert "MaxDeliveryCountExceeded" in (status.reason or "")
    assert "running late" in caplog.text


def test_retention_purges_only_what_is_older_than_the_period(
    world: tuple[app.Container, MessageBus, FakeClock],
) -> None:
    deps, bus, clock = world
    bus.send("submissions", [encode(SUBMISSION_SCHEMA, {"n": 1}, correlation_id="old")])
    [old] = bus.receive("submissions")
    reject(bus, deps.statuses, "submissions", old, reason="bad", now=clock())
    old_blob = deps.blobs.put(b"old photo", media_type="image/jpeg")
    clock.advance(timedelta(days=31))
    new_blob = deps.blobs.put(b"new photo", media_type="image/jpeg")
    assert timers.purge_retention(deps) >= 2
    assert bus.peek("submissions-rejected") == []
    names = deps.blobs.list_older_than(clock() + timedelta(days=1))
    assert names == [new_blob.name] != [old_blob.name]


def _park_everywhere(bus: MessageBus, queue: str, label: str) -> None:
    """A message in the queue's dead-letter sub-queue, and one on ``<queue>-rejected``."""
    bus.send(queue, [OutgoingMessage(body=b"{}", message_id=f"{label}-dead")])
    [message] = bus.receive(queue)
    bus.dead_letter(message, reason="MaxDeliveryCountExceeded", description="10 deliveries")
    bus.send(f"{queue}-rejected", [OutgoingMessage(body=b"{}", message_id=f"{label}-rejected")])


def _parked(bus: MessageBus, queue: str) -> list[str]:
    dead = bus.peek(queue, max_messages=100, sub_queue="deadletter")
    rejected = bus.peek(f"{queue}-rejected", max_messages=100)
    return sorted(m.message_id for m in [*dead, *rejected])


def test_retention_purges_the_case_events_and_webhooks_parked_past_the_period(
    world: tuple[app.Container, MessageBus, FakeClock],
) -> None:
    # A case event holds the case's post-image (the customer's name), a webhook a request id:
    # parked ones go after the retention period, as the submissions' do. In Azure a
    # dead-letter sub-queue ignores time-to-live ("Overview of Service Bus dead-letter
    # queues": "There's no automatic cleanup of the DLQ").
    deps, bus, clock = world
    queues = ("case-events", "webhooks")
    for queue in queues:
        _park_everywhere(bus, queue, "old")
    clock.advance(timedelta(days=31))
    for queue in queues:
        _park_everywhere(bus, queue, "new")
    assert timers.purge_retention(deps) == 4
    for queue in queues:
        assert _parked(bus, queue) == ["new-dead", "new-rejected"], queue


def test_with_service_bus_the_case_events_dead_letters_are_left_to_their_own_namespace(
    world: tuple[app.Container, MessageBus, FakeClock], tmp_path: Path
) -> None:
    # In Azure the case-events queue is in a namespace of its own (infra: sbev-…), not the
    # one CITYZEN_QUEUE_URL names: only its -rejected queue, in the main one, is reached.
    _, bus, clock = world
    azure = app.Container(
        Settings(data_dir=tmp_path, retention_days=30, queue_url="servicebus://x.example"),
        clock=clock,
        bus=bus,
        store=open_store("memory://", clock=clock),
        blobs=open_blobs(f"file://{tmp_path / 'blobs'}", clock=clock),
    )
    for queue in ("case-events", "webhooks"):
        _park_everywhere(bus, queue, "old")
    clock.advance(timedelta(days=31))
    assert app.purge_retention(azure).messages == 3
    assert _parked(bus, "case-events") == ["old-dead"]
    assert _parked(bus, "webhooks") == []


def test_a_failing_job_raises_so_the_runtime_records_the_failure(
    world: tuple[app.Container, MessageBus, FakeClock],
) -> None:
    deps, bus, _ = world
    bus.close()  # the queue is gone: the sweep cannot read it
    with pytest.raises(Exception):  # noqa: B017, PT011 - whatever the backend raises
        fire(deps, "sweep_dead_letters")


def test_the_themes_timer_caches_the_tree_of_subjects_that_exist(tmp_path: Path) -> None:
    emulator = create_app(EmulatorConfig(database=":memory:"))
    seed(emulator)
    clock = FakeClock(START)
    settings = Settings(data_dir=tmp_path, mappings_dir=ROOT / "mappings")
    deps = app.Container(
        settings,
        clock=clock,
        store=open_store("memory://", clock=clock),
        client=app.Container(settings, transport=WsgiTransport(emulator)).api_client,
    )
    # The collectivité retired a subject in Dynamics 365: the portal must stop offering it.
    emulator_client = app.Container(settings, transport=WsgiTransport(emulator)).api_client
    emulator_client.delete("subjects", subject_id("Tags et graffitis", "Propreté et voirie"))
    assert cached_themes(deps.store) is None
    fire(deps, "refresh_themes")
    snapshot = cached_themes(deps.store)
    assert snapshot is not None
    assert snapshot.refreshed_at == clock()
    themes = {t["code"]: t for t in json.loads(snapshot.body)["themes"]}
    # Only sub-themes whose Dynamics 365 subject exists (by title) in the seeded organisation.
    codes = {code: {s["code"] for s in t["sub_themes"]} for code, t in themes.items()}
    assert codes["voirie"] == {"nid_de_poule", "eclairage", "depot_sauvage"}
    assert codes["stationnement"] == {"genant", "carte_resident", "pmr"}
    emulator.close()


def test_the_search_timer_caches_the_published_articles_and_the_index_follows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = create_app(EmulatorConfig(database=":memory:"))
    seed(emulator)
    clock = FakeClock(START)
    settings = Settings(data_dir=tmp_path, mappings_dir=ROOT / "mappings")
    deps = app.Container(
        settings,
        clock=clock,
        monotonic=clock,
        store=open_store("memory://", clock=clock),
        transport=WsgiTransport(emulator),
    )
    before = [h.kind for h in deps.search.search("encombrants", page=1, per_page=10).results]
    assert before == ["procedure", "procedure"]  # the theme and the sub-theme; no article yet
    with caplog.at_level(logging.INFO, "functions.timers"):
        fire(deps, "refresh_search")
    assert "knowledge articles cached for search: 10 (10 written, 0 deleted)" in caplog.text
    clock.advance(settings.search_reload_seconds)
    after = deps.search.search("encombrants", page=1, per_page=10).results
    assert [h.kind for h in after].count("article") == 1
    emulator.close()


def test_the_agents_timer_reconciles_the_access_model_daily(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator = create_app(EmulatorConfig(database=":memory:"))
    seed(emulator)
    settings = Settings(
        data_dir=tmp_path,
        mappings_dir=ROOT / "mappings",
        agents_directory_url=f"file:{ROOT / 'samples' / 'directory.json'}",
    )
    deps = app.Container(settings, transport=WsgiTransport(emulator))
    with caplog.at_level(logging.INFO):
        fire(deps, "reconcile_agents")
        assert timers.reconcile_agents(deps) == 0  # the second run finds nothing to do
    assert "agents: 14 change(s) done, 0 already done, 0 failed" in caplog.text
    assert "agents: nothing to change" in caplog.text
    assert "emulator.local" not in caplog.text  # principal names never reach a log
    emulator.close()


def test_the_agents_timer_fails_the_invocation_when_the_model_does_not_fit(
    tmp_path: Path,
) -> None:
    from cityzen_connector.agents import ReconcileError  # noqa: PLC0415

    directory = json.loads((ROOT / "samples" / "directory.json").read_text(encoding="utf-8"))
    directory["groups"] = directory["groups"][1:]  # a group of the model was deleted
    (tmp_path / "directory.json").write_text(json.dumps(directory), encoding="utf-8")
    emulator = create_app(EmulatorConfig(database=":memory:"))
    seed(emulator)
    settings = Settings(
        data_dir=tmp_path,
        mappings_dir=ROOT / "mappings",
        agents_directory_url=f"file:{tmp_path / 'directory.json'}",
    )
    deps = app.Container(settings, transport=WsgiTransport(emulator))
    with pytest.raises(ReconcileError, match=r"agents\.groups\.relation-usagers\.object_id"):
        fire(deps, "reconcile_agents")
    emulator.close()

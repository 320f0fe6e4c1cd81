"""``cityzen queue …`` against real files set through the environment, as an operator runs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.messaging import MessageBus, OutgoingMessage, encode, open_bus
from cityzen_connector.models import SUBMISSION_SCHEMA
from cityzen_connector.store import SubmissionStatuses, open_blobs, open_store
from cityzen_connector.sync.pipeline import reject
from cityzen_connector.testing import FakeClock

PERSONAL = "jeanne.dupont@example.fr"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_BLOB_URL", f"file://{tmp_path}/blobs")
    return tmp_path


def _bus(env: Path, clock: FakeClock | None = None) -> MessageBus:
    if clock is None:
        return open_bus(f"sqlite:///{env}/queue.db")
    return open_bus(f"sqlite:///{env}/queue.db", clock=clock)


def _fail_two(env: Path, clock: FakeClock | None = None) -> None:
    """One submission dead-lettered by the bus, one rejected by our code."""
    bus = _bus(env, clock)
    for sub_id in ["sub-dead", "sub-rej"]:
        bus.send(
            "submissions", [encode(SUBMISSION_SCHEMA, {"email": PERSONAL}, correlation_id=sub_id)]
        )
    dead, rej = bus.receive("submissions", max_messages=2)
    bus.dead_letter(dead, reason="MaxDeliveryCountExceeded", description="delivered 10 times")
    reject(bus, None, "submissions", rej, reason="UnknownSchema")
    bus.complete(rej)
    bus.close()


def test_stats_counts_both_queues(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fail_two(env)
    assert main(["queue", "stats"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["submissions", "0", "0", "0", "1"]
    assert out[2].split() == ["submissions-rejected", "1", "0", "0", "0"]


def test_dead_list_shows_metadata_but_no_personal_data(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _fail_two(env)
    assert main(["queue", "dead", "list"]) == 0
    out = capsys.readouterr().out
    assert "MaxDeliveryCountExceeded" in out
    assert "UnknownSchema" in out
    assert PERSONAL not in out
    assert main(["queue", "dead", "list", "--show-body", "--source", "rejected"]) == 0
    shown = capsys.readouterr().out
    assert PERSONAL in shown
    assert "MaxDeliveryCountExceeded" not in shown
    assert main(["queue", "dead", "list", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


def test_sweep_then_replay_all(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fail_two(env)
    assert main(["queue", "sweep"]) == 0
    assert "1 marked failed" in capsys.readouterr().out
    statuses = SubmissionStatuses(
        open_store(f"sqlite:///{env}/state.db"),
        clock=lambda: datetime.now(UTC),
        retention=timedelta(days=30),
    )
    status = statuses.get("sub-dead")
    assert status is not None
    assert status.status == "failed"

    assert main(["queue", "dead", "replay", "--all", "--dry-run"]) == 0
    assert "would replay 2 message(s)" in capsys.readouterr().out
    assert main(["queue", "dead", "replay", "--all"]) == 0
    assert "replayed 2 message(s)" in capsys.readouterr().out
    bus = _bus(env)
    assert sorted(m.correlation_id or "" for m in bus.peek("submissions")) == [
        "sub-dead",
        "sub-rej",
    ]
    assert bus.peek("submissions", sub_queue="deadletter") == []
    assert bus.peek("submissions-rejected") == []
    replayed = statuses.get("sub-dead")
    assert replayed is not None
    assert replayed.status == "queued"


def test_replay_by_unknown_id_reports_it(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _fail_two(env)
    [rejected] = _bus(env).peek("submissions-rejected")
    assert main(["queue", "dead", "replay", "--id", rejected.message_id, "--id", "nope"]) == 1
    captured = capsys.readouterr()
    assert "replayed 1 message(s)" in captured.out
    assert "1 id(s) not found" in captured.err


def test_purge_removes_only_what_is_past_retention(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_clock = FakeClock(datetime.now(UTC) - timedelta(days=40))
    _fail_two(env, old_clock)
    blobs = open_blobs(f"file://{env}/blobs", clock=old_clock)
    old_blob = blobs.put(b"old photo", media_type="image/jpeg")
    new_blob = open_blobs(f"file://{env}/blobs").put(b"new", media_type="image/jpeg")
    store = open_store(f"sqlite:///{env}/state.db")
    store.put(
        "submissions",
        "expired",
        {"status": "failed"},
        expires_at=datetime.now(UTC) - timedelta(days=1),
    )
    store.put("themes", "cache", {"n": 1})
    assert main(["queue", "purge"]) == 0
    assert "purged 2 failed message(s), 1 record(s), 1 blob(s)" in capsys.readouterr().out
    assert blobs.list_older_than(datetime.now(UTC) + timedelta(days=1)) == [new_blob.name]
    assert old_blob.name != new_blob.name
    assert store.get("themes", "cache") is not None


def test_purge_without_a_queue_purges_every_queue_of_the_connector_as_the_timer_does(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_clock = FakeClock(datetime.now(UTC) - timedelta(days=40))
    bus = _bus(env, old_clock)
    for queue in ("case-events-rejected", "webhooks-rejected"):
        bus.send(queue, [OutgoingMessage(body=b"{}", message_id=f"old-{queue}")])
    bus.close()
    assert main(["queue", "--queue", "webhooks", "purge"]) == 0
    assert "purged 1 failed message(s)" in capsys.readouterr().out
    assert main(["queue", "purge"]) == 0
    assert "purged 1 failed message(s)" in capsys.readouterr().out
    bus = _bus(env)
    assert bus.peek("case-events-rejected") == bus.peek("webhooks-rejected") == []
    bus.close()


def test_bad_usage_and_bad_configuration(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["queue", "dead", "replay"])
    assert info.value.code == 2
    assert main(["queue", "purge", "--days", "0"]) == 2
    monkeypatch.setenv("CITYZEN_QUEUE_URL", "amqp://host;SharedAccessKey=TOPSECRET")
    assert main(["queue", "stats"]) == 1
    err = capsys.readouterr().err
    assert "UnsupportedBusUrlError" in err
    assert "TOPSECRET" not in err


def test_long_replays_report_progress_and_a_summary(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bus = _bus(env)
    bus.send(
        "submissions-rejected",
        [encode(SUBMISSION_SCHEMA, {}, correlation_id=f"s-{i}") for i in range(230)],
    )
    bus.close()
    assert main(["queue", "dead", "replay", "--all", "--source", "rejected"]) == 0
    captured = capsys.readouterr()
    assert captured.err.splitlines() == ["... 100 replayed", "... 200 replayed"]
    assert captured.out.strip() == "replayed 230 message(s)"
    assert _bus(env).stats("submissions").active == 230

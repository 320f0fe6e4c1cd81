"""Over real HTTP (the emulator served on a free 127.0.0.1 port): the CLI provisions, a
returning citizen's submission costs one round trip, and `cityzen sync drain` lands a backlog,
even when Dataverse answers slower than the queue's lock lasts."""

from __future__ import annotations

import copy
import json
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector._clock import utc_now
from cityzen_connector.cli import main
from cityzen_connector.cli._sync import summary
from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Query,
    RequestsTransport,
    StaticTokenProvider,
)
from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.mapping import PlanContext, load_mappings, plan_submission
from cityzen_connector.messaging import encode, open_bus
from cityzen_connector.models import EXAMPLE_SUBMISSION, SUBMISSION_SCHEMA, Submission
from cityzen_connector.store import SubmissionStatuses, open_blobs, open_store
from cityzen_connector.sync.pipeline import (
    Created,
    DrainReport,
    LookupCache,
    SubmissionProcessor,
)
from cityzen_connector.testing import FakeClock
from tests.support.emulator import Switch
from tests.support.paths import MAPPINGS, PEPPER
from tests.support.transports import CountingTransport


@pytest.fixture
def served(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    url, switch = emulator_server
    app = create_app(EmulatorConfig(key_activation_seconds=0))
    seed(app)
    switch.target = app
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_DATAVERSE_TIMEOUT_SECONDS", "10")
    monkeypatch.setenv("CITYZEN_QUEUE_URL", f"sqlite:///{tmp_path}/queue.db")
    monkeypatch.setenv("CITYZEN_STORE_URL", f"sqlite:///{tmp_path}/state.db")
    monkeypatch.setenv("CITYZEN_BLOB_URL", f"file://{tmp_path}/blobs")
    monkeypatch.setenv("CITYZEN_MAPPINGS_DIR", str(MAPPINGS))
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", PEPPER.decode())
    return url


def submission_json(blob_names: list[str], subject: str) -> dict[str, object]:
    data = copy.deepcopy(EXAMPLE_SUBMISSION)
    data["id"] = str(uuid.uuid4())
    data["subject"] = subject
    for attachment, name in zip(data["attachments"], blob_names, strict=True):
        attachment["id"] = str(uuid.uuid4())
        attachment["blob_name"] = name
    return data


def test_cli_provisions_idempotently_then_drains_a_backlog(
    served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dataverse", "whoami"]) == 0
    assert "business unit" in capsys.readouterr().out

    assert main(["dataverse", "provision", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "missing   column contact.cz_identitykey  string(64)" in out
    # The shipped mappings name the seeded catalogue: no team or subject is missing.
    assert "missing   record" not in out
    assert main(["dataverse", "provision", "--create-catalog"]) == 0
    assert "provisioning done" in capsys.readouterr().out
    assert main(["dataverse", "provision"]) == 0
    assert "0 step(s) to do" in capsys.readouterr().out

    blobs = open_blobs(f"file://{tmp_path}/blobs")
    bus = open_bus(f"sqlite:///{tmp_path}/queue.db")
    ids = []
    for i in range(3):
        names = [blobs.put(b"abc", media_type="image/jpeg").name for _ in range(2)]
        data = submission_json(names, f"Demande {i}")
        ids.append(str(data["id"]))
        bus.send("submissions", [encode(SUBMISSION_SCHEMA, data, correlation_id=str(data["id"]))])
    bus.send("submissions", [encode(SUBMISSION_SCHEMA, {"id": "nope"}, correlation_id="x")])

    assert main(["sync", "drain"]) == 0
    out = capsys.readouterr().out
    assert "drained 4 message(s)" in out
    assert "3 completed, 1 rejected" in out
    assert EXAMPLE_SUBMISSION["citizen"]["family_name"] not in out
    store = open_store(f"sqlite:///{tmp_path}/state.db")
    statuses = SubmissionStatuses(store, clock=utc_now, retention=timedelta(days=1))
    assert [getattr(statuses.get(i), "status", None) for i in ids] == ["created"] * 3


class SlowBatches:
    """The installed emulator, answering every ``$batch`` ``seconds`` late (real time: the
    CLI runs on the real clocks)."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).endswith("$batch"):
            time.sleep(self.seconds)
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


def test_cli_drain_outlasts_the_queue_lock_and_reports_progress(
    served: str,
    emulator_server: tuple[str, Switch],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["dataverse", "provision", "--create-catalog"]) == 0
    switch = emulator_server[1]
    switch.target = SlowBatches(switch.target, 1.0)  # type: ignore[assignment]
    monkeypatch.setenv("CITYZEN_QUEUE_LOCK_DURATION_SECONDS", "0.8")
    blobs = open_blobs(f"file://{tmp_path}/blobs")
    bus = open_bus(f"sqlite:///{tmp_path}/queue.db")
    for i in range(3):
        data = submission_json([blobs.put(b"abc", media_type="image/jpeg").name for _ in range(2)],
                               f"Demande {i}")  # fmt: skip
        bus.send("submissions", [encode(SUBMISSION_SCHEMA, data, correlation_id=str(data["id"]))])
    capsys.readouterr()

    # Each $batch takes 1 s (the lookups, then the cases), the lock 0.8 s: the drain renews the
    # locks and settles every message.
    assert main(["sync", "drain"]) == 0

    out, err = capsys.readouterr()
    assert out == "drained 3 message(s) in 1 $batch request(s): 3 completed\n"
    assert "drain: 3 done, 0 remaining, 0 in flight, " in err
    assert "error" not in err
    assert bus.stats("submissions").active == 0


def test_drain_summary_counts_lost_locks_and_redeliveries() -> None:
    report = DrainReport(received=7, batches=1, lock_lost=2, redelivered=2)
    report.actions.update(completed=5)
    assert summary(report) == (
        "drained 7 message(s) in 1 $batch request(s): 5 completed;"
        " 2 lock(s) lost, left to their next delivery; 2 redelivered"
    )


def test_returning_citizen_one_round_trip_over_http(
    served: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dataverse", "provision", "--create-catalog"]) == 0
    capsys.readouterr()
    clock = FakeClock()
    requests_transport = RequestsTransport()
    transport = CountingTransport(requests_transport)
    client = DataverseClient(
        DataverseConfig(served), transport, StaticTokenProvider("t"), clock=clock
    )
    store = open_store("memory://", clock=clock)
    blobs = open_blobs("memory://", clock=clock)
    mappings = load_mappings(MAPPINGS)
    processor = SubmissionProcessor(
        client,
        mappings,
        blobs,
        SubmissionStatuses(store, clock=clock, retention=timedelta(days=1)),
        None,
        clock=clock,
        context=PlanContext(pepper=PEPPER),
        lookups=LookupCache(client, clock=clock),
    )

    def submission(subject: str) -> Submission:
        names = [blobs.put(b"abc", media_type="image/jpeg").name for _ in range(2)]
        return Submission.model_validate(submission_json(names, subject))

    assert isinstance(processor.process(submission("first")), Created)
    second = submission("second")
    processor.lookups.resolve(
        plan_submission(second, mappings, context=PlanContext(pepper=PEPPER)).lookups
    )
    before = transport.count
    outcome = processor.process(second)
    assert isinstance(outcome, Created)
    assert transport.count - before == 1
    cases = list(client.query(Query("incidents").select("title")))
    assert sorted(c["title"] for c in cases) == ["first", "second"]
    notes = list(client.query(Query("annotations").select("documentbody")))
    assert len(notes) == 4
    assert json.dumps(notes).count("YWJj") == 4  # base64 of the bytes
    requests_transport.close()


def test_cli_reports_a_refused_token_without_secrets(
    served: str,
    emulator_server: tuple[str, Switch],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator_server[1].target = create_app(EmulatorConfig(token="the-right-one"))
    monkeypatch.setenv("CITYZEN_DATAVERSE_STATIC_TOKEN", "TOPSECRET-wrong-token")
    assert main(["dataverse", "whoami"]) == 1
    assert main(["dataverse", "provision", "--dry-run"]) == 1
    err = capsys.readouterr().err
    assert err.count("AuthenticationError") == 2
    assert "TOPSECRET" not in err

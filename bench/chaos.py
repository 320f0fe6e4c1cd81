"""Chaos: the whole stack as separate processes, killed and failing, must lose nothing.

One command: ``.venv/bin/python bench/chaos.py`` (3,000 submissions, eight kills) or ``--short``
(210 submissions, two kills: what ``tests/e2e/test_chaos.py`` runs in ``make test``). All on
127.0.0.1, on free ports, in a fresh folder; every random choice (citizens, re-posts, kill
moments and targets) follows ``--seed``.

- the Dataverse emulator (``cityzen emulator serve``) answers 30 % of requests 503 and cuts
  10 % of its replies after doing the work (``--short``: 10 % and 5 %);
- the local Functions host (``cityzen run --dataverse-url``) takes the submissions over HTTP
  and feeds its queue trigger from the embedded SQLite queue;
- concurrent clients post three submissions per citizen (same identity, different subjects),
  post some twice with the same id and body, and try again whatever a dead host cut;
- both servers are SIGKILLed at seeded moments and restarted on the same folders and ports;
- ``cityzen sync drain`` runs beside the queue trigger.

Once the queue is empty (or the deadline passed), the figures are read from the emulator's
database and the state store and printed as a table (``_chaos_figures.py`` says what each one
counts). Exit code 1 unless nothing was lost, duplicated or left without the e-mail and phone
the citizen typed, and every drain exited 0. ``--report FILE`` writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _chaos_figures import Figures, Status, figures, read_dataverse, table  # noqa: E402
from _chaos_load import Posts, Work, citizens, client, submissions  # noqa: E402
from _chaos_processes import (  # noqa: E402
    Chaos,
    ChaosError,
    Service,
    cli,
    free_port,
    reap,
    schedule,
    stop_everything,
)

from cityzen_connector import app  # noqa: E402


@dataclass(frozen=True)
class Plan:
    """How big and how rough a run is."""

    citizens: int  # three submissions each
    clients: int
    kills: int
    drains: int
    error_rate: float = 0.3  # Dataverse requests answered 503
    drop_rate: float = 0.1  # Dataverse replies cut after the work was done
    repost_share: float = 0.1  # submissions posted twice, same id and body
    attachment_share: float = 0.2
    after_seconds: float = 30.0  # the kills after the posts fall within this many seconds
    deadline_seconds: float = 1200.0  # for the queue and the drains, from the last post


FULL = Plan(citizens=1000, clients=8, kills=8, drains=3)
# Lower fault rates: at 30 % + 10 % the client's retry back-off (RetryPolicy.QUEUE_WORK: 2 s,
# doubling, eight tries) sets the pace, and a few hundred submissions take minutes.
SHORT = Plan(
    citizens=70,
    clients=4,
    kills=2,
    drains=2,
    error_rate=0.1,
    drop_rate=0.05,
    after_seconds=5.0,
    deadline_seconds=120.0,
)
ENVIRONMENT = {
    # A killed worker's messages come back when their lock expires: short locks keep a run
    # short (the host renews the lock of a message it is still working on).
    "QUEUE_LOCK_DURATION_SECONDS": "10",
    # As many requests in flight as the emulator's x-ms-dop-hint allows: the run waits out the
    # injected 503s' back-offs side by side.
    "DATAVERSE_MAX_CONCURRENCY": "16",
    "LOCALHOST_POLL_INTERVAL_SECONDS": "0.05",
    "RETRY_INITIAL_DELAY_SECONDS": "1",
    "RETRY_MAX_DELAY_SECONDS": "5",
    "BREAKER_OPEN_SECONDS": "2",
    "EMULATOR_KEY_ACTIVATION_SECONDS": "0",
    "IDENTITY_PEPPER": "chaos-run-pepper-not-a-secret",
}


def environment(folder: Path, emulator_port: int, host_port: int) -> dict[str, str]:
    """The children's environment: ours without any CITYZEN_* value, plus the run's."""
    data = folder / "host"
    values = {
        **ENVIRONMENT,
        "DATA_DIR": str(data),
        "DATAVERSE_URL": f"http://127.0.0.1:{emulator_port}",
        "QUEUE_URL": f"sqlite:///{data / 'queue.db'}",
        "STORE_URL": f"sqlite:///{data / 'state.db'}",
        "BLOB_URL": f"file://{data / 'blobs'}",
        "LOCALHOST_PORT": str(host_port),
        "LOCALHOST_APP_DIR": str(ROOT),
        "MAPPINGS_DIR": str(ROOT / "mappings"),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYZEN_")}
    return env | {f"CITYZEN_{name}": value for name, value in values.items()}


def container(env: Mapping[str, str]) -> app.Container:
    """The run's queue and state store, opened here to watch and count."""
    values = {k[8:].lower(): v for k, v in env.items() if k.startswith("CITYZEN_")}
    return app.Container(app.load_settings(**values))


def wait_until_empty(deps: app.Container, deadline: float) -> int:
    """Messages still waiting (active, scheduled or locked) once none is, or at the deadline;
    progress on stderr every few seconds."""
    start = shown = time.monotonic()
    while True:
        stats = deps.bus.stats(deps.settings.submissions_queue)
        left = stats.active + stats.scheduled + stats.locked
        now = time.monotonic()
        if left == 0 or now - start > deadline:
            return left
        if now - shown >= 5:
            shown = now
            print(
                f"  {now - start:4.0f} s after the posts: {stats.active} active,"
                f" {stats.scheduled} scheduled, {stats.locked} locked",
                file=sys.stderr,
                flush=True,
            )
        time.sleep(0.5)


def queued_ids(deps: app.Container) -> set[str]:
    """The submission ids (correlation ids) of the messages still in the queue."""
    ids: set[str] = set()
    sequence = 0
    while page := deps.bus.peek(
        deps.settings.submissions_queue, max_messages=500, from_sequence_number=sequence
    ):
        ids.update(message.correlation_id or "" for message in page)
        sequence = page[-1].sequence_number + 1
    return ids


@dataclass
class Run:
    """One run in ``folder``; ``go()`` returns its figures, header lines and JSON extras."""

    plan: Plan
    seed: int
    folder: Path
    throttling: bool = False
    services: dict[str, Service] = field(default_factory=dict)
    clock: dict[str, float] = field(default_factory=dict)  # time.monotonic() of each stage

    def go(self) -> tuple[Figures, list[str], dict[str, Any]]:
        self.clock["start"] = time.monotonic()
        rng = random.Random(self.seed)
        emulator_port = free_port()
        host_port = free_port(emulator_port)
        env = environment(self.folder, emulator_port, host_port)
        self._provision(env, emulator_port)
        self._start(env, emulator_port, host_port)
        key_file = Path(env["CITYZEN_DATA_DIR"]) / "host-keys.json"
        key = str(json.loads(key_file.read_text(encoding="utf-8"))["functionKey"])

        people = citizens(self.plan.citizens, rng)
        filed = submissions(people, rng, attachment_share=self.plan.attachment_share)
        bodies = [body for _, body in filed.values()]
        reposts = rng.sample(bodies, int(len(bodies) * self.plan.repost_share))
        order = [*bodies, *reposts]
        rng.shuffle(order)
        posts = Posts(total=len(order))
        events = schedule(self.plan.kills, self.plan.drains, self.plan.after_seconds, rng)
        chaos = Chaos(
            events, self.services, posts.reached, (cli("sync", "drain"), env, self.folder), rng
        )
        chaos.start()
        self._post(Work(order), f"http://127.0.0.1:{host_port}/api/v1/requests", key, posts, chaos)
        codes, left, statuses, swept, waiting = self._settle(env, chaos, sorted(posts.accepted))
        for service in self.services.values():
            service.stop()
        cases, contacts = read_dataverse(self.folder / "emulator" / app.EMULATOR_DATABASE_FILE)
        owners = {submission_id: person for submission_id, (person, _) in filed.items()}
        result = figures(
            posts.accepted, cases, contacts, statuses, owners, codes, waiting, left_in_queue=left
        )
        c = self.clock
        header = [
            f"CityZen chaos run, seed {self.seed}: {len(bodies)} submissions by {len(people)}"
            f" citizens ({len(reposts)} posted twice), {self.plan.clients} clients",
            f"  Dataverse emulator: {self.plan.error_rate:.0%} of requests answered 503,"
            f" {self.plan.drop_rate:.0%} of replies cut{', throttling' if self.throttling else ''}"
            "; host: cityzen run --dataverse-url",
            "  SIGKILL and restart: " + ", ".join(e.label() for e in events if e.what != "drain"),
            "  cityzen sync drain: " + ", ".join(e.label() for e in events if e.what == "drain"),
            "  answers to the posts: "
            + ", ".join(f"{n} {a}" for a, n in sorted(posts.answers.items())),
            f"  posts done in {c['posted'] - c['start']:.0f} s; then the queue was "
            + ("empty" if left == 0 else f"NOT empty ({left} left)")
            + f" after {c['emptied'] - c['posted']:.0f} s,"
            f" the drains done after {c['drained'] - c['posted']:.0f} s"
            + ("" if swept == 0 else f"; cityzen queue sweep exited {swept}"),
        ]
        extra = {
            "seed": self.seed,
            "submissions": len(bodies),
            "posted_twice": len(reposts),
            "answers": dict(posts.answers),
            "events": [e.label() for e in events],
            "seconds": round(time.monotonic() - c["start"], 1),
        }
        return result, header, extra

    def _emulator(self, port: int) -> list[str]:
        data = self.folder / "emulator"
        return cli("emulator", "serve", "--port", str(port), "--data-dir", str(data), "--seed")

    def _provision(self, env: Mapping[str, str], port: int) -> None:
        """The mappings' columns and keys, created once on a calm emulator."""
        calm = Service("emulator", self._emulator(port), env, port, self.folder)
        calm.start()
        try:
            done = subprocess.run(
                cli("dataverse", "provision", "--create-catalog"),
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        finally:
            calm.stop()
        if done.returncode != 0:
            raise ChaosError(f"provisioning failed:\n{done.stdout}{done.stderr}")

    def _start(self, env: Mapping[str, str], emulator_port: int, host_port: int) -> None:
        """The failing emulator, then the host (``cityzen run --dataverse-url``)."""
        faults = [
            *("--fault-error-rate", str(self.plan.error_rate)),
            *("--fault-drop-rate", str(self.plan.drop_rate)),
            *(["--throttling"] if self.throttling else []),
        ]
        emulator = [*self._emulator(emulator_port), *faults]
        self.services["emulator"] = Service("emulator", emulator, env, emulator_port, self.folder)
        url = env["CITYZEN_DATAVERSE_URL"]
        host = cli("run", "--dataverse-url", url, "--port", str(host_port))
        self.services["host"] = Service("host", host, env, host_port, self.folder)
        for service in self.services.values():
            service.start()

    def _post(self, work: Work, url: str, key: str, posts: Posts, chaos: Chaos) -> None:
        clients = [
            threading.Thread(target=client, args=(work, url, key, posts, chaos.failed))
            for _ in range(self.plan.clients)
        ]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        self.clock["posted"] = time.monotonic()
        chaos.join()
        if chaos.error is not None:
            raise ChaosError(f"the chaos thread stopped: {chaos.error!r}") from chaos.error

    def _settle(
        self, env: Mapping[str, str], chaos: Chaos, accepted: list[str]
    ) -> tuple[list[int], int, dict[str, Status], int, set[str]]:
        """Wait for the queue and the drains; sweep the dead letters (``failed``, as the timer
        does); read the statuses. Returns the drains' exit codes, the messages left, the
        statuses, the sweep's exit code and the submission ids still in the queue."""
        deps = container(env)
        try:
            left = wait_until_empty(deps, self.plan.deadline_seconds)
            self.clock["emptied"] = time.monotonic()
            end = self.clock["posted"] + self.plan.deadline_seconds
            codes = []
            for drain in chaos.drains:  # one still running at the deadline is stopped: -9
                with contextlib.suppress(subprocess.TimeoutExpired):
                    drain.wait(max(1.0, end - time.monotonic()))
                codes.append(reap(drain, sig=signal.SIGKILL, grace=10))
            self.clock["drained"] = time.monotonic()
            swept = subprocess.run(
                cli("queue", "sweep"), cwd=ROOT, env=env, capture_output=True, check=False
            ).returncode
            statuses: dict[str, Status] = {}
            for submission_id in accepted:
                status = deps.statuses.get(submission_id)
                statuses[submission_id] = (
                    ("unknown", None) if status is None else (status.status, status.reason)
                )
            waiting = queued_ids(deps)
        finally:
            deps.close()
        return codes, left, statuses, swept, waiting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--short", action="store_true", help="210 submissions, two kills")
    parser.add_argument("--seed", type=int, default=11, help="seed of every random choice")
    parser.add_argument("--error-rate", type=float, help="Dataverse requests answered 503")
    parser.add_argument("--drop-rate", type=float, help="Dataverse replies cut")
    parser.add_argument("--throttling", action="store_true", help="the emulator also 429s")
    parser.add_argument("--report", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the run folder (logs, data)")
    parser.add_argument("--folder", type=Path, help="run in this new folder, and keep it")
    args = parser.parse_args(argv)
    plan = SHORT if args.short else FULL
    for name in ("error_rate", "drop_rate"):
        if getattr(args, name) is not None:
            plan = dataclasses.replace(plan, **{name: getattr(args, name)})
    # SIGTERM (a CI timeout) unwinds like an error: every process started is stopped by PID.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.folder is not None:
        args.folder.mkdir(parents=True)
    folder = args.folder or Path(tempfile.mkdtemp(prefix="cityzen-chaos-"))
    run = Run(plan, args.seed, folder, throttling=args.throttling)
    keep = args.keep or args.folder is not None
    try:
        result, header, extra = run.go()
        print(table(result, header), flush=True)
        if args.report is not None:
            report = {**dataclasses.asdict(result), **extra}
            args.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        problems = result.problems()
        if problems:
            print("FAILED: " + "; ".join(problems), flush=True)
        keep = keep or bool(problems)
        return 1 if problems else 0
    except BaseException:
        keep = True
        raise
    finally:
        for service in run.services.values():
            service.kill()
        stop_everything()
        if keep:
            print(f"run folder (logs, databases): {folder}", flush=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

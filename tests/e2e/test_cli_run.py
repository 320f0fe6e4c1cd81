"""``cityzen run`` as a user runs it: a real process, its printed curl commands, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.signin import login
from tests.support.emulator import Switch
from tests.support.private import loosen, modes, not_private, permissive_umask

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e
START_DEADLINE = 60.0
TIMEOUT = 10


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Run:
    """A ``cityzen run`` process whose output is read line by line in a thread."""

    def __init__(self, *args: str, data_dir: Path, sigint_ignored: bool = False) -> None:
        env = {
            **os.environ,
            "CITYZEN_EMULATOR_KEY_ACTIVATION_SECONDS": "0",
            "CITYZEN_LOCALHOST_POLL_INTERVAL_SECONDS": "0.05",
        }
        env.pop("CITYZEN_DATA_DIR", None)
        env.pop("CITYZEN_DATAVERSE_URL", None)  # set, it means "start no emulator"
        if "--signin-port" not in args:  # 7076 may be taken (another run, another test)
            args = (*args, "--signin-port", "0")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cityzen_connector.cli",
                "run",
                "--data-dir",
                str(data_dir),
                *args,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            # A shell's background job starts with SIGINT ignored: Ctrl-C must stop it anyway.
            preexec_fn=_ignore_sigint if sigint_ignored else None,  # noqa: PLW1509
        )
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("<eof>")
            self._changed.notify_all()

    def wait_for(self, pattern: str, deadline: float = START_DEADLINE) -> re.Match[str]:
        end = time.monotonic() + deadline
        with self._changed:
            while True:
                for line in self.lines:
                    if found := re.search(pattern, line):
                        return found
                left = end - time.monotonic()
                if left <= 0 or (self.lines and self.lines[-1] == "<eof>"):
                    raise AssertionError(f"{pattern!r} not printed:\n" + "\n".join(self.lines))
                self._changed.wait(left)

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(30)
        self._reader.join(5)
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._reader.join(5)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def runs() -> Iterator[list[Run]]:
    started: list[Run] = []
    yield started
    for run in started:
        run.close()


def is_free(port: int) -> bool:
    """Nothing listens there any more, and a new server could listen (as servers do, with
    SO_REUSEADDR: the connections the test made may linger in TIME_WAIT)."""
    with socket.socket() as client:
        if client.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def curl_as_request(command: str) -> dict[str, object]:
    """What a printed curl command asks for, to send it with requests."""
    words = shlex.split(command)
    assert words[0] == "curl"
    request: dict[str, object] = {"method": "GET", "headers": {}}
    i = 1
    while i < len(words):
        word = words[i]
        if word == "-X":
            request["method"], i = words[i + 1], i + 1
        elif word == "-H":
            name, _, value = words[i + 1].partition(":")
            request["headers"][name.strip()] = value.strip()  # type: ignore[index]
            i += 1
        elif word == "--data-binary":
            request["data"], i = Path(words[i + 1].removeprefix("@")).read_bytes(), i + 1
        elif word.startswith("http"):
            request["url"] = word
        i += 1
    return request


@pytest.mark.parametrize("sigint_ignored", [False, True], ids=["terminal", "background-job"])
def test_run_files_the_printed_sample_request_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, runs: list[Run], sigint_ignored: bool
) -> None:
    loosen(tmp_path)  # an existing data folder others may enter: closed, and said so
    with permissive_umask():  # what `cityzen run` creates is private all the same
        run = Run(
            "--port",
            "0",
            "--emulator-port",
            "0",
            "--geocoder-port",
            "0",
            "--feeds-port",
            "0",
            "--webhook-port",
            "0",
            data_dir=tmp_path,
            sigint_ignored=sigint_ignored,
        )
    runs.append(run)
    run.wait_for(rf"^{re.escape(str(tmp_path))} was open to other users \(mode 755\)")
    post = run.wait_for(r"^\s+(curl -sS -X POST .*)$").group(1)
    get = run.wait_for(r"^\s+(curl -sS 'http.*/requests/.*)$").group(1)
    host_port = int(run.wait_for(r"Functions host\s+http://127\.0\.0\.1:(\d+)/api/v1/").group(1))
    emulator_port = int(run.wait_for(r"Dataverse\s+http://127\.0\.0\.1:(\d+)/").group(1))
    key = run.wait_for(r"function key\s+(\S+)").group(1)
    run.wait_for(r"^  process_submission\s+serviceBusTrigger, queue submissions$")
    run.wait_for(r"^  sweep_dead_letters\s+timerTrigger, 0 \*/5 \* \* \* \* \(UTC\)$")
    assert (tmp_path / "host-keys.json").exists()  # the data dir holds everything
    geocoder_port = int(run.wait_for(r"embedded geocoder at http://127\.0\.0\.1:(\d+)/").group(1))
    suggest = run.wait_for(r"^\s+(curl -sS 'http.*/address\?q=.*)$").group(1)
    locate = run.wait_for(r"^\s+(curl -sS 'http.*/address/reverse\?.*)$").group(1)
    suggestions = requests.request(timeout=TIMEOUT, **curl_as_request(suggest))  # type: ignore[arg-type]
    assert suggestions.status_code == 200, suggestions.text
    assert suggestions.json()["results"][0]["label"] == "12 Rue de la République 00100 Valbrume"
    nearest = requests.request(timeout=TIMEOUT, **curl_as_request(locate)).json()  # type: ignore[arg-type]
    assert nearest["results"][0]["id"] == "00101_0010_00012"
    # The printed news and agenda lines answer the sample feeds, refreshed before the banner.
    news = curl_as_request(run.wait_for(r"^\s+(curl -sS 'http.*/news\?.*)$").group(1))
    assert requests.request(timeout=TIMEOUT, **news).json()["total"] == 9  # type: ignore[arg-type]

    submitted = requests.request(timeout=TIMEOUT, **curl_as_request(post))  # type: ignore[arg-type]
    assert submitted.status_code == 202, submitted.text
    submission_id = submitted.json()["id"]
    assert get.endswith(f"/requests/{submission_id}' -H 'x-functions-key: {key}'")

    status_request = curl_as_request(get)
    deadline = time.monotonic() + 30
    while True:
        status = requests.request(timeout=TIMEOUT, **status_request).json()  # type: ignore[arg-type]
        if status["status"] != "queued" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status["status"] == "created", status
    assert re.fullmatch(r"CAS-\d{5}-[0-9A-Z]{6}", status["ticket_number"])
    # An agent puts the case on hold with the printed command: the emulator's service endpoint
    # (registered at start-up) posts the change onto the embedded case-events queue.
    run.wait_for(r"^Case events: .* queue case-events \(9 registration\(s\) made, 0 unchanged\)$")
    hold = run.wait_for(r"^\s+(\.venv/bin/cityzen emulator case .* hold <ticket>)$").group(1)
    words = shlex.split(hold.replace("<ticket>", status["ticket_number"]))
    acted = subprocess.run(
        [sys.executable, "-m", "cityzen_connector.cli", *words[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert acted.returncode == 0, acted.stdout + acted.stderr
    assert "Active / On Hold (as agnes.martin)" in acted.stdout
    # The case-events trigger records it: the same printed curl now says "on hold", the
    # citizen's list says it too, and the local receiver printed the signed webhook.
    run.wait_for(r"^  process_case_event\s+serviceBusTrigger, queue case-events$")
    deadline = time.monotonic() + 30
    while True:
        status = requests.request(timeout=TIMEOUT, **status_request).json()  # type: ignore[arg-type]
        if status["citizen_status"] == "on_hold" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [h["status"] for h in status["history"]] == ["received", "on_hold"], status
    mine = curl_as_request(
        run.wait_for(r"^\s+(curl -sS 'http.*/citizens/me/requests'.*)$").group(1)
    )
    [item] = requests.request(timeout=TIMEOUT, **mine).json()["items"]  # type: ignore[arg-type]
    assert (item["request_id"], item["status"]) == (submission_id, "on_hold")
    told = rf'^webhook msg_\w+ request\.status_changed .*"request_id":"{submission_id}"'
    run.wait_for(told + '.*"status":"on_hold"')
    # The citizen's record, by the printed curl: the contact the sample request wrote; a
    # change, with the ETag read, is queued and applied by the profile-updates trigger.
    record = curl_as_request(run.wait_for(r"^\s+(curl -sS -i 'http.*/citizens/me' .*)$").group(1))
    read = requests.request(timeout=TIMEOUT, **record)  # type: ignore[arg-type]
    assert read.status_code == 200, read.text
    assert read.json()["certified"]["given_name"]
    patch = {**record, "method": "PATCH", "data": b'{"contact": {"city": "Lyon"}}'}
    patch["headers"] = {
        **record["headers"],  # type: ignore[dict-item]
        "Content-Type": "application/merge-patch+json",
        "If-Match": read.headers["ETag"],
    }
    changed = requests.request(timeout=TIMEOUT, **patch)  # type: ignore[arg-type]
    assert changed.status_code == 202, changed.text
    deadline = time.monotonic() + 30
    while (now := requests.request(timeout=TIMEOUT, **record).json())["pending"]:  # type: ignore[arg-type]
        assert time.monotonic() < deadline, now
        time.sleep(0.05)
    assert now["contact"]["city"] == "Lyon"
    # The local sign-in provider: a citizen signs in there, and the API takes the token.
    issuer = run.wait_for(r"FranceConnect-shaped test identities\s+(http://127\.0\.0\.1:\d+)/$")
    by_token = run.wait_for(r"^\s+(curl -sS 'http.*/citizens/me/requests' -H .*Bearer.*)$").group(1)
    tokens = login(
        issuer.group(1), redirect_uri=f"{issuer.group(1)}/cli/callback", identity="angela"
    )
    url = shlex.split(by_token)[2]
    signed = requests.get(
        url, headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=TIMEOUT
    )
    assert signed.status_code == 200, signed.text

    # The printed ops line, pasted into a shell as it is: the local key signs, the host checks.
    ops = run.wait_for(r"^\s+(curl -sS '.*/ops/queues' .*)$").group(1)
    assert "identity ops-token" in ops
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    shell = subprocess.run(
        ["bash", "-c", ops], cwd=ROOT, env={**os.environ, "PATH": path}, capture_output=True,
        text=True, timeout=60, check=True,
    )  # fmt: skip
    counts = {q["name"]: q for q in json.loads(shell.stdout)["queues"]}
    assert counts["submissions"]["state"] == "ok"
    assert counts["submissions"]["dead_letter"] == 0
    # The printed stats line, the same way: the request filed above is counted, beside
    # Dataverse's own count (the embedded emulator answers the FetchXML aggregate).
    stats_line = run.wait_for(r"^\s+(curl -sS '.*/stats\?.*)$").group(1)
    shell = subprocess.run(
        ["bash", "-c", stats_line], cwd=ROOT, env={**os.environ, "PATH": path},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    stats = json.loads(shell.stdout)
    assert stats["totals"]["received"] >= 1
    assert stats["reconciliation"]["available"] is True
    # The printed desk and dashboard: their page, and the desk API mounted beside it, which
    # lists the case filed above for an agent signed in at the agents' issuer.
    desk = run.wait_for(r"^  Agent desk\s+(http://127\.0\.0\.1:\d+/desk)$").group(1)
    run.wait_for(r"^  KPI dashboard\s+http://127\.0\.0\.1:\d+/dashboard$")
    assert requests.get(desk, timeout=TIMEOUT).headers["Content-Type"].startswith("text/html")
    agent = login(
        f"{issuer.group(1)}/agents",
        redirect_uri=f"{issuer.group(1)}/cli/callback",
        agent="bruno.lefevre",
    )
    listed = requests.get(
        f"{desk}/api/cases",
        headers={"Authorization": f"Bearer {agent['access_token']}"},
        timeout=TIMEOUT,
    )
    assert listed.status_code == 200, listed.text
    assert status["ticket_number"] in [case["ticket"] for case in listed.json()["items"]]
    open_data = run.wait_for(r"^\s+(curl -sS '.*/open-data/requests\.csv')$").group(1)
    table = requests.request(timeout=TIMEOUT, **curl_as_request(open_data))  # type: ignore[arg-type]
    assert table.status_code == 200
    assert table.text.startswith("mois,theme,sous_theme,canal,statut,nombre_demandes,")
    # An Open311 app with this run's key: the printed form post files, the app lists it.
    filed = run.wait_for(r"^\s+(curl -sS '.*/open311/v2/requests\.json' -d .*)$").group(1)
    shell = subprocess.run(
        ["bash", "-c", filed], cwd=ROOT, env={**os.environ, "PATH": path},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    token = json.loads(shell.stdout)[0]["token"]
    listed = run.wait_for(r"^\s+(curl -sS '.*/open311/v2/requests\.json\?api_key=.*')$").group(1)
    apps = requests.request(timeout=TIMEOUT, **curl_as_request(listed))  # type: ignore[arg-type]
    assert token in [r["service_request_id"] for r in apps.json()]
    # Every file of the queue, the store, the emulator (every contact), the keys and the sample.
    assert not_private(tmp_path) == {}
    assert {
        "queue.db",
        "queue.db-wal",
        "state.db",
        "blobs/",
        "emulator/dataverse.db",
        "host-keys.json",
        "sample-request.json",
        "localhost/timers/sweep_dead_letters.json",
        "ops-signing-key.pem",
    } <= set(modes(tmp_path))

    assert run.interrupt() == 0
    assert run.lines[-2:] == ["cityzen run: stopped", "<eof>"]
    assert is_free(host_port)
    assert is_free(emulator_port)
    assert is_free(geocoder_port)


def assert_refused(run: Run, pattern: str) -> None:
    """Exit code 2 and one line saying why: no traceback."""
    assert run.process.wait(START_DEADLINE) == 2
    run.wait_for(pattern)
    assert not any("Traceback" in line for line in run.lines)


def test_a_port_in_use_is_one_clear_line_and_exit_code_2(tmp_path: Path, runs: list[Run]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        host_busy = Run("--port", str(port), "--emulator-port", "0", data_dir=tmp_path / "a")
        emulator_busy = Run("--port", "0", "--emulator-port", str(port), data_dir=tmp_path / "b")
        runs += [host_busy, emulator_busy]
        assert_refused(host_busy, rf"cannot listen on 127\.0\.0\.1:{port}.*use --port")
        assert_refused(emulator_busy, r"Dataverse emulator: cannot listen on .*use --emulator-port")


def test_bad_options_are_refused_before_anything_starts(tmp_path: Path, runs: list[Run]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    bad_port = Run("--port", "70000", data_dir=tmp_path / "c")
    bad_dir = Run("--port", "0", "--emulator-port", "0", data_dir=blocker / "data")
    runs += [bad_port, bad_dir]
    assert_refused(bad_port, r"CITYZEN_LOCALHOST_PORT: Input should be less")
    assert_refused(bad_dir, r"cannot create the data folder")


def test_run_on_a_dataverse_it_did_not_start(
    tmp_path: Path, runs: list[Run], emulator_server: tuple[str, Switch]
) -> None:
    """`--dataverse-url`: an emulator started apart (here, in this test) serves the host and the
    worker; `cityzen run` starts none, seeds nothing, and still provisions."""
    url, switch = emulator_server
    apart = create_app(EmulatorConfig(database=":memory:", key_activation_seconds=0))
    seed(apart)
    switch.target = apart
    try:
        run = Run("--port", "0", "--dataverse-url", url, data_dir=tmp_path)
        runs.append(run)
        run.wait_for(rf"^Dataverse at {re.escape(url)}: used as it is \(no emulator started")
        run.wait_for(r"^Dataverse schema: \d+ item\(s\) provisioned$")
        run.wait_for(rf"^  Dataverse\s+{re.escape(url)}/api/data/v9\.2/$")
        post = run.wait_for(r"^\s+(curl -sS -X POST .*)$").group(1)
        get = curl_as_request(run.wait_for(r"^\s+(curl -sS 'http.*/requests/.*)$").group(1))
        submitted = requests.request(timeout=TIMEOUT, **curl_as_request(post))  # type: ignore[arg-type]
        assert submitted.status_code == 202, submitted.text
        deadline = time.monotonic() + 30
        while True:
            status = requests.request(timeout=TIMEOUT, **get).json()  # type: ignore[arg-type]
            if status["status"] != "queued" or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert status["status"] == "created", status
        assert apart.store.count("incident", "1", []) == 1  # in the Dataverse it was given
        assert run.interrupt() == 0
    finally:
        switch.target = None
        apart.close()
    assert not (tmp_path / "emulator").exists()  # no emulator of its own, no seeding

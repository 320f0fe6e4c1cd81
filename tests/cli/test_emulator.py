"""`cityzen emulator serve|seed`: real servers on 127.0.0.1, clear errors, HTTPS with a cert
the client can trust."""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from cityzen_connector.cli import build_parser, main
from cityzen_connector.emulator import BASE_PATH, CATALOGUE
from cityzen_connector.settings import Settings
from tests.support.private import loosen, modes, not_private, permissive_umask

AUTH = {"Authorization": "Bearer local-dev-token"}


def _args(tmp_path: Path, **over: object) -> argparse.Namespace:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "data_dir": tmp_path,
        "in_memory": False,
        "seed": True,
        "tls": False,
        "token": None,
        "throttling": None,
        "fault_error_rate": None,
        "fault_drop_rate": None,
        "fault_latency": None,
    }
    values.update(over)
    return argparse.Namespace(**values)


def test_seed_command_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["emulator", "seed", "--data-dir", str(tmp_path)]) == 0
    # 38 rows, the 2 member communes' teams, 2 agents, 4 security roles, 2 SDK messages and
    # their 20 filters, and the knowledge base's 19 (articles and languages)
    assert "seeded 90 records" in capsys.readouterr().out
    assert main(["emulator", "seed", "--data-dir", str(tmp_path)]) == 0
    assert "seeded 0 records" in capsys.readouterr().out


def test_serve_answers_over_http_and_keeps_data(tmp_path: Path) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    seen: dict[str, int] = {}

    def probe(url: str) -> None:
        subjects = requests.get(url + BASE_PATH + "subjects", headers=AUTH, timeout=10)
        seen["subjects"] = len(subjects.json()["value"])
        created = requests.post(
            url + BASE_PATH + "contacts", json={"lastname": "Persisted"}, headers=AUTH, timeout=10
        )
        seen["create"] = created.status_code

    assert run_serve(_args(tmp_path), Settings(_env_file=None), wait=probe) == 0
    themes = len(CATALOGUE) + sum(len(subs) for _, subs in CATALOGUE.values())
    assert seen == {"subjects": themes, "create": 204}

    def count(url: str) -> None:
        body = requests.get(url + BASE_PATH + "contacts", headers=AUTH, timeout=10).json()
        seen["after_restart"] = len(body["value"])

    assert run_serve(_args(tmp_path, seed=False), Settings(_env_file=None), wait=count) == 0
    assert seen["after_restart"] == 1


def test_serve_over_tls_with_the_generated_certificate(tmp_path: Path) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    statuses: list[int] = []

    def probe(url: str) -> None:
        assert url.startswith("https://127.0.0.1:")
        cert = tmp_path / "emulator-cert.pem"
        response = requests.get(
            url + BASE_PATH + "WhoAmI", headers=AUTH, verify=str(cert), timeout=10
        )
        statuses.append(response.status_code)
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(url + BASE_PATH + "WhoAmI", headers=AUTH, timeout=10)

    assert run_serve(_args(tmp_path, tls=True), Settings(_env_file=None), wait=probe) == 0
    assert statuses == [200]


def test_serve_and_seed_keep_the_data_folder_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    data = tmp_path / "emulator"
    data.mkdir()
    loosen(data)  # as an earlier version, or a umask of 022, left it
    with permissive_umask():
        assert run_serve(_args(data, tls=True), Settings(_env_file=None), wait=lambda _: None) == 0
        assert not_private(data) == {}
        assert main(["emulator", "seed", "--data-dir", str(tmp_path / "fresh")]) == 0
    assert not_private(tmp_path / "fresh") == {}
    assert {"dataverse.db", "emulator-cert.pem", "emulator-key.pem"} <= set(modes(data))
    capsys.readouterr()


def test_fault_latency_from_the_flag_or_the_variable_delays_every_answer(tmp_path: Path) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    def two_requests(url: str) -> None:
        for _ in range(2):
            requests.get(url + BASE_PATH + "WhoAmI", headers=AUTH, timeout=10).raise_for_status()

    flag = build_parser().parse_args(
        ["emulator", "serve", "--port", "0", "--in-memory", "--fault-latency", "0.25"]
    )
    slept: list[float] = []
    assert run_serve(flag, Settings(_env_file=None), wait=two_requests, sleep=slept.append) == 0
    assert slept == [0.25, 0.25]

    variable = build_parser().parse_args(["emulator", "serve", "--port", "0", "--in-memory"])
    settings = Settings(_env_file=None, emulator_fault_latency_seconds=1.5)
    slept.clear()
    assert run_serve(variable, settings, wait=two_requests, sleep=slept.append) == 0
    assert slept == [1.5, 1.5]


def test_latency_model_from_the_flags_or_the_variables(tmp_path: Path) -> None:
    from cityzen_connector.cli._emulator import run_serve  # noqa: PLC0415

    def create_three(url: str) -> None:
        body = {"Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "L"}] * 3}
        action = url + BASE_PATH + "contacts/Microsoft.Dynamics.CRM.CreateMultiple"
        requests.post(action, json=body, headers=AUTH, timeout=10).raise_for_status()

    flags = ["--latency-base", "0.2", "--latency-per-operation", "0.01"]
    parsed = build_parser().parse_args(["emulator", "serve", "--port", "0", "--in-memory", *flags])
    slept: list[float] = []
    assert run_serve(parsed, Settings(_env_file=None), wait=create_three, sleep=slept.append) == 0
    assert slept == [pytest.approx(0.2 + 3 * 0.01)]

    variable = build_parser().parse_args(["emulator", "serve", "--port", "0", "--in-memory"])
    settings = Settings(
        _env_file=None,
        emulator_latency_base_seconds=0.5,
        emulator_latency_per_operation_seconds=0.1,
    )
    slept.clear()
    assert run_serve(variable, settings, wait=create_three, sleep=slept.append) == 0
    assert slept == [pytest.approx(0.5 + 3 * 0.1)]


def test_port_in_use_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code = main(
            ["emulator", "serve", "--port", str(port), "--data-dir", str(tmp_path), "--in-memory"]
        )
    assert code == 2
    out = capsys.readouterr().out
    assert f"cannot listen on 127.0.0.1:{port}" in out
    assert "Traceback" not in out


def test_unwritable_data_dir_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["emulator", "seed", "--data-dir", str(blocker / "sub")]) == 2
    assert "cannot open the emulator database" in capsys.readouterr().out
    assert main(["emulator", "serve", "--port", "0", "--data-dir", str(blocker / "sub")]) == 2
    assert "is the data directory writable?" in capsys.readouterr().out


COMMAND = (sys.executable, "-m", "cityzen_connector.cli")


def test_serve_stops_on_sigint_even_when_started_in_the_background(tmp_path: Path) -> None:
    # A shell's background job starts with SIGINT ignored; `serve` must still stop on it.
    with subprocess.Popen(
        [*COMMAND, "emulator", "serve", "--port", "0", "--data-dir", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    ) as process:
        try:
            assert process.stdout is not None
            assert "Dataverse Web API at http://127.0.0.1:" in process.stdout.readline()
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_the_served_emulator_answers_no_sooner_than_its_fault_latency(tmp_path: Path) -> None:
    # The real command, real sleep: a lower bound only (nothing here says how fast it must be).
    latency = 0.3
    command = [*COMMAND, "emulator", "serve", "--port", "0", "--in-memory"]
    with subprocess.Popen(
        [*command, "--fault-latency", str(latency)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            url = line.split(" at ", 1)[1].split("/api/", 1)[0]
            started = time.monotonic()
            response = requests.get(url + BASE_PATH + "WhoAmI", headers=AUTH, timeout=10)
            took = time.monotonic() - started
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert response.status_code == 200
    assert took >= latency

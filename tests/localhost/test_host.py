"""LocalHost as `cityzen run` uses it: start, serve every trigger kind, stop with no thread left."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from cityzen_connector.app import localhost_config
from cityzen_connector.localhost import AppLoadError, CronError, LocalHost, LocalHostConfig
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock

from .localhost_support import MemoryBus, message

WAIT = 5.0
MakeHost = Callable[..., LocalHost]


def test_one_host_serves_http_queue_and_timer_triggers(
    sample_app: Path, bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> None:
    with LocalHost(sample_app, bus, config, clock=clock, monotonic=clock) as host:
        module = host.app.module
        assert requests.get(f"{host.url}/api/hello/there", timeout=WAIT).text == "hello there"
        bus.send("submissions", [message(b'{"n": 1}', "via-host")])
        assert module.STARTED.acquire(timeout=WAIT)
        waits = clock.wait_calls
        clock.advance(timedelta(minutes=5))
        assert clock.wait_for_wait_calls(waits + 2, WAIT)
    # After the with block every thread is joined (the autouse fixture checks) and the
    # in-flight message was completed, not abandoned.
    assert bus.completed == ["via-host"]
    assert any(kind == "timer" for kind, _ in module.CALLS)


def test_start_and_stop_leave_no_threads_and_free_the_port(make_host: MakeHost) -> None:
    before = set(threading.enumerate())
    host = make_host()
    host.start()
    started = {t.name for t in threading.enumerate()} - {t.name for t in before}
    assert {"cityzen-localhost-http", "cityzen-poll-submissions"} <= started
    assert "cityzen-timer-refresh_themes" in started
    port = int(host.url.rsplit(":", 1)[1])
    host.stop()
    host.stop()  # idempotent
    assert set(threading.enumerate()) == before
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # the port is free again


def test_wait_returns_when_stopped_from_another_thread(make_host: MakeHost) -> None:
    host = make_host()
    host.start()
    assert not host.wait(0.01)
    stopper = threading.Timer(0.05, host.stop)
    stopper.start()
    assert host.wait(WAIT)
    stopper.join()
    assert not any(t.name.startswith("cityzen-") for t in threading.enumerate())


def test_starting_twice_is_refused(
    sample_app: Path, bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> None:
    host = LocalHost(sample_app, bus, config, clock=clock, monotonic=clock)
    with host, pytest.raises(RuntimeError):
        host.start()


def test_busy_port_fails_start_and_cleans_up(
    make_host: MakeHost, sample_app: Path, config: LocalHostConfig
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = LocalHostConfig(**{**config.__dict__, "port": taken.getsockname()[1]})
        host = make_host(sample_app, busy)
        with pytest.raises(OSError, match="in use"):
            host.start()


def test_a_broken_app_fails_at_construction(
    tmp_path: Path, bus: MemoryBus, config: LocalHostConfig
) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.functions as func\napp = func.FunctionApp()\n"
        "@app.timer_trigger(arg_name='t', schedule='* * * * *')\ndef t(t): ...\n",
        encoding="utf-8",
    )
    with pytest.raises(CronError, match="6 fields"):
        LocalHost(tmp_path, bus, config)
    with pytest.raises(AppLoadError):
        LocalHost(tmp_path / "missing", bus, config)


def test_the_key_file_is_created_and_reused(
    sample_app: Path, bus: MemoryBus, config: LocalHostConfig, clock: FakeClock
) -> None:
    first = LocalHost(sample_app, bus, config, clock=clock, monotonic=clock)
    second = LocalHost(sample_app, bus, config, clock=clock, monotonic=clock)
    assert first.function_key == second.function_key
    assert config.key_file.exists()


def test_config_from_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        localhost_port=8080,
        localhost_poll_interval_seconds=2,
        localhost_max_body_bytes=1000,
        localhost_http_threads=2,
        localhost_read_timeout_seconds=5,
    )
    config = localhost_config(settings)
    assert config.read_timeout_seconds == 5
    assert config.port == 8080
    assert config.host == "127.0.0.1"
    assert config.key_file == tmp_path / "data" / "host-keys.json"
    assert config.state_dir == tmp_path / "data" / "localhost"
    assert (config.poll_interval_seconds, config.max_body_bytes, config.http_threads) == (
        2,
        1000,
        2,
    )
    explicit = Settings(localhost_key_file=tmp_path / "k.json")
    assert localhost_config(explicit).key_file == tmp_path / "k.json"


def test_default_settings_match_func_start() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    config = localhost_config(settings)
    assert (config.host, config.port) == ("127.0.0.1", 7071)
    assert config.read_timeout_seconds == 30
    assert settings.localhost_app_dir == Path(".")


def test_stop_does_not_hang_on_an_idle_keep_alive_connection(make_host: MakeHost) -> None:
    host = make_host()
    host.start()
    port = int(host.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
    try:
        connection.request("GET", "/api/hello/idle")
        assert connection.getresponse().read() == b"hello idle"
        stopper = threading.Thread(target=host.stop)
        stopper.start()
        stopper.join(WAIT)
        assert not stopper.is_alive()
    finally:
        connection.close()


def test_stop_lets_a_running_http_request_finish(make_host: MakeHost) -> None:
    host = make_host()
    module = host.app.module
    module.HTTP_GATE.clear()
    host.start()
    answers: list[requests.Response] = []
    client = threading.Thread(
        target=lambda: answers.append(requests.get(f"{host.url}/api/slow", timeout=WAIT))
    )
    client.start()
    assert module.HTTP_STARTED.acquire(timeout=WAIT)
    stopper = threading.Thread(target=host.stop)
    stopper.start()
    stopper.join(0.1)
    assert stopper.is_alive(), "stop() did not wait for the running request"
    module.HTTP_GATE.set()
    stopper.join(WAIT)
    client.join(WAIT)
    assert [(a.status_code, a.text) for a in answers] == [(200, "finally")]


def test_two_stops_at_once_stop_once_and_both_return(make_host: MakeHost) -> None:
    # Ctrl-C and a teardown may call stop() while a stop runs: no double close of the sockets.
    host = make_host()
    host.start()
    errors: list[BaseException] = []

    def stop() -> None:
        try:
            host.stop()
        except BaseException as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)

    threads = [threading.Thread(target=stop) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    assert host.wait(0)

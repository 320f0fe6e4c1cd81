"""Timer triggers on an injected clock: schedule, runOnStartup, past due, monitor, failures."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cityzen_connector.localhost import TimerRunner, load_app
from cityzen_connector.localhost._invoke import Invoker
from cityzen_connector.testing import FakeClock
from tests.support.private import loosen, modes, not_private, permissive_umask

T0 = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
WAIT = 5.0
EVERY_5_MINUTES = "@app.timer_trigger(arg_name='timer', schedule='0 */5 * * * *')"
HOURLY = "@app.timer_trigger(arg_name='timer', schedule='0 0 * * * *')"


def _app(tmp_path: Path, decorator: str, body: str = "CALLS.append(timer)") -> Path:
    app_dir = tmp_path / "app"
    app_dir.mkdir(exist_ok=True)
    (app_dir / "function_app.py").write_text(
        "import azure.functions as func\n"
        "app = func.FunctionApp()\n"
        "CALLS = []\n"
        f"{decorator}\n"
        "def tick(timer: func.TimerRequest) -> None:\n"
        f"    {body}\n",
        encoding="utf-8",
    )
    return app_dir


def _runner(app_dir: Path, clock: FakeClock, state: Path) -> tuple[TimerRunner, Any]:
    app = load_app(app_dir)
    (spec,) = app.functions
    return TimerRunner(spec, Invoker(str(app_dir)), state, clock=clock, monotonic=clock), app.module


@contextmanager
def _running(app_dir: Path, clock: FakeClock, state: Path) -> Iterator[Any]:
    """A started runner, once it waits for its next occurrence; stopped on exit."""
    runner, module = _runner(app_dir, clock, state)
    waits = clock.wait_calls
    runner.start()
    try:
        assert clock.wait_for_wait_calls(waits + 1, WAIT)
        yield module
    finally:
        runner.stop()


def _advance_and_settle(clock: FakeClock, delta: timedelta) -> None:
    """Move time, then wait (bounded, real time) until the runner waits again."""
    waits = clock.wait_calls
    clock.advance(delta)
    assert clock.wait_for_wait_calls(waits + 1, WAIT)


def test_timer_fires_on_schedule_and_not_before(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    with _running(_app(tmp_path, EVERY_5_MINUTES), clock, tmp_path / "state") as module:
        clock.advance(timedelta(minutes=4, seconds=59))  # not yet: the runner keeps waiting
        _advance_and_settle(clock, timedelta(seconds=1))
        assert len(module.CALLS) == 1
        _advance_and_settle(clock, timedelta(minutes=5))
    first, second = module.CALLS
    assert not first.past_due
    assert first.schedule == {"AdjustForDST": True}
    assert first.schedule_status["Next"] == (T0 + timedelta(minutes=10)).isoformat()
    assert second.schedule_status["Last"] == (T0 + timedelta(minutes=5)).isoformat()


def test_late_firing_is_past_due_and_missed_occurrences_coalesce(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    with _running(_app(tmp_path, EVERY_5_MINUTES), clock, tmp_path / "state") as module:
        _advance_and_settle(clock, timedelta(minutes=17))
    (only,) = module.CALLS
    assert only.past_due


def test_run_on_startup_invokes_at_once(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    decorator = "@app.timer_trigger(arg_name='timer', schedule='0 0 3 * * *', run_on_startup=True)"
    with _running(_app(tmp_path, decorator), clock, tmp_path / "state") as module:
        pass
    (only,) = module.CALLS
    assert not only.past_due


def test_occurrence_missed_while_down_runs_once_past_due_at_start(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    state = tmp_path / "state"
    app_dir = _app(tmp_path, HOURLY)
    assert _runner(app_dir, clock, state)[0].use_monitor  # hourly: monitored, as in Azure
    with _running(app_dir, clock, state) as module:
        pass
    status = json.loads((state / "tick.json").read_text(encoding="utf-8"))
    assert status["Next"] == (T0 + timedelta(hours=1)).isoformat()
    assert module.CALLS == []
    # The host is down for three hours, then starts again.
    clock.advance(timedelta(hours=3, minutes=10))
    with _running(app_dir, clock, state) as module:
        pass
    (only,) = module.CALLS
    assert only.past_due


def test_sub_minute_schedules_are_not_monitored_by_default(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    app_dir = _app(tmp_path, "@app.timer_trigger(arg_name='timer', schedule='*/10 * * * * *')")
    runner, _ = _runner(app_dir, clock, tmp_path / "state")
    assert not runner.use_monitor
    forced = _app(
        tmp_path,
        "@app.timer_trigger(arg_name='timer', schedule='*/10 * * * * *', use_monitor=True)",
    )
    runner, _ = _runner(forced, clock, tmp_path / "state")
    assert runner.use_monitor


def test_a_failing_timer_is_logged_and_fires_again_next_time(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    app_dir = _app(
        tmp_path,
        "@app.timer_trigger(arg_name='timer', schedule='0 * * * * *')",
        body="CALLS.append(timer); raise RuntimeError('feed down')",
    )
    with _running(app_dir, clock, tmp_path / "state") as module:
        _advance_and_settle(clock, timedelta(minutes=1))
        _advance_and_settle(clock, timedelta(minutes=1))
    assert len(module.CALLS) == 2


def test_an_unreadable_status_file_starts_afresh(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    state = tmp_path / "state"
    state.mkdir()
    (state / "tick.json").write_text("{garbage", encoding="utf-8")
    with _running(_app(tmp_path, HOURLY), clock, state) as module:
        pass
    assert module.CALLS == []
    assert json.loads((state / "tick.json").read_text(encoding="utf-8"))["Next"]


def test_the_schedule_status_is_private_whatever_the_umask(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    with permissive_umask(), _running(_app(tmp_path, HOURLY), clock, tmp_path / "l" / "timers"):
        pass
    assert not_private(tmp_path / "l") == {}
    assert set(modes(tmp_path / "l")) == {".", "timers/", "timers/tick.json"}


def test_a_status_file_left_open_to_others_is_closed_when_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock, state = FakeClock(T0), tmp_path / "state"
    app_dir = _app(tmp_path, HOURLY)
    with _running(app_dir, clock, state):
        pass
    loosen(state, state / "tick.json")
    with (
        caplog.at_level(logging.WARNING, logger="cityzen_connector"),
        _running(app_dir, clock, state),
    ):
        pass
    assert not_private(state) == {}
    assert f"{state / 'tick.json'} was open to other users" in caplog.text

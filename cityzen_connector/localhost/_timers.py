"""Timer triggers: one thread per timer function, driven by the injected clocks.

Behaviour follows the Functions timer extension: ``runOnStartup`` invokes once at start;
``useMonitor`` (default on for intervals of a minute or more) persists the schedule status, so an
occurrence missed while the host was down runs at the next start with ``IsPastDue`` true;
missed occurrences are coalesced into one invocation; a failing invocation is not retried; the
same timer never runs twice at once. https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from azure.functions.timer import TimerRequest

from cityzen_connector._clock import SYSTEM_MONOTONIC, MonotonicClock, WallClock, utc_now
from cityzen_connector._private import private_folder, tighten, write_private
from cityzen_connector.localhost._bindings import FunctionSpec, TimerTriggerBinding
from cityzen_connector.localhost._cron import CronSchedule
from cityzen_connector.localhost._invoke import Invoker, new_invocation_id

logger = logging.getLogger("cityzen_connector.localhost.timers")

# An invocation later than this after its occurrence is "past due".
PAST_DUE_TOLERANCE = timedelta(seconds=1)


class TimerRunner:
    """Runs one timer function on its schedule until stopped.

    Occurrences are wall-clock times (``clock``); the wait for the next one goes through
    ``monotonic`` and ends with a fresh look at the wall clock, waiting again if the moment has
    not come yet.
    """

    def __init__(
        self,
        spec: FunctionSpec,
        invoker: Invoker,
        status_dir: Path,
        *,
        clock: WallClock = utc_now,
        monotonic: MonotonicClock = SYSTEM_MONOTONIC,
    ) -> None:
        if not isinstance(spec.trigger, TimerTriggerBinding):
            raise TypeError(f"{spec.name} is not a timer function")
        self._binding = spec.trigger
        self.schedule = CronSchedule.parse(spec.trigger.schedule)
        self._spec = spec
        self._invoker = invoker
        self._clock = clock
        self._monotonic = monotonic
        self._status_path = status_dir / f"{spec.name}.json"
        monitor = spec.trigger.use_monitor
        if monitor is None:
            monitor = self.schedule.min_interval(clock()) >= timedelta(minutes=1)
        self.use_monitor = monitor
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        # A daemon thread: stop() joins it; a host never stopped cannot block the exit.
        self._thread = threading.Thread(
            target=self._run, name=f"cityzen-timer-{self._spec.name}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop waiting; an invocation in progress finishes first."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        now = self._clock()
        status = self._load_status() if self.use_monitor else None
        last = status[0] if status else None
        if status is not None and status[1] < now:
            # An occurrence passed while the host was down: run it once, past due.
            self._fire(past_due=True, last=last, scheduled=status[1])
            last = status[1]
        elif self._binding.run_on_startup:
            self._fire(past_due=False, last=last, scheduled=now)
            last = now
        while not self._stop.is_set():
            upcoming = self.schedule.next_after(self._clock())
            self._save_status(last, upcoming)
            if not self._wait_until(upcoming):
                return
            self._fire(past_due=False, last=last, scheduled=upcoming)
            last = upcoming

    def _wait_until(self, moment: datetime) -> bool:
        """Wait for ``moment``; False if stopped first."""
        while (remaining := (moment - self._clock()).total_seconds()) > 0:
            if self._monotonic.wait(self._stop, remaining):
                return False
        return not self._stop.is_set()

    def _fire(self, *, past_due: bool, last: datetime | None, scheduled: datetime) -> None:
        now = self._clock()
        past_due = past_due or now - scheduled > PAST_DUE_TOLERANCE
        schedule_status: dict[str, Any] = {}
        if self.use_monitor:
            schedule_status = {
                "Last": (last or scheduled).isoformat(),
                "Next": self.schedule.next_after(now).isoformat(),
                "LastUpdated": now.isoformat(),
            }
        request = TimerRequest(
            past_due=past_due,
            schedule_status=schedule_status,
            schedule={"AdjustForDST": True},
        )
        invocation_id = new_invocation_id()
        try:
            self._invoker.invoke(self._spec, {self._binding.arg_name: request}, invocation_id)
        except Exception:
            # Timer functions are not retried; the next occurrence runs as scheduled.
            logger.exception("timer %s failed (invocation %s)", self._spec.name, invocation_id)

    def _load_status(self) -> tuple[datetime, datetime] | None:
        try:
            tighten(self._status_path)  # the data folder is private, file by file
            document = json.loads(self._status_path.read_text(encoding="utf-8"))
            return (
                datetime.fromisoformat(document["Last"]),
                datetime.fromisoformat(document["Next"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            logger.warning("timer status %s is unreadable; starting afresh", self._status_path)
            return None

    def _save_status(self, last: datetime | None, upcoming: datetime) -> None:
        if not self.use_monitor:
            return
        now = self._clock()
        document = {
            "Last": (last or now).isoformat(),
            "Next": upcoming.isoformat(),
            "LastUpdated": now.isoformat(),
        }
        try:
            private_folder(self._status_path.parent)
            write_private(self._status_path, json.dumps(document).encode())
        except OSError:
            logger.warning("timer status %s cannot be written", self._status_path)

"""Timer triggers: themes refresh, dead-letter sweep, retention purge, case reconciliation,
search articles refresh, news and agenda feeds refresh,
agents' accounts. Each calls one use case.

Schedules are 6-field NCRONTAB expressions (``{second} {minute} {hour} {day} {month}
{day-of-week}``) evaluated in UTC ("Timer trigger for Azure Functions", Microsoft Learn).
``use_monitor`` keeps the schedule status in the storage account so an occurrence missed while
the app was down (a deployment, a scale-in to zero) runs once at the next start, with
``past_due`` true. ``run_on_startup`` stays off: on a scaled-out or often-restarted app it
would fire at every instance start, which Microsoft advises against in production.

A failure raises: the runtime logs the invocation as failed (an alert in Application Insights)
and the next occurrence tries again; timers are not retried.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import azure.functions as func

from cityzen_connector import app as cityzen

if TYPE_CHECKING:
    from cityzen_connector.app import Container

logger = logging.getLogger("functions.timers")

# Every 10 minutes: the portal's theme cache (api_themes_cache_seconds) stays warm, and a
# subject retired in Dynamics 365 leaves the portal within minutes.
THEMES_SCHEDULE = "0 */10 * * * *"
# Every 5 minutes: a submission Service Bus dead-lettered (max deliveries, expiry) is shown
# ``failed`` to the citizen soon after, instead of staying ``queued``.
SWEEP_SCHEDULE = "0 */5 * * * *"
# Daily at 02:30 UTC, off-peak: RGPD retention of failed messages, records and blobs.
RETENTION_SCHEDULE = "0 30 2 * * *"
# Every 15 minutes: a case change the service endpoint failed to post (its asynchronous system
# job failed or was cancelled) reaches the citizen within a quarter of an hour, through change
# tracking; one delta read of the case table when nothing changed.
CASES_SCHEDULE = "0 */15 * * * *"

# Every 15 minutes, off the themes' minutes: published knowledge articles reach the portal's
# search within a quarter of an hour, for one Dataverse query (96 a day).
SEARCH_SCHEDULE = "0 5-59/15 * * * *"

# Every 15 minutes (CITYZEN_FEEDS_REFRESH_SCHEDULE): an unchanged feed costs a 304, a news item
# reaches the portal within a quarter of an hour.
FEEDS_SCHEDULE = "0 */15 * * * *"

# Daily at 03:15 UTC, off-peak and after the retention purge: agents' accounts reconciled with
# their Entra ID groups (who joined is provisioned before the working day, who left loses access).
AGENTS_SCHEDULE = "0 15 3 * * *"

# Every 2 minutes: a citizen's data export is ready within minutes of the request (its legal
# deadline is a month; docs/rgpd.md says why a timer rather than a queue), an expired export's
# file goes, an erasure a crash cut short is finished. One store partition read when idle.
RIGHTS_SCHEDULE = "0 */2 * * * *"

__all__ = [
    "AGENTS_SCHEDULE",
    "CASES_SCHEDULE",
    "FEEDS_SCHEDULE",
    "RETENTION_SCHEDULE",
    "RIGHTS_SCHEDULE",
    "SEARCH_SCHEDULE",
    "SWEEP_SCHEDULE",
    "THEMES_SCHEDULE",
    "Schedule",
    "blueprint",
    "purge_retention",
    "reconcile_agents",
    "reconcile_cases",
    "refresh_feeds",
    "refresh_search",
    "refresh_themes",
    "run_rights",
    "sweep_dead_letters",
]


@dataclass(frozen=True)
class Schedule:
    """The timers' NCRONTAB schedules (tests and ``cityzen run`` may pass others)."""

    themes: str = THEMES_SCHEDULE
    sweep: str = SWEEP_SCHEDULE
    retention: str = RETENTION_SCHEDULE
    cases: str = CASES_SCHEDULE
    search: str = SEARCH_SCHEDULE
    feeds: str = FEEDS_SCHEDULE
    agents: str = AGENTS_SCHEDULE
    rights: str = RIGHTS_SCHEDULE


def refresh_themes(deps: Container) -> int:
    """Recompute the portal's theme tree from Dataverse subjects; returns its size in bytes."""
    snapshot = cityzen.refresh_themes(deps)
    logger.info("theme tree refreshed (%d bytes, etag %s)", len(snapshot.body), snapshot.etag)
    return len(snapshot.body)


def refresh_search(deps: Container) -> int:
    """Cache the published knowledge articles for search; returns how many are cached."""
    report = cityzen.refresh_search(deps)
    logger.info(
        "knowledge articles cached for search: %d (%d written, %d deleted)",
        report.summary.count,
        report.written,
        report.deleted,
    )
    return report.summary.count


def sweep_dead_letters(deps: Container) -> int:
    """Mark ``failed`` the submissions Service Bus dead-lettered; returns how many."""
    report = cityzen.sweep_dead_letters(deps)
    logger.info("swept %d dead-lettered, %d marked failed", report.scanned, report.marked_failed)
    return report.marked_failed


def purge_retention(deps: Container) -> int:
    """Delete what is older than the retention period; returns how many items went."""
    report = cityzen.purge_retention(deps)
    logger.info(
        "retention: %d message(s), %d record(s), %d blob(s), %d notification file(s) purged",
        report.messages,
        report.records,
        report.blobs,
        report.notifications,
    )
    return report.messages + report.records + report.blobs + report.notifications


def reconcile_cases(deps: Container) -> int:
    """Feed case changes the queue missed through the history; returns how many were new."""
    report = cityzen.reconcile_cases(deps)
    logger.info("case reconciliation: %s", report.line())
    return report.recorded


def refresh_feeds(deps: Container) -> int:
    """Fetch the news and agenda feeds (conditional GETs); returns how many failed (their last
    good copy stays, readiness shows them stale). A failed feed does not fail the invocation:
    the next occurrence tries again, as a timer would."""
    report = cityzen.refresh_feeds(deps)
    logger.info("feeds: %s", report.line())
    return report.counts["failed"]


def reconcile_agents(deps: Container) -> int:
    """Reconcile the agents' access model (plan, then apply); returns the changes made. A
    change refused is logged by the use case (object ids only) and fails the invocation, so
    the runtime reports it; the next day's run retries what is left."""
    plan, report = cityzen.reconcile_agents(deps)
    if report is None or plan.empty:
        logger.info("agents: nothing to change")
        return 0
    logger.info("agents: %s", report.summary())
    if not report.ok:
        raise RuntimeError(f"agents: {len(report.failed)} change(s) refused")
    return sum(report.done.values())


def run_rights(deps: Container) -> int:
    """Prepare the data exports asked for, purge expired ones, finish cut-short erasures;
    returns how many exports were produced."""
    report = cityzen.run_rights(deps)
    logger.info(
        "rights: %s", ", ".join(f"{n} {k}" for k, n in sorted(report.items())) or "not configured"
    )
    return report.get("exports_produced", 0)


def _timer(
    bp: func.Blueprint,
    name: str,
    schedule: str,
    job: Callable[[Container], int],
    container: Callable[[], Container],
) -> None:
    def trigger(timer: func.TimerRequest) -> None:
        if timer.past_due:
            logger.info("%s: running late (past due)", name)
        job(container())

    trigger.__name__ = name
    decorated = bp.timer_trigger(
        arg_name="timer", schedule=schedule, run_on_startup=False, use_monitor=True
    )(trigger)
    bp.function_name(name=name)(decorated)


def blueprint(
    schedule: Schedule | None = None, *, container: Callable[[], Container] = cityzen.current
) -> func.Blueprint:
    """The Blueprint with the timers."""
    schedule = schedule or Schedule()
    bp = func.Blueprint()  # type: ignore[no-untyped-call]  # azure-functions has no annotation here
    _timer(bp, "refresh_themes", schedule.themes, refresh_themes, container)
    _timer(bp, "sweep_dead_letters", schedule.sweep, sweep_dead_letters, container)
    _timer(bp, "purge_retention", schedule.retention, purge_retention, container)
    _timer(bp, "reconcile_cases", schedule.cases, reconcile_cases, container)
    _timer(bp, "refresh_search", schedule.search, refresh_search, container)
    _timer(bp, "refresh_feeds", schedule.feeds, refresh_feeds, container)
    _timer(bp, "reconcile_agents", schedule.agents, reconcile_agents, container)
    _timer(bp, "run_rights", schedule.rights, run_rights, container)
    return bp

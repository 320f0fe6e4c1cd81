"""The background jobs, each one use case over the container's ports: what the queue trigger,
the timers and the CLI run. One definition, so that a timer and ``cityzen queue sweep`` do the
same thing."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from . import _configs

if TYPE_CHECKING:
    import uuid
    from datetime import timedelta

    from cityzen_connector.agents import Plan, Progress, Report
    from cityzen_connector.cases import (
        CaseEventResult,
        ReconcileReport,
        WebhookDeliveryResult,
    )
    from cityzen_connector.citizens import UpdateResult
    from cityzen_connector.messaging import ReceivedMessage
    from cityzen_connector.portal import CacheReport, RefreshReport
    from cityzen_connector.sync import ThemesSnapshot
    from cityzen_connector.sync.pipeline import PurgeReport, SweepReport, WorkerResult

    from ._container import Container

# The backends holding every queue in one place (messaging's alias table): there the
# case-events queue shares the bus with the others.
_EMBEDDED_BUSES = frozenset({"sqlite", "memory"})

__all__ = [
    "deliver_webhook",
    "process_case_event",
    "process_profile_update",
    "process_submission",
    "purge_retention",
    "reconcile_agents",
    "reconcile_cases",
    "refresh_feeds",
    "refresh_search",
    "refresh_themes",
    "run_rights",
    "sweep_dead_letters",
]


def process_submission(container: Container, message: ReceivedMessage) -> WorkerResult:
    """The submissions queue worker on one message (settle as the result says)."""
    from cityzen_connector.sync.pipeline import handle_submission_message

    return handle_submission_message(message, container.worker)


def deliver_webhook(container: Container, message: ReceivedMessage) -> WebhookDeliveryResult:
    """The webhook outbox worker on one message: sign, POST to each endpoint, settle."""
    from cityzen_connector.cases import deliver_webhook_message

    return deliver_webhook_message(message, container.webhook_delivery)


def refresh_themes(container: Container) -> ThemesSnapshot:
    """Recompute the portal's theme tree from Dataverse subjects and cache it."""
    from cityzen_connector.sync import refresh_themes as refresh

    return refresh(container.client, container.mappings, container.store, container.clock)


def refresh_feeds(container: Container) -> RefreshReport:
    """Fetch each news and agenda feed (conditionally) and keep its last good copy."""
    from cityzen_connector.portal import refresh_feeds as refresh

    return refresh(
        container.feeds_config, container.feeds_fetcher, container.store, container.clock
    )


def sweep_dead_letters(container: Container, queue: str | None = None) -> SweepReport:
    """Mark ``failed`` the submissions Service Bus dead-lettered by itself."""
    from cityzen_connector.sync.pipeline import sweep_dead_letters as sweep

    return sweep(container.bus, container.statuses, queue or container.settings.submissions_queue)


def purge_retention(
    container: Container, *, queue: str | None = None, retention: timedelta | None = None
) -> PurgeReport:
    """RGPD retention: failed messages, expired records and old blobs go.

    Failed messages of ``queue``, else of every queue the connector consumes: the submissions,
    the case events (a post-image names the customer), the webhooks outbox and the profile
    updates (a change of a citizen's record carries its values), each one's
    dead-letter sub-queue and ``-rejected`` queue. A dead-letter sub-queue ignores time-to-live
    in Service Bus as in the embedded queue ("Overview of Service Bus dead-letter queues":
    "There's no automatic cleanup of the DLQ"), so only this job empties them. With Service
    Bus the case-events queue is in a namespace of its own (infra: Dataverse sends with a key
    there), which ``container.bus`` does not reach: its ``-rejected`` queue, in the main one,
    is purged; its own dead letters are not. Without ``queue``, the local notifier's files
    too (``citizens.KeptNotifications``)."""
    from cityzen_connector.sync.pipeline import purge_failed_messages
    from cityzen_connector.sync.pipeline import purge_retention as purge

    settings = container.settings
    now = container.clock()
    keep = retention or _configs.retention(settings)
    queues = [queue] if queue else [settings.submissions_queue, settings.webhooks_queue]
    if queue is None and container.mappings.profile is not None:
        queues.append(settings.profile_updates_queue)  # a change of a record names its values
    report = purge(
        container.bus, queues[0], container.store, container.blobs, now=now, retention=keep
    )
    others = [(name, True) for name in queues[1:]]
    if queue is None:
        embedded = urlsplit(settings.queue_url).scheme in _EMBEDDED_BUSES
        others.append((settings.case_events_queue, embedded))
    for name, dead_letters in others:
        report.messages += purge_failed_messages(
            container.bus, name, older_than=now - keep, dead_letters=dead_letters
        )
    # The local notifier's files (an address or a phone each) are the connector's to purge.
    if queue is None:
        from cityzen_connector.citizens import KeptNotifications

        notifier = container.notifier
        if isinstance(notifier, KeptNotifications):
            report.notifications += notifier.purge(now - keep)
    # Data exports whose link expired lose their file (their records expire by themselves).
    if container.rights is not None:
        report.blobs += container.rights.exports.purge()
    return report


def run_rights(container: Container) -> dict[str, int]:
    """The data-protection rights' background work (app/_rights.py)."""
    from ._rights import run_rights as run

    return run(container)


def process_case_event(container: Container, message: ReceivedMessage) -> CaseEventResult:
    """The case-events queue worker on one message (complete it whatever the result)."""
    from cityzen_connector.cases import handle_case_event

    return handle_case_event(message, container.case_events)


def process_profile_update(container: Container, message: ReceivedMessage) -> UpdateResult:
    """The profile-updates queue worker on one message (complete it whatever the result)."""
    from cityzen_connector.citizens import handle_profile_update

    return handle_profile_update(message, container.profile_updates)


def reconcile_cases(container: Container) -> ReconcileReport:
    """Read case changes since the last delta token; feed the missed ones to the history."""
    return container.reconciler.run()


def refresh_search(container: Container, *, waiting: bool = False) -> CacheReport:
    """Read the published knowledge articles from Dataverse into the store (every instance's
    index follows within ``search_reload_seconds``) and write this instance's buffered
    popular-search counts. ``waiting``: someone waits for the answer (the CLI), so the HTTP
    requests' shorter retries; the timer's are the background work's."""
    from cityzen_connector.portal import KnowledgeCache

    cache = KnowledgeCache(container.store, container.clock)
    client = container.api_client if waiting else container.client
    report = cache.refresh(client, locale=container.settings.search_knowledge_locale)
    container.search.flush()
    return report


def reconcile_agents(
    container: Container,
    *,
    apply: bool = True,
    acting_for: uuid.UUID | None = None,
    progress: Progress | None = None,
) -> tuple[Plan, Report | None]:
    """Plan the agents' access model against the directory and Dataverse, then apply it
    (the daily timer; ``cityzen agents plan`` stops after the plan)."""
    plan = container.agents.plan()
    if not apply:
        return plan, None
    return plan, container.agents.apply(plan, acting_for=acting_for, progress=progress)

"""The background jobs, each one use case over the container's ports: what the queue trigger,
the timers and the CLI run. One definition, so that a timer and ``cityzen queue sweep`` do the
same thing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _configs

if TYPE_CHECKING:
    import uuid
    from datetime import timedelta

    from cityzen_connector.agents import Plan, Progress, Report
    from cityzen_connector.cases import WebhookDeliveryResult
    from cityzen_connector.messaging import ReceivedMessage
    from cityzen_connector.sync import ThemesSnapshot
    from cityzen_connector.sync.pipeline import PurgeReport, SweepReport, WorkerResult

    from ._container import Container

__all__ = [
    "deliver_webhook",
    "process_submission",
    "purge_retention",
    "reconcile_agents",
    "refresh_themes",
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


def sweep_dead_letters(container: Container, queue: str | None = None) -> SweepReport:
    """Mark ``failed`` the submissions Service Bus dead-lettered by itself."""
    from cityzen_connector.sync.pipeline import sweep_dead_letters as sweep

    return sweep(container.bus, container.statuses, queue or container.settings.submissions_queue)


def purge_retention(
    container: Container, *, queue: str | None = None, retention: timedelta | None = None
) -> PurgeReport:
    """RGPD retention: failed messages, expired records and old blobs go."""
    from cityzen_connector.sync.pipeline import purge_retention as purge

    return purge(
        container.bus,
        queue or container.settings.submissions_queue,
        container.store,
        container.blobs,
        now=container.clock(),
        retention=retention or _configs.retention(container.settings),
    )


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

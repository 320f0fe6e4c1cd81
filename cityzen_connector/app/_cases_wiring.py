"""Case status back to citizens (cases/) bound to the container's ports: the webhook outbox and
its delivery, case histories and threads, the case-events worker, "my requests", the
change-tracking reconciler and the KPIs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

from . import _configs
from ._citizens import contact_events

if TYPE_CHECKING:
    from cityzen_connector.cases import (
        CaseEventPorts,
        CaseHistory,
        CaseRecord,
        CaseSchema,
        CaseThreads,
        KpiService,
        MyRequests,
        Reconciler,
        WebhookDeliveryDeps,
        WebhookOutbox,
    )

    from ._wiring import Parts


def webhook_outbox(c: Parts) -> WebhookOutbox:
    """Where case changes for the portal wait for delivery (``webhooks_queue``); with a
    profile mapping, each carries the citizen's channel and language and is notified."""
    from cityzen_connector.cases import QueueWebhookOutbox
    from cityzen_connector.citizens import NotifyingOutbox

    outbox = QueueWebhookOutbox(c.bus, c.settings.webhooks_queue)
    if c.profiles is None:
        return outbox
    return NotifyingOutbox(outbox, c.profiles, c.notifier)


def webhook_delivery(c: Parts) -> WebhookDeliveryDeps:
    """What the outbox worker needs: endpoints, secrets, back-off, the HTTP sender."""
    from cityzen_connector.cases import RequestsWebhookSender, WebhookDeliveryDeps

    deps = WebhookDeliveryDeps(
        bus=c.bus,
        queue=c.settings.webhooks_queue,
        config=_configs.webhook_config(c.settings),
        sender=c.seams.webhook_sender or RequestsWebhookSender(),
        clock=c.clock,
    )
    logger = c.seams.logger
    return deps if logger is None else dataclasses.replace(deps, logger=logger)


def case_schema(c: Parts) -> CaseSchema:
    from cityzen_connector.cases import CaseSchema

    return CaseSchema.from_mappings(c.mappings)


def case_history(c: Parts) -> CaseHistory:
    """Case histories in the store; status changes published to ``webhook_outbox``."""
    from cityzen_connector.cases import CaseHistory

    return CaseHistory(
        c.store,
        c.webhook_outbox,
        c.mappings.statuses,
        clock=c.clock,
        retention=timedelta(days=c.settings.case_history_days),
    )


def case_threads(c: Parts) -> CaseThreads:
    """The conversation on each request (agents' messages in, the thread read)."""
    from cityzen_connector.cases import CaseThreads, DataverseNotes
    from cityzen_connector.sync.intake import sniff

    return CaseThreads(
        c.store,
        c.webhook_outbox,
        c.case_history,
        clock=c.clock,
        retention=timedelta(days=c.settings.case_history_days),
        notes=DataverseNotes(c.client, sniff),
    )


def case_events(c: Parts) -> CaseEventPorts:
    """What the case-events queue worker needs."""
    from cityzen_connector.cases import CaseEventPorts

    def on_recorded(record: CaseRecord) -> None:
        from ._rights import on_recorded

        on_recorded(c, record)

    ports = CaseEventPorts(
        bus=c.bus,
        queue=c.settings.case_events_queue,
        history=c.case_history,
        schema=c.case_schema,
        clock=c.clock,
        # A message trimmed past 192 KB: read the case. Lazy: the reconciler and its
        # Dataverse client are built on the first such message, not at cold start.
        read_case=lambda case_id: c.reconciler.read_case(case_id),  # noqa: PLW0108
        threads=c.case_threads,
        # An erasure request decided by the DPO (app/_rights.py); lazy, as read_case.
        on_recorded=on_recorded,
        # An agent's change of a citizen's contact: the record's copy follows.
        tables=contact_events(c),
    )
    logger = c.seams.logger
    return ports if logger is None else dataclasses.replace(ports, logger=logger)


def my_requests(c: Parts) -> MyRequests:
    """ "My requests": the store, and one cached Dataverse read per citizen."""
    from cityzen_connector.cases import MyRequests

    return MyRequests(
        c.store,
        c.api_client,
        c.case_schema,
        c.mappings.statuses,
        pepper=c.pepper,
        monotonic=c.monotonic,
        cache_seconds=c.settings.case_requests_cache_seconds,
        clock=c.clock,
        retention=timedelta(days=c.settings.case_history_days),
    )


def reconciler(c: Parts) -> Reconciler:
    """The change-tracking safety net over ``case_history``."""
    from cityzen_connector.cases import Reconciler

    return Reconciler(c.client, c.store, c.case_history, c.case_schema)


def kpis(c: Parts) -> KpiService:
    """The KPIs and open data over the case histories (docs/kpis.md)."""
    from cityzen_connector.cases import FactReader, KpiService

    mappings, s = c.mappings, c.settings
    channels = mappings.option_map(mappings.case_target, "submission.channel")
    reader = FactReader(
        vocabulary=mappings.statuses,
        subjects=mappings.catalog.by_subject(),
        channels={number: name for name, number in channels.items()},
        targets=mappings.catalog.target_days(),
        theme_titles=mappings.catalog.titles()[0],
        sub_theme_titles=mappings.catalog.titles()[1],
    )
    return KpiService(
        c.store,
        reader,
        clock=c.clock,
        client=c.api_client,
        entity_set=c.case_schema.entity_set,
        cache_seconds=s.stats_reconcile_cache_seconds,
        open_data_threshold=s.open_data_threshold,
    )

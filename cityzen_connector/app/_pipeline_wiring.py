"""The pipeline (sync/pipeline/) bound to the container's ports: the circuit breaker, the
submission processor and what the submissions queue worker needs."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from . import _configs

if TYPE_CHECKING:
    from cityzen_connector.sync.pipeline import CircuitBreaker, SubmissionProcessor, WorkerDeps

    from ._wiring import Parts


def breaker(c: Parts) -> CircuitBreaker:
    from cityzen_connector.sync.pipeline import CircuitBreaker

    open_for = timedelta(seconds=c.settings.breaker_open_seconds)
    return CircuitBreaker(c.store, clock=c.clock, open_for=open_for)


def processor(c: Parts) -> SubmissionProcessor:
    from cityzen_connector.mapping import PlanContext
    from cityzen_connector.sync.pipeline import FollowupQueue, LookupCache, SubmissionProcessor

    ttl = timedelta(seconds=c.settings.lookup_cache_ttl_seconds)
    # Follow-ups a transient failure left undone wait on the submissions queue, backed off
    # as submissions are, and are handled by the same worker.
    followups = FollowupQueue(
        c.bus,
        c.settings.submissions_queue,
        policy=_configs.delivery_policy(c.settings),
        clock=c.clock,
    )
    return SubmissionProcessor(
        c.client,
        c.mappings,
        c.blobs,
        c.statuses,
        c.breaker,
        clock=c.clock,
        logger=c.seams.logger,
        context=PlanContext(pepper=c.pepper),
        lookups=LookupCache(c.client, clock=c.clock, ttl=ttl),
        followup_queue=followups,
        addresses=c.address_help,
    )


def worker(c: Parts) -> WorkerDeps:
    """What the submissions queue worker (and the backlog drain) needs."""
    from cityzen_connector.sync.pipeline import MessageWriter, WorkerDeps

    logger = c.seams.logger
    extra: dict[str, Any] = {"logger": logger} if logger is not None else {}
    column = c.case_schema.submission_column or "cz_submissionid"
    extra["messages"] = MessageWriter(c.client, c.statuses, submission_column=column, blobs=c.blobs)
    return WorkerDeps(
        bus=c.bus,
        queue=c.settings.submissions_queue,
        processor=c.processor,
        breaker=c.breaker,
        statuses=c.statuses,
        retry=_configs.delivery_policy(c.settings),
        clock=c.clock,
        probe=c.client.who_am_i,
        **extra,
    )

"""The ops routes' dependencies: the connector's queues, and the agents' reconciliation (Entra
ID groups to Dataverse users, teams and roles: agents/)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from . import _configs
from ._errors import ConfigurationError

if TYPE_CHECKING:
    from cityzen_connector.agents import Directory, Reconciliation
    from cityzen_connector.api import OpsDependencies
    from cityzen_connector.sync import ConnectorQueues

    from ._wiring import Parts


def directory(c: Parts) -> Directory:
    """Who is in the access model's groups: Microsoft Graph, or a directory file locally.
    Checked here, when first needed, not at start-up: a deployment that reconciles no
    agents needs no directory."""
    from ._settings import env_name

    try:
        return _configs.agents_directory(c.settings, clock=c.monotonic)
    except ValueError as exc:
        names = ("agents_directory_url", "dataverse_auth")
        raise ConfigurationError([f"{', '.join(map(env_name, names))}: {exc}"]) from exc


def agents(c: Parts) -> Reconciliation:
    """The agents' reconciliation (``plan`` and ``apply``): background work's client."""
    from cityzen_connector.agents import AgentsDeps, Reconciliation

    deps = AgentsDeps(
        c.client,
        c.directory,
        c.mappings.agents,
        per_batch=c.settings.agents_batch_operations,
    )
    if c.seams.logger is not None:
        deps = dataclasses.replace(deps, logger=c.seams.logger)
    return Reconciliation(deps)


def connector_queues(c: Parts) -> ConnectorQueues:
    """The queues the connector uses, as the ops routes count, list and replay them."""
    from cityzen_connector.sync import ConnectorQueue, ConnectorQueues

    s = c.settings
    queues = (
        ConnectorQueue(s.submissions_queue, "submissions", c.statuses),
        ConnectorQueue(s.case_events_queue, "case-events"),
        ConnectorQueue(s.webhooks_queue, "webhooks"),
    )
    return ConnectorQueues(c.bus, queues, clock=c.clock)


def ops(c: Parts) -> OpsDependencies:
    from cityzen_connector.api import OpsDependencies

    reconciler = c.seams.agents
    if reconciler is None and c.mappings.agents.groups:
        from cityzen_connector.agents import OpsReconciliation

        reconciler = OpsReconciliation(lambda: c.agents)
    return OpsDependencies(
        authenticator=c.ops_authenticator,
        queues=c.connector_queues,
        agents=reconciler,
        stats_authenticator=c.stats_authenticator,
    )

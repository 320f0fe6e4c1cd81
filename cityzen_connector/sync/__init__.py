"""sync: the use cases between the portal and Dataverse.

- ``sync.intake``: accept and queue a submission, read its status (no Dataverse);
- ``sync.pipeline``: write a queued submission into Dataverse, settle, recover;
- here: the theme tree the portal shows (``refresh_themes``, ``read_themes``), schema and
  catalogue provisioning (``plan_provisioning``, ``apply_provisioning``), the registration
  that makes Dataverse post case changes (``register_events``), readiness, and the queues as
  ops see them (``ConnectorQueues``: counts, dead letters, replays).

Each use case takes its ports as arguments; none reads settings.
"""

from ._errors import ProvisionError, ReplayInterruptedError, UnknownQueueError
from ._event_registration import (
    IMAGE_COLUMNS,
    EventRegistration,
    RegistrationLine,
    contact_step,
    register_events,
)
from ._health import (
    CacheState,
    Liveness,
    Readiness,
    ReadinessPorts,
    ReadinessProbe,
    check_readiness,
)
from ._provisioning import apply_provisioning, plan_provisioning
from ._queues import ConnectorQueue, ConnectorQueues
from ._steps import ProvisionPlan, ProvisionReport, Step
from ._themes import (
    ThemesReader,
    ThemesSnapshot,
    ThemeTree,
    cached_themes,
    not_modified,
    read_themes,
    refresh_themes,
)

__all__ = [
    "IMAGE_COLUMNS",
    "CacheState",
    "ConnectorQueue",
    "ConnectorQueues",
    "EventRegistration",
    "Liveness",
    "ProvisionError",
    "ProvisionPlan",
    "ProvisionReport",
    "Readiness",
    "ReadinessPorts",
    "ReadinessProbe",
    "RegistrationLine",
    "ReplayInterruptedError",
    "Step",
    "ThemeTree",
    "ThemesReader",
    "ThemesSnapshot",
    "UnknownQueueError",
    "apply_provisioning",
    "cached_themes",
    "check_readiness",
    "contact_step",
    "not_modified",
    "plan_provisioning",
    "read_themes",
    "refresh_themes",
    "register_events",
]

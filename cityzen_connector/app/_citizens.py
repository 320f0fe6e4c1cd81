"""The citizen's own record (citizens/) bound to the container's ports: ``GET``/``PATCH
/api/v1/citizens/me``, the notifier and the profile-updates queue worker (docs/profile.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cityzen_connector.cases import CaseEventResult, RemoteContext
    from cityzen_connector.citizens import Notifier, Profiles, ProfileUpdatePorts

    from ._wiring import Parts


def profiles(c: Parts) -> Profiles | None:
    """``GET``/``PATCH /api/v1/citizens/me``; ``None`` when no mapping file has [profile]."""
    from cityzen_connector.citizens import Profiles

    mapping = c.mappings.profile
    if mapping is None:
        return None
    return Profiles(
        c.store,
        c.api_client,
        mapping,
        c.bus,
        c.settings.profile_updates_queue,
        pepper=c.pepper,
        clock=c.clock,
        retention=timedelta(days=c.settings.case_history_days),
    )


def notifier(c: Parts) -> Notifier:
    from cityzen_connector.citizens import open_notifier

    return open_notifier(c.settings.notifier_url, clock=c.clock)


def profile_updates(c: Parts) -> ProfileUpdatePorts:
    """What the profile-updates queue worker needs (queue-work retries on the client)."""
    from cityzen_connector.citizens import ProfileUpdatePorts
    from cityzen_connector.mapping import MappingError

    if c.profiles is None:
        raise MappingError("no mapping file has a [profile] table")
    s = c.settings
    ports = ProfileUpdatePorts(
        bus=c.bus,
        queue=s.profile_updates_queue,
        client=c.client,
        profiles=c.profiles,
        clock=c.clock,
        first_delay=timedelta(seconds=s.retry_initial_delay_seconds),
        max_delay=timedelta(seconds=s.retry_max_delay_seconds),
        # A change still queued when the citizen's erasure is approved is dropped.
        erased_at=c.eraser.erased_at if c.eraser is not None else None,
    )
    logger = c.seams.logger
    return ports if logger is None else dataclasses.replace(ports, logger=logger)


def contact_events(c: Parts) -> dict[str, Callable[[RemoteContext], CaseEventResult]]:
    """The case-events worker's table for an agent's change of a citizen's contact: the
    record's copy follows (none without a profile mapping)."""
    from cityzen_connector.citizens import ContactEvents

    if c.profiles is None:
        return {}
    events = ContactEvents(c.profiles)
    return {events.table: events}

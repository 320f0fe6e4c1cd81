"""The agent desk API, built from a container (embedded mode only): what the local host mounts
at ``/desk/api`` on its port (docs/desk.md, "Mounting")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import ConfigurationError
from ._settings import env_name

if TYPE_CHECKING:
    from cityzen_connector.desk import DeskApp

    from ._container import Container


def desk_app(deps: Container) -> DeskApp:
    """The desk's WSGI application: the container's Dataverse client (each call impersonating
    the agent), the stats routes' authenticator (the ops role or an agents' role; the local key
    and the local sign-in provider's agents in embedded mode), intake's sniffing for files, the
    mappings' status vocabulary.
    Refused outside embedded mode: agents work in Dynamics 365."""
    if not deps.settings.local_mode:
        raise ConfigurationError(
            [f"{env_name('dataverse_url')}: the agent desk runs only on the local emulator"]
        )
    from cityzen_connector.desk import Desk, make_app
    from cityzen_connector.sync.intake import sniff

    desk = Desk(deps.api_client, deps.mappings.statuses)
    return make_app(desk, deps.stats_authenticator, sniff=sniff)

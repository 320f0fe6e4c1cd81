"""A submission's address, as the geocoder knows it, before it is planned.

When the portal sent a suggestion's id (``location.geocoder_id``), the address stored on the
case is the geocoder's own: label, number, street, postcode, INSEE code, commune and coordinates
all come from the service (through ``portal.AddressHelp``, cached), none from the client. That
is the rule: with an id, the client's coordinates and text are never trusted over the resolved
ones. Without an id, or when the service does not know the id, the typed address is kept as it
came. Address help is an enrichment, never a reason to delay a request: when the service cannot
be asked, the typed address is kept too (logged), and the request goes on.

The resolved commune then decides the routing (``routing.communes``) and, when it is outside
the territory (the intake could only check the commune it was told), the request is rejected
with ``outside_territory``.
"""

from __future__ import annotations

import logging
from typing import Protocol

from cityzen_connector.mapping import ThemeCatalog
from cityzen_connector.models import Location, Submission

from ._outcome import Permanent


class AddressResolver(Protocol):
    """``portal.AddressHelp`` as the pipeline uses it."""

    def resolve(self, location: Location) -> Location | None:
        """The geocoder's address for ``location.geocoder_id``; ``None`` when it does not
        know the id. Raises when the geocoder cannot be asked."""
        ...


def locate(
    submission: Submission,
    resolver: AddressResolver | None,
    catalog: ThemeCatalog,
    log: logging.Logger,
) -> Submission | Permanent:
    """``submission`` with its address resolved (or as typed), or why it is refused."""
    location = submission.location
    if resolver is not None and location is not None and location.geocoder_id is not None:
        try:
            found = resolver.resolve(location)
        except Exception as exc:  # noqa: BLE001 - best effort: the typed address is kept
            log.warning(
                "submission %s: address not resolved (%s), kept as typed",
                submission.id,
                type(exc).__name__,
            )
            found = None
        else:
            if found is None:
                log.info(
                    "submission %s: address id unknown to the geocoder, kept as typed",
                    submission.id,
                )
        if found is not None:
            submission = submission.model_copy(update={"location": found})
    place = submission.location.citycode if submission.location is not None else None
    if catalog.outside_territory(place):
        return Permanent(
            "outside_territory",
            "the address's commune is not one of the territory's (mappings/territory.toml)",
        )
    return submission

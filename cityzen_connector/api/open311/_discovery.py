"""GET discovery: the Open311 service discovery document (wiki.open311.org/Service_Discovery):
the GeoReport v2 endpoint, its formats, a changeset date and a contact."""

from __future__ import annotations

from datetime import UTC, datetime

from cityzen_connector.models import Open311Discovery, Open311Endpoint

from ._deps import Open311Dependencies

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When this endpoint's behaviour last changed (the spec: "changeset", the date of the last
# change to the discovery document).
CHANGESET = datetime(2026, 12, 3, tzinfo=UTC)


def discovery_of(config: Open311Dependencies) -> Open311Discovery:
    return Open311Discovery(
        changeset=CHANGESET,
        contact=config.contact or "Your collectivité's service desk",
        key_service="Ask the collectivité for an api_key (cityzen open311 keys issue).",
        endpoints=(
            Open311Endpoint(
                specification=SPECIFICATION,
                url=config.base_url,
                changeset=CHANGESET,
                type="production",
                formats=("text/xml", "application/json"),
            ),
        ),
    )

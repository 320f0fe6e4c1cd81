"""An Open311 request is a channel of its own wherever channels show: the case's origin, "my
requests" and the KPIs' channel dimension all read ``open311``."""

from __future__ import annotations

from cityzen_connector.cases import CaseSchema
from cityzen_connector.models import Channel
from tests.support.open311 import open311_world


def test_the_open311_channel_is_its_own_case_origin() -> None:
    app = open311_world()
    app.file()
    [message] = app.world.queued()
    assert message["payload"]["channel"] == Channel.OPEN311 == "open311"
    # mappings/incident.toml: caseorigincode 100000002, read back as "open311" by "my requests"
    # and the KPIs (both read the mapping's channel map).
    origins = CaseSchema.from_mappings(app.world.mappings).origins
    assert origins[100000002] == "open311"

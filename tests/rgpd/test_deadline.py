"""A public body answers a request about personal data within a month (RGPD article 12.3).
The DPO's case says by when in its title (the rights sub-theme's ``target_days``), and the
``rights`` timer tells ops of a request still undecided past it, by id only."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from tests.rgpd.world import Person, town

ERASURE = "/v1/citizens/me/erasure-request"
MARIANNE = Person("sub-marianne")


def test_the_dpos_case_says_by_when_and_ops_hear_of_an_overdue_request(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = town(tmp_path)
    response = world.call("POST", ERASURE, MARIANNE, {"kind": "objection"})
    request = str(response.json()["id"])
    world.work()
    case = world.container.api_client.retrieve("incidents", world.case_of(request)["incidentid"])
    # Filed on 28 November 2026 (the world's clock): 30 days later.
    assert case["title"] == (
        "Opposition au traitement de mes données personnelles (réponse due le 28/12/2026)"
    )
    assert world.rights_timer()["erasures_overdue"] == 0

    world.clock.advance(timedelta(days=31))
    caplog.set_level(logging.WARNING)
    assert world.rights_timer()["erasures_overdue"] == 1
    assert f"rgpd objection request {request}: undecided, the answer was due on 2026-12-28" in (
        caplog.text
    )
    assert MARIANNE.email not in caplog.text

    world.dpo_decides(request, approve=False)
    world.work()
    assert world.rights_timer()["erasures_overdue"] == 0

"""The chaos suite, short: ``bench/chaos.py --short`` as ``make test`` runs it.

The emulator and the local Functions host run as separate processes; Dataverse answers 503 and
cuts replies; both are SIGKILLed and restarted while clients post (some twice) and
``cityzen sync drain`` runs beside the queue trigger. What a citizen would notice: a request
that was accepted (202) and never became a case, or became two.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.paths import ROOT

BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))  # the harness's own modules, for the figures' test

from _chaos_figures import figures  # noqa: E402
from _chaos_load import Citizen  # noqa: E402

RUN_TIMEOUT = 280  # seconds; the run's own deadline is 120 s after the last post


@pytest.fixture(scope="module")
def chaos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("chaos")
    report = folder / "report.json"
    command = [sys.executable, str(BENCH / "chaos.py"), "--short", "--report", str(report)]
    done = subprocess.run(
        [*command, "--folder", str(folder / "run")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert report.exists(), f"no report:\n{done.stdout}\n{done.stderr}"
    return {**json.loads(report.read_text(encoding="utf-8")), "table": done.stdout}


@pytest.mark.e2e
def test_every_accepted_submission_becomes_exactly_one_case_through_kills_and_faults(
    chaos: dict[str, Any],
) -> None:
    table = chaos["table"]
    # Nearly every submission is accepted: only one in flight when the host died may stay
    # unanswered (409 until the ingest record's lease ends).
    assert chaos["accepted"] >= 0.95 * chaos["submissions"], table
    assert chaos["left_in_queue"] == 0, table
    assert chaos["lost"] == 0, table
    assert chaos["still_queued"] == 0, table
    assert chaos["duplicated"] == 0, table
    assert chaos["citizens_with_several_contacts"] == 0, table  # one contact per identity


@pytest.mark.e2e
def test_every_new_contact_holds_the_email_and_phone_its_citizen_typed(
    chaos: dict[str, Any],
) -> None:
    assert chaos["contacts_missing_typed_detail"] == 0, chaos["table"]


@pytest.mark.e2e
def test_every_drain_beside_the_queue_trigger_exits_0(chaos: dict[str, Any]) -> None:
    codes = chaos["drain_exit_codes"]
    assert codes, chaos["table"]
    assert not any(codes), chaos["table"]


def citizen(sub: str) -> Citizen:
    return Citizen(sub, f"{sub}@exemple.fr", "+33612345678", claims={})


def test_the_figures_count_what_a_citizen_would_notice() -> None:
    anne, paul = citizen("anne"), citizen("paul")
    owners = {"a1": anne, "a2": anne, "a3": anne, "p1": paul, "p2": paul}
    typed = {"emailaddress1": "anne@exemple.fr", "mobilephone": "+33612345678"}
    contacts = {
        "c-anne": typed,
        "c-paul": {**typed, "emailaddress1": "paul@exemple.fr", "mobilephone": None},
    }
    cases = [
        {"cz_submissionid": "a1", "customerid": "c-anne"},
        {"cz_submissionid": "a2", "customerid": "c-anne"},
        {"cz_submissionid": "a2", "customerid": "c-anne"},  # a second case: duplicated
        {"cz_submissionid": "p1", "customerid": "c-paul"},  # its phone is missing
    ]
    statuses = {"a3": ("failed", "permanent: refused"), "p2": ("queued", None)}
    accepted = ["a1", "a2", "a3", "p1", "p2", "p3"]
    owners["p3"] = paul
    result = figures(
        accepted, cases, contacts, statuses, owners, [0, 1], waiting=["p3"], left_in_queue=2
    )
    assert (result.accepted, result.cases, result.failed) == (6, 4, 1)
    assert result.lost == 1  # p2: accepted, no case, not failed (a3 failed: the citizen knows)
    assert result.still_queued == 1  # p3: its message is still in the queue
    assert result.duplicated == 1
    assert result.contacts_missing_typed_detail == 1
    assert result.problems() == [
        "1 lost",
        "1 still queued at the deadline",
        "1 duplicated",
        "1 contacts missing a typed detail",
        "drain exit codes [0, 1]",
        "2 messages still in the queue at the deadline",
    ]

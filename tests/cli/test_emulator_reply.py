"""``cityzen emulator case reply``: an agent's answer is a row of the conversation table in the
case's timeline, marked for the citizen and completed, its file a note on it, written in one
change set as the impersonated agent, and posted as the Create of that table; ``--internal``
is a note on the case, never a message."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from cityzen_connector.emulator import agent_id
from cityzen_connector.mapping import CONVERSATION

from .agent import Emulator, case_command

TEXT = "Pouvez-vous envoyer une photo du nid-de-poule ?"


def _case_id(emulator: Emulator, ticket: str) -> str:
    [row] = emulator.rows(f"incidents?$select=incidentid&$filter=ticketnumber eq '{ticket}'")
    return str(row["incidentid"])


def test_a_reply_is_a_completed_message_to_the_citizen_in_the_case_s_timeline(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    case = _case_id(emulator, ticket)
    code, out = case_command(capsys, "--as", "bruno.lefevre", "reply", ticket, "--text", TEXT)
    assert code == 0, out
    assert out.startswith(f"{ticket}: message to the citizen (cz_casemessage ")
    assert out.strip().endswith("as bruno.lefevre)")
    assert TEXT not in out  # the text is never printed
    columns = "subject,description,cz_direction,cz_visibletocitizen,statecode,statuscode"
    [row] = emulator.rows(
        f"incidents({case})/incident_cz_casemessages?$select={columns},_createdby_value"
    )
    assert (row["description"], row["cz_direction"], row["cz_visibletocitizen"]) == (
        TEXT,
        CONVERSATION.to_citizen,
        True,
    )
    assert (row["statecode"], row["statuscode"]) == (1, 2)  # Completed
    assert row["_createdby_value"] == agent_id("bruno.lefevre")
    timeline = emulator.rows(
        f"incidents({case})/Incident_ActivityPointers?$select=activitytypecode"
    )
    assert [r["activitytypecode"] for r in timeline] == ["cz_casemessage"]
    event = json.loads(emulator.posted[-1].body)
    assert (event["MessageName"], event["PrimaryEntityName"]) == ("Create", "cz_casemessage")
    assert event["InitiatingUserId"] == agent_id("bruno.lefevre")


def test_a_file_goes_with_the_message_as_a_note_on_it(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ticket = emulator.new_case()
    scan = tmp_path / "arrete.pdf"
    scan.write_bytes(b"%PDF-1.7 arrete")
    code, out = case_command(
        capsys, "reply", ticket, "--text", "Voici l'arrêté", "--attach", str(scan)
    )
    assert code == 0, out
    assert "with 1 attachment" in out
    [message] = emulator.rows(
        f"incidents({_case_id(emulator, ticket)})/incident_cz_casemessages?$select=subject"
    )
    notes = emulator.rows(
        f"cz_casemessages({message['activityid']})/cz_casemessage_Annotations"
        "?$select=filename,mimetype,documentbody"
    )
    assert [(n["filename"], n["mimetype"]) for n in notes] == [("arrete.pdf", "application/pdf")]
    assert base64.b64decode(notes[0]["documentbody"]) == b"%PDF-1.7 arrete"


def test_an_internal_note_is_a_note_on_the_case_and_never_a_message(
    emulator: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    ticket = emulator.new_case()
    case = _case_id(emulator, ticket)
    posted = len(emulator.posted)
    code, out = case_command(capsys, "reply", ticket, "--text", "Voir avec la voirie", "--internal")
    assert code == 0, out
    assert "internal note on the case" in out
    assert emulator.rows(f"incidents({case})/incident_cz_casemessages") == []
    notes = emulator.rows(f"incidents({case})/Incident_Annotation?$select=subject,notetext")
    assert [(n["subject"], n["notetext"]) for n in notes] == [
        ("Note interne", "Voir avec la voirie")
    ]
    assert len(emulator.posted) == posted  # no message event


def test_what_cannot_be_sent_is_refused_before_anything_is_written(
    emulator: Emulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ticket = emulator.new_case()
    code, out = case_command(capsys, "reply", ticket, "--text", "x" * 2001)
    assert code == 1
    assert "2000 characters at most" in out
    code, out = case_command(
        capsys, "reply", ticket, "--text", "x", "--attach", str(tmp_path / "none")
    )
    assert code == 1
    assert "cannot read" in out
    code, out = case_command(capsys, "reply", "CAS-99999-AAAAAA", "--text", "x")
    assert code == 1
    assert "no case with the ticket" in out
    assert emulator.rows("cz_casemessages?$select=subject") == []

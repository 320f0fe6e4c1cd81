"""The status vocabulary (mappings/status.toml): the out-of-the-box case values read as a
citizen would say them; a wrong file is refused naming the entry; an unknown pair is neutral."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector.mapping import CitizenStatus, MappingFileError, MappingSet, load_mappings
from tests.mapping.conftest import SHIPPED

# incident's out-of-the-box state and status reasons ("Case (Incident) table reference").
OUT_OF_THE_BOX = {
    (0, 1): "in_progress",
    (0, 2): "on_hold",
    (0, 3): "waiting_for_you",
    (0, 4): "in_progress",
    (1, 5): "resolved",
    (1, 1000): "resolved",
    (2, 6): "cancelled",
    (2, 2000): "merged",
}


def test_every_out_of_the_box_case_status_has_french_and_english_words(
    shipped: MappingSet,
) -> None:
    vocabulary = shipped.statuses
    for (state, status), code in OUT_OF_THE_BOX.items():
        found = vocabulary.of(state, status)
        assert found.code == code
        assert found.closed is (state != 0)
        assert found.label_fr
        assert found.label_en != found.label_fr
    assert vocabulary.of(0, 3).label_fr == "En attente de votre réponse"
    assert vocabulary.of(1, 5) == CitizenStatus("resolved", "Résolue", "Resolved", True)


def test_a_new_case_reads_as_received_until_an_agent_acts(shipped: MappingSet) -> None:
    assert shipped.statuses.of(0, 1, first=True).code == "received"
    assert shipped.statuses.of(0, 1).code == "in_progress"
    assert shipped.statuses.of(0, 2, first=True).code == "on_hold"


def test_an_unknown_pair_reads_neutrally_and_closed_if_its_state_is(shipped: MappingSet) -> None:
    assert shipped.statuses.of(0, 100000001) == CitizenStatus(
        "updated", "Demande mise à jour", "Request updated", False
    )
    assert shipped.statuses.of(1, 100000002).closed is True
    assert shipped.statuses.of(None, None).code == "updated"


def test_without_a_status_table_every_case_reads_neutrally(mapping_dir: Path) -> None:
    (mapping_dir / "status.toml").unlink()
    (mapping_dir / "rights.toml").unlink()  # its decisions are pairs of the vocabulary
    mappings = load_mappings(mapping_dir)
    assert mappings.statuses.of(1, 5).code == "updated"


def _error(folder: Path) -> str:
    with pytest.raises(MappingFileError) as caught:
        load_mappings(folder)
    return str(caught.value)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drifted: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('code = "on_hold"', 'code = "On Hold!"', "status.values.1.code: String should match"),
        ('label_fr = "En attente"\n', 'label_fr = ""\n', "status.values.1.label_fr: String"),
        ("closed = false\n", 'closed = "no"\n', "status.values.0.closed: Input should be"),
        ("state = 0\nstatus = 2\n", "state = 0\nstatus = 1\n", "status.values.1: this pair is"),
        ("state = 0\nstatus = 4\n", "state = 0\nstatus = 5\n", "status.values.4.status: used"),
        ("state = 0\nstatus = 2\n", "state = -1\nstatus = 2\n", "status.values.1.state:"),
        ('label_en = "Received"\n', "", "status.new.label_en: required key is missing"),
        ("[status.unknown]\n", "[status.unknown]\nextra = 1\n", "status.unknown.extra: unknown"),
    ],
)
def test_a_wrong_entry_is_refused_naming_the_entry(
    mapping_dir: Path, old: str, new: str, expected: str
) -> None:
    _edit(mapping_dir / "status.toml", old, new)
    message = _error(mapping_dir)
    assert f"mappings/status.toml: {expected}" in message
    # Never a value from elsewhere: no other entry's label is quoted.
    assert "Résolue" not in message


def test_a_new_case_pair_must_exist_and_be_open(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "status.toml",
        'state = 0\nstatus = 1\ncode = "received"',
        'state = 1\nstatus = 5\ncode = "received"',
    )
    assert "status.new: a new case cannot be closed" in _error(mapping_dir)
    _edit(
        mapping_dir / "status.toml",
        'state = 1\nstatus = 5\ncode = "received"',
        'state = 0\nstatus = 9\ncode = "received"',
    )
    assert "status.new: its pair is not one of status.values" in _error(mapping_dir)


def test_the_status_table_is_defined_once(mapping_dir: Path) -> None:
    text = (mapping_dir / "status.toml").read_text(encoding="utf-8")
    (mapping_dir / "status2.toml").write_text(text, encoding="utf-8")
    assert "mappings/status2.toml: status: already defined in mappings/status.toml" in _error(
        mapping_dir
    )


def test_the_shipped_file_is_the_one_the_docs_describe() -> None:
    assert (SHIPPED / "status.toml").is_file()


def test_a_citizens_message_reopens_a_case_waiting_for_them(shipped: MappingSet) -> None:
    # Out of the box: "Waiting for Details" (0, 3) goes back to In Progress (0, 1).
    assert shipped.statuses.reopen_status(0, 3) == 1
    assert shipped.statuses.reopen_status(0, 2) is None  # on hold stays on hold
    assert shipped.statuses.reopen_status(None, None) is None


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("state = 1\nstatus = 5\n", "reopen_on_citizen_message: a closed request takes no"),
        ("state = 1\nstatus = 1000\n", "reopen_on_citizen_message: a closed request takes no"),
    ],
)
def test_reopening_is_refused_where_it_cannot_apply(
    mapping_dir: Path, pair: str, expected: str
) -> None:
    _edit(mapping_dir / "status.toml", pair, pair + "reopen_on_citizen_message = true\n")
    assert expected in _error(mapping_dir)
    assert "Résolue" not in _error(mapping_dir)


def test_reopening_is_a_yes_or_no(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "status.toml",
        "\nreopen_on_citizen_message = true\n",
        '\nreopen_on_citizen_message = "yes"\n',
    )
    assert "reopen_on_citizen_message: Input should be a valid boolean" in _error(mapping_dir)

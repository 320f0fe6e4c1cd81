"""The data-protection rights as data (mappings/rights.toml): the sub-theme the DPO's requests
are filed under, the decisions in the status vocabulary, what erasure does to the contact.
Each mistake is reported with its file and key, never a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityzen_connector.mapping import MappingFileError, MappingSet, load_mappings


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(folder: Path) -> str:
    with pytest.raises(MappingFileError) as caught:
        load_mappings(folder)
    return str(caught.value)


def test_the_shipped_rights_route_to_the_dpo_and_name_both_decisions(
    shipped: MappingSet,
) -> None:
    rights = shipped.rights
    assert rights is not None
    route = shipped.catalog.route(rights.theme, rights.sub_theme)
    assert route.team == "DPO"
    assert rights.decision(1, 5) == "approved"  # Resolved / Problem Solved
    assert rights.decision(2, 6) == "refused"  # Canceled
    assert rights.decision(0, 1) is None  # still open: nothing decided
    assert set(rights.key_columns) == {"cz_identitykey", "cz_pivotkey"}
    assert "birthdate" in rights.keep
    assert "emailaddress1" in rights.pseudonymise


def test_without_a_rights_table_there_is_no_plan(mapping_dir: Path) -> None:
    (mapping_dir / "rights.toml").unlink()
    assert load_mappings(mapping_dir).rights is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '"gendercode",\n]',
            "]",
            "rights.contact: gendercode holds personal data: list it in pseudonymise or keep",
        ),
        (
            "approved = [{ state = 1, status = 5 }]",
            "approved = [{ state = 1, status = 77 }]",
            "rights.approved.0: not a pair of status.values (status.toml)",
        ),
        (
            "approved = [{ state = 1, status = 5 }]",
            "approved = [{ state = 0, status = 2 }]",
            "rights.approved.0: the DPO's decision closes the request: a closed pair",
        ),
        (
            "refused = [{ state = 2, status = 6 }",
            "refused = [{ state = 1, status = 5 }",
            "rights.refused: a pair cannot mean approved and refused",
        ),
        (
            'kinds = { erasure = "effacement"',
            'kinds = { erasure = "oubli"',
            "rights.kinds.erasure: missing, or not one of the field's choices",
        ),
        (
            'sub_theme = "droits"',
            'sub_theme = "nid_de_poule"',
            "rights.sub_theme: not a sub-theme of themes.*",
        ),
        (
            'keep = ["cz_birthname", "birthdate"]',
            'keep = ["cz_birthname", "birthdate", "firstname"]',
            "rights.contact.keep: firstname is also in pseudonymise",
        ),
        (
            'case_columns = ["cz_typedemail", "cz_typedphone"]',
            'case_columns = ["cz_nothing"]',
            "rights.case_columns: cz_nothing is not a column of the case target",
        ),
    ],
)
def test_a_mistake_names_the_file_and_the_key(
    mapping_dir: Path, old: str, new: str, expected: str
) -> None:
    _edit(mapping_dir / "rights.toml", old, new)
    assert f"mappings/rights.toml: {expected}" in _error(mapping_dir)


@pytest.mark.parametrize(
    "new",
    [
        'title = "Exercer mes droits sur mes données"\n',
        'title = "Exercer mes droits sur mes données"\ntarget_days = 45\n',
    ],
)
def test_the_rights_sub_theme_must_declare_a_delay_of_a_month_at_most(
    mapping_dir: Path, new: str
) -> None:
    """A public body answers within a month (RGPD article 12.3): the deadline the DPO's case
    carries is the sub-theme's target delay, so it must be there, and a month at most."""
    _edit(
        mapping_dir / "themes.toml",
        'title = "Exercer mes droits sur mes données"\ntarget_days = 30\n',
        new,
    )
    assert "mappings/rights.toml: rights.sub_theme: its target_days" in _error(mapping_dir)


def test_the_shipped_rights_give_the_dpo_a_month(shipped: MappingSet) -> None:
    assert shipped.rights is not None
    assert shipped.rights.target_days == 30

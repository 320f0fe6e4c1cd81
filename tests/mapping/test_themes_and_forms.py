"""Themes, the portal's theme tree, routing and sub-theme form validation."""

from __future__ import annotations

import pytest

from cityzen_connector.mapping import FormValidationError, MappingSet, PlanError
from cityzen_connector.mapping._config import FormFieldConfig


def test_routing_prefers_the_most_specific_rule(shipped: MappingSet) -> None:
    catalog = shipped.catalog
    assert catalog.route("voirie", "nid_de_poule").team == "Voirie"  # theme/sub_theme rule
    assert catalog.route("voirie", "tags").team == "Propreté"  # theme rule
    assert catalog.route("stationnement", "genant").team == "Police municipale"


def test_the_subject_is_the_sub_theme_title_unless_named(shipped: MappingSet) -> None:
    assert shipped.catalog.route("voirie", "tags").subject == "Tags et graffitis"


def test_theme_tree_carries_the_form_fields(shipped: MappingSet) -> None:
    tree = shipped.catalog.tree()
    voirie = next(theme for theme in tree if theme.code == "voirie")
    hole = next(sub for sub in voirie.sub_themes if sub.code == "nid_de_poule")
    taille = hole.fields[0]
    assert (taille.name, taille.type, taille.required) == ("taille", "choice", True)
    assert taille.choices == ("petit", "moyen", "grand")
    assert voirie.model_dump(mode="json")["sub_themes"][0]["code"] == "nid_de_poule"


def test_a_fields_help_sentence_reaches_the_portal_and_is_bounded(shipped: MappingSet) -> None:
    tree = shipped.catalog.tree()
    voirie = next(theme for theme in tree if theme.code == "voirie")
    taille = voirie.sub_themes[0].fields[0]
    assert taille.help is not None
    assert taille.help.startswith("Petit")
    assert voirie.model_dump(mode="json")["sub_themes"][0]["fields"][1]["help"] is None
    with pytest.raises(ValueError, match="help"):
        FormFieldConfig(name="x", label="X", type="text", help="a" * 301)
    with pytest.raises(ValueError, match="help"):
        FormFieldConfig(name="x", label="X", type="text", help="")


def test_theme_tree_leaves_out_sub_themes_whose_subject_is_missing(shipped: MappingSet) -> None:
    tree = shipped.catalog.tree(available_subjects={"Dépôt sauvage", "Encombrants"})
    assert [(t.code, [s.code for s in t.sub_themes]) for t in tree] == [
        ("voirie", ["depot_sauvage"]),
        ("dechets", ["encombrants"]),
    ]


@pytest.mark.parametrize(
    ("sub_theme", "fields", "problem"),
    [
        ("depot_sauvage", {"volume": "12"}, "number_type"),
        ("depot_sauvage", {"volume": True}, "number_type"),
        ("depot_sauvage", {"volume": 101}, "too_large"),
        ("depot_sauvage", {"volume": -1}, "too_small"),
        ("eclairage", {"depuis": "28/11/2026"}, "date_format"),
        ("eclairage", {"depuis": "2026-13-01"}, "date_format"),
        ("eclairage", {"numero": "x" * 21}, "too_long"),
        ("eclairage", {"numero": 12}, "string_type"),
    ],
)
def test_each_field_type_is_checked(
    shipped: MappingSet, sub_theme: str, fields: dict[str, object], problem: str
) -> None:
    theme = "voirie"
    with pytest.raises(FormValidationError) as caught:
        shipped.catalog.validate_fields(theme, sub_theme, fields)  # type: ignore[arg-type]
    assert [p.code for p in caught.value.problems] == [problem]
    assert caught.value.code == "invalid_form_fields"


def test_valid_fields_pass_and_optional_ones_may_be_absent(shipped: MappingSet) -> None:
    catalog = shipped.catalog
    assert catalog.validate_fields("voirie", "depot_sauvage", {"volume": 2.5}) == {"volume": 2.5}
    assert catalog.validate_fields("voirie", "eclairage", {}) == {}
    assert catalog.validate_fields("voirie", "eclairage", {"depuis": "2026-11-01"})


def test_validation_messages_do_not_echo_values(shipped: MappingSet) -> None:
    with pytest.raises(FormValidationError) as caught:
        shipped.catalog.validate_fields(
            "stationnement", "genant", {"immatriculation": "AB-123-CD-SECRET-PLATE"}
        )
    assert "SECRET" not in str(caught.value)


def test_unknown_theme_when_validating(shipped: MappingSet) -> None:
    with pytest.raises(PlanError, match="unknown_theme"):
        shipped.catalog.validate_fields("voirie", "piscine", {})


def test_summary_lists_fields_without_a_column(shipped: MappingSet) -> None:
    summary = shipped.catalog.summary("voirie", "nid_de_poule", {"taille": "moyen", "danger": True})
    assert summary == "Taille approximative : moyen"
    assert shipped.catalog.form_columns("voirie", "nid_de_poule") == (("danger", "cz_danger"),)


def test_schema_requirements_list_columns_keys_and_option_values(shipped: MappingSet) -> None:
    schema = shipped.schema()
    columns = {(r.table, r.column.name, r.column.type) for r in schema.columns}
    assert ("contact", "cz_identitykey", "string") in columns
    assert ("incident", "cz_submissionid", "string") in columns
    keys = {(r.table, tuple(r.key.columns)) for r in schema.keys}
    assert keys == {
        ("contact", ("cz_identitykey",)),
        ("contact", ("cz_pivotkey",)),
        ("incident", ("cz_submissionid",)),
    }
    options = {(r.option.column, r.option.value) for r in schema.option_values}
    assert options == {
        ("caseorigincode", 100000000),
        ("caseorigincode", 100000001),
        ("caseorigincode", 100000002),
    }


def test_subjects_and_teams_dataverse_must_hold(shipped: MappingSet) -> None:
    subjects = shipped.catalog.subjects()
    assert ("Propreté et voirie", "Nid-de-poule et chaussée") in subjects
    assert len(subjects) == len({title for _, title in subjects}) == 23
    assert "Relation usagers" in shipped.catalog.teams

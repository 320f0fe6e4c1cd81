"""Routing by place: the territory's communes, a member commune's own rules before the
metropolis', the case's owner bound accordingly, and every mistake in the files named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cityzen_connector.mapping import (
    LookupRef,
    MappingFileError,
    MappingSet,
    PlanContext,
    load_mappings,
    plan_submission,
)
from cityzen_connector.models import Submission

MakeSubmission = Callable[..., Submission]
VALBRUME, SAINT_CLAIR, ROCHE, HAUTBOIS = "00101", "00102", "00103", "00201"
SAINT_CLAIR_TEAM = "Services techniques de Saint-Clair-sur-Orme"
ROCHE_TEAM = "Services techniques de Roche-Aiguë"


def _error(folder: Path) -> str:
    with pytest.raises(MappingFileError) as caught:
        load_mappings(folder)
    return str(caught.value)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


@pytest.mark.parametrize(
    ("theme", "sub_theme", "citycode", "team"),
    [
        # 1. the commune's rule for the sub-theme
        ("voirie", "nid_de_poule", SAINT_CLAIR, SAINT_CLAIR_TEAM),
        # 2. the commune's rule for the theme, before the metropolis' rule for the sub-theme
        ("voirie", "nid_de_poule", ROCHE, ROCHE_TEAM),
        ("travaux", "permission_voirie", SAINT_CLAIR, SAINT_CLAIR_TEAM),
        # 3. the metropolis' rule for the sub-theme: the commune has none for it
        ("voirie", "nid_de_poule", VALBRUME, "Voirie"),
        ("voirie", "nid_de_poule", None, "Voirie"),
        # 4. the metropolis' rule for the theme
        ("voirie", "tags", SAINT_CLAIR, "Propreté"),
        ("travaux", "permission_voirie", ROCHE, "Voirie"),
        # 5. the default team
        ("papiers", "identite", SAINT_CLAIR, "Population"),
    ],
)
def test_the_most_specific_rule_wins(
    shipped: MappingSet, theme: str, sub_theme: str, citycode: str | None, team: str
) -> None:
    assert shipped.catalog.route(theme, sub_theme, citycode=citycode).team == team


def test_the_default_team_takes_what_no_rule_names(mapping_dir: Path) -> None:
    routing = mapping_dir / "routing.toml"
    routing.write_text(
        routing.read_text(encoding="utf-8").replace('"papiers" = "Population"\n', ""),
        encoding="utf-8",
    )
    catalog = load_mappings(mapping_dir).catalog
    assert catalog.route("papiers", "identite", citycode=ROCHE).team == "Relation usagers"


def test_the_territory_is_its_communes(shipped: MappingSet) -> None:
    catalog = shipped.catalog
    assert catalog.territory is not None
    assert catalog.territory.name == "Valbrume Métropole"
    assert set(catalog.territory.communes) == {VALBRUME, SAINT_CLAIR, ROCHE}
    assert catalog.outside_territory(HAUTBOIS)
    assert not catalog.outside_territory(SAINT_CLAIR)
    assert not catalog.outside_territory(None)  # the commune is not known: nothing to refuse


def test_the_case_owner_is_the_team_of_the_address_commune(
    shipped: MappingSet, make_submission: MakeSubmission
) -> None:
    submission = make_submission(location={"label": "3 Grande Rue", "citycode": SAINT_CLAIR})
    plan = plan_submission(submission, shipped, context=PlanContext())
    assert plan.route.team == SAINT_CLAIR_TEAM
    assert plan.operation("incident").binds["ownerid"] == LookupRef(
        "teams", "name", SAINT_CLAIR_TEAM
    )


def test_without_a_territory_every_address_is_accepted(mapping_dir: Path) -> None:
    (mapping_dir / "territory.toml").unlink()
    routing = mapping_dir / "routing.toml"
    text = routing.read_text(encoding="utf-8")
    routing.write_text(text[: text.index("# Delegation of service")], encoding="utf-8")
    catalog = load_mappings(mapping_dir).catalog
    assert catalog.territory is None
    assert not catalog.outside_territory(HAUTBOIS)
    assert catalog.route("voirie", "nid_de_poule", citycode=SAINT_CLAIR).team == "Voirie"


def test_rules_for_a_commune_need_a_territory(mapping_dir: Path) -> None:
    (mapping_dir / "territory.toml").unlink()
    message = _error(mapping_dir)
    assert (
        "mappings/routing.toml: routing.communes.00102: routing by commune needs a territory"
        in message
    )


def test_a_commune_outside_the_territory_is_named(mapping_dir: Path) -> None:
    _append(mapping_dir / "routing.toml", '\n[routing.communes."00201"]\n"voirie" = "Voirie"\n')
    assert (
        "mappings/routing.toml: routing.communes.00201: unknown commune '00201'"
        " (not in territory.communes)" in _error(mapping_dir)
    )


def test_a_commune_rule_with_an_unknown_theme_or_team_is_named(mapping_dir: Path) -> None:
    _append(
        mapping_dir / "routing.toml",
        '\n[routing.communes."00101"]\n"piscine" = "Voirie"\n"dechets" = "Piscine municipale"\n',
    )
    message = _error(mapping_dir)
    assert "mappings/routing.toml: routing.communes.00101.piscine: unknown theme 'piscine'" in (
        message
    )
    assert (
        "mappings/routing.toml: routing.communes.00101.dechets: unknown team"
        " 'Piscine municipale' (declare it in routing.teams)" in message
    )


def test_a_rule_written_twice_is_refused_with_its_line(mapping_dir: Path) -> None:
    _append(mapping_dir / "routing.toml", '"voirie" = "Voirie"\n')  # twice for Roche-Aiguë
    message = _error(mapping_dir)
    assert message.startswith("mappings/routing.toml: invalid TOML:")
    assert "line" in message


def test_a_commune_listed_twice_is_refused_with_its_line(mapping_dir: Path) -> None:
    _append(mapping_dir / "territory.toml", '"00101" = "Valbrume-bis"\n')
    message = _error(mapping_dir)
    assert message.startswith("mappings/territory.toml: invalid TOML:")


def test_a_territory_in_two_files_is_refused(mapping_dir: Path) -> None:
    (mapping_dir / "more.toml").write_text(
        '[territory]\nname = "X"\n[territory.communes]\n"00104" = "Y"\n', encoding="utf-8"
    )
    assert "mappings/territory.toml: territory: already defined in mappings/more.toml" in _error(
        mapping_dir
    )


@pytest.mark.parametrize(
    ("where", "old", "new", "expected"),
    [
        ("territory.toml", '"00103" =', '"2C004" =', "territory.communes.2C004.[key]"),
        ("territory.toml", '"00103" =', '"75" =', "territory.communes.75.[key]"),
        ("territory.toml", 'name = "Valbrume Métropole"\n', "", "territory.name: required key"),
        ("routing.toml", '[routing.communes."00103"]', '[routing.communes."0103"]', "0103.[key]"),
    ],
)
def test_malformed_places_are_named(
    mapping_dir: Path, where: str, old: str, new: str, expected: str
) -> None:
    path = mapping_dir / where
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    assert expected in _error(mapping_dir)


def test_an_empty_commune_table_and_an_empty_territory_are_refused(mapping_dir: Path) -> None:
    _append(mapping_dir / "routing.toml", '\n[routing.communes."00101"]\n')
    territory = mapping_dir / "territory.toml"
    text = territory.read_text(encoding="utf-8")
    territory.write_text(text[: text.index('"00101"')], encoding="utf-8")
    message = _error(mapping_dir)
    assert "routing.communes.00101: Dictionary should have at least 1 item" in message
    assert "territory.communes: Dictionary should have at least 1 item" in message

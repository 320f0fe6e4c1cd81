"""Invalid mapping files are refused with every problem named by file and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cityzen_connector.mapping import (
    MAX_FILE_BYTES,
    ContentRef,
    MappingFileError,
    MappingSet,
    Operation,
    PlanContext,
    load_mappings,
    plan_submission,
)
from cityzen_connector.models import Submission
from cityzen_connector.settings import Settings


def _error(folder: Path) -> str:
    with pytest.raises(MappingFileError) as caught:
        load_mappings(folder)
    return str(caught.value)


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture drifted: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_the_shipped_mappings_load(shipped: MappingSet) -> None:
    assert [target.name for target in shipped.targets] == ["contact", "incident", "annotation"]
    assert shipped.case_target == "incident"


def test_unknown_expression_names_file_and_key(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "incident.toml", 'title = { copy = "submission.subject"', "title = { foo = 1"
    )
    assert (
        "mappings/incident.toml: targets.incident.columns.title: unknown expression 'foo'"
        in _error(mapping_dir)
    )


def test_unknown_column_type(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", 'type = "boolean"', 'type = "blob"')
    assert (
        "mappings/incident.toml: targets.incident.custom_columns.9.type: unknown column type 'blob'"
        in _error(mapping_dir)
    )


def test_missing_key_in_a_target(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", 'keys = [["cz_submissionid"]]\n', "")
    assert "mappings/incident.toml: targets.incident.keys: required key is missing" in _error(
        mapping_dir
    )


def test_key_without_a_declared_alternate_key(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", 'keys = [["cz_submissionid"]]', 'keys = [["title"]]')
    assert (
        "mappings/incident.toml: targets.incident.keys.0: no alternate key with columns ['title']"
        in _error(mapping_dir)
    )


def test_bad_toml_reports_the_line(mapping_dir: Path) -> None:
    (mapping_dir / "routing.toml").write_text("[routing\nteams = ", encoding="utf-8")
    message = _error(mapping_dir)
    assert message.startswith("mappings/routing.toml: invalid TOML:")
    assert "line 1" in message


def test_unknown_team_in_routing(mapping_dir: Path) -> None:
    _edit(mapping_dir / "routing.toml", '"travaux" = "Voirie"', '"travaux" = "Voierie"')
    assert (
        "mappings/routing.toml: routing.rules.travaux: unknown team 'Voierie'"
        " (declare it in routing.teams)" in _error(mapping_dir)
    )


def test_unknown_default_team(mapping_dir: Path) -> None:
    _edit(mapping_dir / "routing.toml", 'default_team = "Relation usagers"', 'default_team = "X"')
    assert "mappings/routing.toml: routing.default_team: unknown team 'X'" in _error(mapping_dir)


def test_unknown_theme_in_routing(mapping_dir: Path) -> None:
    _edit(mapping_dir / "routing.toml", '"dechets" = ', '"dechets/piscine" = ')
    assert (
        "mappings/routing.toml: routing.rules.dechets/piscine: unknown theme 'dechets/piscine'"
        in _error(mapping_dir)
    )


def test_unknown_field_path_and_normaliser(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", '"location.postcode"', '"location.zip"')
    _edit(mapping_dir / "contact.toml", '["lower_email"]', '["rot13"]')
    message = _error(mapping_dir)
    assert (
        "mappings/incident.toml: targets.incident.columns.cz_postcode.copy:"
        " unknown field 'zip' in 'location.zip'" in message
    )
    assert (
        "mappings/contact.toml: targets.contact.columns.emailaddress1.normalise:"
        " unknown normaliser 'rot13'" in message
    )


def test_ref_must_point_at_an_earlier_target(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "plan.toml",
        '["contact", "incident", "annotation"]',
        '["incident", "contact", "annotation"]',
    )
    assert (
        "mappings/incident.toml: targets.incident.columns.customerid_contact.ref:"
        " 'contact' is not a target written earlier in plan.order" in _error(mapping_dir)
    )


def test_attachment_paths_only_in_per_attachment_targets(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", '"location.label"', '"attachment.file_name"')
    assert "'attachment.file_name' is only available in a target with for_each" in _error(
        mapping_dir
    )


def test_target_defined_twice_and_unknown_table(mapping_dir: Path) -> None:
    (mapping_dir / "extra.toml").write_text(
        '[targets.contact]\ntable = "contact"\n[colums]\nx = 1\n', encoding="utf-8"
    )
    message = _error(mapping_dir)
    assert (
        "mappings/extra.toml: targets.contact: already defined in mappings/contact.toml" in message
    )
    assert "mappings/extra.toml: colums: unknown table" in message


def test_form_field_rules(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "themes.toml",
        'type = "choice", choices = ["petit", "moyen", "grand"]',
        'type = "text", choices = ["a"]',
    )
    assert (
        "mappings/themes.toml: themes.voirie.sub_themes.nid_de_poule.fields.0:"
        " choices are required for a choice field and only for it" in _error(mapping_dir)
    )


def test_form_field_column_must_not_clash_with_a_mapped_column(mapping_dir: Path) -> None:
    _edit(mapping_dir / "themes.toml", 'column = "cz_danger"', 'column = "title"')
    assert "'title' is already mapped in targets.incident.columns" in _error(mapping_dir)


def test_wrong_value_types_are_reported(mapping_dir: Path) -> None:
    _edit(mapping_dir / "incident.toml", '\nmode = "create_only"', "\nmode = 3")
    assert "mappings/incident.toml: targets.incident.mode:" in _error(mapping_dir)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00garbage", "mappings/zz.toml: not UTF-8 text"),
        (b"# x\n" * (MAX_FILE_BYTES // 4 + 1), f"mappings/zz.toml: larger than {MAX_FILE_BYTES}"),
    ],
)
def test_hostile_files_are_refused(mapping_dir: Path, content: bytes, expected: str) -> None:
    (mapping_dir / "zz.toml").write_bytes(content)
    assert expected in _error(mapping_dir)


def test_missing_directory_or_empty_directory(tmp_path: Path) -> None:
    assert "mapping directory not found" in _error(tmp_path / "nope")
    assert "no *.toml mapping files" in _error(tmp_path)


def test_all_problems_are_reported_at_once(mapping_dir: Path) -> None:
    _edit(
        mapping_dir / "incident.toml", 'title = { copy = "submission.subject"', "title = { foo = 1"
    )
    _edit(mapping_dir / "routing.toml", '"travaux" = "Voirie"', '"travaux" = "Voierie"')
    assert len(_error(mapping_dir).splitlines()) == 2


def test_a_custom_table_is_targeted_by_editing_mappings_only(
    mapping_dir: Path, make_submission: Callable[..., object]
) -> None:
    (mapping_dir / "incident.toml").unlink()
    (mapping_dir / "rights.toml").unlink()  # it names the incident target's columns
    (mapping_dir / "demande.toml").write_text(
        """
[targets.demande]
table = "cz_demande"
entity_set = "cz_demandes"
primary_id = "cz_demandeid"
mode = "create_only"
keys = [["cz_reference"]]

[targets.demande.columns]
cz_reference = { copy = "submission.id", required = true }
cz_name = { copy = "submission.subject" }
cz_texte = { template = "{submission.description}\\n{forms.summary}" }
cz_demandeur = { ref = "contact" }
cz_service = { bind = "teams", where = { name = "routing.team" } }
cz_danger = { copy = "fields.danger" }

[[targets.demande.custom_columns]]
name = "cz_reference"
type = "string"
max_length = 36
label = "Référence"

[[targets.demande.alternate_keys]]
name = "cz_reference_key"
columns = ["cz_reference"]
""",
        encoding="utf-8",
    )
    _edit(mapping_dir / "plan.toml", '"incident"', '"demande"')
    _edit(mapping_dir / "plan.toml", 'case = "incident"', 'case = "demande"')
    _edit(mapping_dir / "contact.toml", 'flag_target = "incident"', 'flag_target = "demande"')
    _edit(
        mapping_dir / "annotation.toml",
        'objectid_incident = { ref = "incident" }',
        'objectid_cz_demande = { ref = "demande" }',
    )
    _edit(mapping_dir / "themes.toml", ', column = "cz_danger"', "", count=-1)
    mapping = load_mappings(mapping_dir)
    submission = make_submission()
    assert isinstance(submission, Submission)
    plan = plan_submission(submission, mapping, context=PlanContext())
    demande = plan.operation("demande")
    assert (demande.entity_set, demande.mode) == ("cz_demandes", "create_only")
    assert demande.key == (("cz_reference", str(submission.id)),)
    assert demande.body["cz_name"] == submission.subject
    assert demande.body["cz_danger"] is True
    assert demande.binds["cz_demandeur"] == ContentRef("1")
    assert plan.operation("annotation").binds["objectid_cz_demande"] == demande_ref(demande)
    assert [r.table for r in mapping.schema().keys if r.key.name == "cz_reference_key"] == [
        "cz_demande"
    ]


def demande_ref(demande: Operation) -> ContentRef:
    return ContentRef(demande.content_id)


def test_ref_to_a_per_attachment_target_is_refused(mapping_dir: Path) -> None:
    (mapping_dir / "zz_after.toml").write_text(
        '[targets.after]\ntable = "cz_x"\nentity_set = "cz_xs"\nprimary_id = "cz_xid"\n'
        'mode = "create_only"\nkeys = [["cz_xid"]]\n'
        "[targets.after.columns]\n"
        'cz_xid = { uuid5 = "submission.subject", namespace = "submission.id" }\n'
        'cz_note = { ref = "annotation" }\n',
        encoding="utf-8",
    )
    _edit(mapping_dir / "plan.toml", '"annotation"]', '"annotation", "after"]')
    assert "'annotation' writes one record per attachment: it cannot be a ref" in _error(
        mapping_dir
    )


def test_the_default_setting_points_at_the_shipped_mappings() -> None:
    root = Path(__file__).resolve().parents[2]
    mapping = load_mappings(root / Settings(_env_file=None).mappings_dir)
    assert mapping.case_target == "incident"


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ('x = "submission.subject"', "x: expected an inline table such as"),
        ("x = {}", "x: empty expression"),
        ('x = { copy = "subject" }', "x.copy: field path 'subject' must look like 'root.name'"),
        ('x = { copy = "secrets.key" }', "x.copy: unknown field path root 'secrets'"),
        ('x = { copy = "a.b", const = 1 }', "x: one expression per column, got copy, const"),
        ('x = { copy = "submission.id", upper = true }', "x.upper: unknown option 'upper'"),
        ('x = { template = "{submission.subject!r}" }', "x.template: placeholders take no"),
        ('x = { template = "{}" }', "x.template: field path '' must look like"),
        ('x = { template = "{submission.subject" }', "x.template: invalid template"),
        ('x = { option = "submission.channel", map = { portal = "3" } }', "x.map: option value"),
        ('x = { option = "submission.channel", map = {} }', "x.map: expected a table"),
        ("x = { const = [1, 2] }", "x: expected a string, number or boolean"),
        ('x = { blob = "attachment" }', "x.blob: blob is only available with for_each"),
        ('x = { ref = "nowhere" }', "x.ref: 'nowhere' is not a target written earlier"),
        ('x = { bind = "teams" }', "x: a bind needs exactly one of id, key or where"),
        (
            'x = { bind = "teams", where = { name = "routing.team", a = "routing.team" } }',
            "x.where: where takes exactly one column",
        ),
        ('x = { bind = "bad set", id = "submission.id" }', "x.bind: expected an entity set name"),
        ('x = { copy = "submission.id", required = "yes" }', "x.required: must be true or false"),
        ('x = { copy = "submission.id", max_length = 1 }', "x.max_length: must be an integer"),
    ],
)
def test_bad_column_expressions_are_explained(
    probe: Callable[[str], MappingSet], column: str, message: str
) -> None:
    with pytest.raises(MappingFileError) as caught:
        probe(column)
    assert f"probe/probe.toml: targets.probe.columns.{message}" in str(caught.value)


def test_help_texts_are_optional_bounded_text(mapping_dir: Path) -> None:
    themes = mapping_dir / "themes.toml"
    _edit(themes, 'help = "Signaler un lampadaire éteint ou qui clignote."', "help = 3")
    _edit(themes, 'help = "Collecte des poubelles', 'help = "' + "x" * 2001 + '"\nh = "')
    error = _error(mapping_dir)
    assert "themes.voirie.sub_themes.eclairage.help" in error
    assert "themes.dechets.help" in error
    assert "at most 2000 characters" in error

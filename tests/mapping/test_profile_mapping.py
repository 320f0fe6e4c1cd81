"""``[profile]`` (mappings/profile.toml): the shipped record, and each mistake a collectivité can
make in it reported with the file and the key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cityzen_connector.mapping import MappingFileError, load_mappings
from tests.support.paths import ROOT


def test_the_shipped_record_finds_the_contact_by_its_identity_key() -> None:
    profile = load_mappings(ROOT / "mappings").profile
    assert profile is not None
    assert (profile.entity_set, profile.key_column) == ("contacts", "cz_identitykey")
    assert [f.name for f in profile.editable] == [
        "email",
        "phone",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "country",
    ]
    assert {f.name for f in profile.certified} == {
        "given_name",
        "family_name",
        "birth_name",
        "birthdate",
        "gender",
        "birthplace",
        "birthcountry",
    }
    assert profile.field("gender").options == {"male": 1, "female": 2}  # type: ignore[union-attr]


def _with_profile(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "mappings"
    shutil.copytree(ROOT / "mappings", folder)
    (folder / "profile.toml").write_text(text, "utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        (
            '[profile]\ntarget = "nope"\n[profile.fields]\ncity = { column = "address1_city" }\n',
            "profile.target",
            "no such target",
        ),
        (
            '[profile]\ntarget = "incident"\n[profile.fields]\ncity = { column = "title" }\n',
            "profile.target",
            "match.identity_key",
        ),
        (
            '[profile.fields]\npending = { column = "address1_city" }\n',
            "profile.fields.pending",
            "reserved",
        ),
        (
            '[profile.fields]\na = { column = "address1_city" }\n'
            'b = { column = "address1_city" }\n',
            "profile.fields.b",
            "twice",
        ),
        (
            '[profile.fields]\ngender = { column = "gendercode", format = "option" }\n',
            "profile.fields.gender",
            "map",
        ),
        (
            '[profile.fields]\ncity = { column = "address1_city", colour = "red" }\n',
            "profile.fields.city.colour",
            "unknown key",
        ),
        ('[profile.fields]\nCity = { column = "address1_city" }\n', "profile.fields.City", ""),
        ("[profile]\n", "profile.fields", "required"),
    ],
)
def test_a_mistake_names_the_file_and_the_key(
    tmp_path: Path, text: str, key: str, message: str
) -> None:
    with pytest.raises(MappingFileError) as raised:
        load_mappings(_with_profile(tmp_path, text))
    [problem] = [p for p in raised.value.problems if p.file.endswith("profile.toml")]
    assert problem.key.startswith(key), problem
    assert message in problem.message


def test_without_a_profile_table_there_is_no_record(tmp_path: Path) -> None:
    folder = _with_profile(tmp_path, "")
    (folder / "profile.toml").unlink()
    assert load_mappings(folder).profile is None

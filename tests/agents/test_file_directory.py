"""``FileDirectory``: the local stand-in for Microsoft Graph, and the shipped sample."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from cityzen_connector.agents import DirectoryError, FileDirectory, UnknownGroupError
from tests.support.paths import ROOT

from .conftest import AGNES, BRUNO, CAMILLE, NESTED_GROUP, SKU, VOIRIE_GROUP, directory_document


def test_members_are_transitive_and_a_cycle_is_followed_once() -> None:
    document = directory_document()
    document["groups"][1]["members"].append(str(VOIRIE_GROUP))  # the nested group nests back
    directory = FileDirectory(document)
    assert {u.id for u in directory.members(VOIRIE_GROUP)} == {BRUNO, CAMILLE}
    assert {u.id for u in directory.members(NESTED_GROUP)} == {CAMILLE, BRUNO}


def test_owners_are_not_transitive() -> None:
    document = directory_document()
    document["groups"][0]["owners"] = [str(AGNES)]
    directory = FileDirectory(document)
    assert [u.id for u in directory.members(VOIRIE_GROUP, owners=True)] == [AGNES]


def test_an_unknown_group_is_reported_as_such() -> None:
    with pytest.raises(UnknownGroupError):
        FileDirectory(directory_document()).members(uuid.UUID(int=1))


def test_assigned_licences_persist_beside_the_file_which_stays_as_written(tmp_path: Path) -> None:
    source = tmp_path / "directory.json"
    source.write_text(json.dumps(directory_document()), encoding="utf-8")
    overlay = tmp_path / "state" / "licences.json"
    FileDirectory.from_file(source, licences_path=overlay).assign_licence(CAMILLE, add=[SKU])
    reread = FileDirectory.from_file(source, licences_path=overlay)
    found = reread.user(CAMILLE)
    assert found is not None
    assert found.licences == frozenset({SKU})
    assert json.loads(source.read_text(encoding="utf-8")) == directory_document()
    assert oct(overlay.stat().st_mode & 0o777) == "0o600"  # who holds which licence
    assert oct(overlay.parent.stat().st_mode & 0o777) == "0o700"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "is not JSON"),
        (b"[]", "is not a JSON object"),
        (b'{"groups": {}}', "'groups' list and a 'users' list"),
        (b'{"groups": [{"id": "x"}]}', "is not a GUID"),
        (b'{"groups": [{"id": "00000000-0000-0000-0000-000000000001", "members": 3}]}',
         "'members' is not a list"),
        (b'{"users": [{"id": "00000000-0000-0000-0000-000000000001", "assignedLicenses": [1]}]}',
         "an assigned licence without skuId"),
    ],
)  # fmt: skip
def test_a_malformed_directory_file_is_refused(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "directory.json"
    path.write_bytes(content)
    with pytest.raises(DirectoryError, match=message):
        FileDirectory.from_file(path)


def test_a_missing_file_names_the_file_only(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match=r"cannot read the directory file absent\.json"):
        FileDirectory.from_file(tmp_path / "absent.json")


def test_the_shipped_sample_matches_the_shipped_access_model() -> None:
    from cityzen_connector.mapping import load_mappings  # noqa: PLC0415

    directory = FileDirectory.from_file(ROOT / "samples" / "directory.json")
    for group in load_mappings(ROOT / "mappings").agents.groups:
        assert directory.members(group.object_id)

"""``cityzen agents plan`` and ``apply`` over real HTTP (the emulator on a free 127.0.0.1 port),
reading the shipped access model and sample directory file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cityzen_connector.cli import main
from cityzen_connector.emulator import EmulatorConfig, agent_object_id, create_app, seed
from tests.support.emulator import Switch
from tests.support.paths import MAPPINGS, PEPPER, ROOT


@pytest.fixture
def served(
    emulator_server: tuple[str, Switch], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    url, switch = emulator_server
    app = create_app(EmulatorConfig())
    seed(app)
    switch.target = app
    directory = tmp_path / "directory.json"
    shutil.copy(ROOT / "samples" / "directory.json", directory)
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", url)
    monkeypatch.setenv("CITYZEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CITYZEN_MAPPINGS_DIR", str(MAPPINGS))
    monkeypatch.setenv("CITYZEN_AGENTS_DIRECTORY_URL", f"file:{directory}")
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", PEPPER.decode())
    return tmp_path


def test_plan_prints_the_changes_then_apply_makes_them_and_a_second_plan_has_none(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agents", "plan"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Plan: 14 change(s) for 3 group(s), 3 member(s)\n")
    assert "  + create team      Voirie (Entra ID) in Mairie  [agents.groups.voirie]" in out
    assert "  + create user      camille.nguyen@emulator.local in Mairie" in out
    assert "  + add member       bruno.lefevre@emulator.local → Voirie" in out
    assert main(["agents", "apply"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("Plan: 14 change(s)")  # printed first
    assert "Applied: 14 change(s) done, 0 already done, 0 failed" in captured.out
    assert "agents: 13/14 change(s) settled" in captured.err  # the $batch, then the licence
    assert main(["agents", "plan"]) == 0
    assert "nothing to change" in capsys.readouterr().out
    licences = json.loads((served / "data" / "directory-licences.json").read_text("utf-8"))
    assert list(licences) == ["5b47a087-4eea-43bf-92a9-81b14b4db082"]  # Camille's


def test_a_plan_reviewed_as_json_is_applied_as_reviewed(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agents", "plan", "--json"]) == 0
    plan_file = served / "plan.json"
    plan_file.write_text(capsys.readouterr().out, encoding="utf-8")
    assert main(["agents", "apply", "--plan", str(plan_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert len(result["plan"]["changes"]) == 14
    assert sum(result["report"]["done"].values()) == 14


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"changes": [{"action": "delete_user", "principal": "x"}]}', "unknown action"),
    ],
)
def test_a_bad_plan_file_is_refused_before_anything(
    served: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    plan_file = served / "plan.json"
    plan_file.write_text(content, encoding="utf-8")
    assert main(["agents", "apply", "--plan", str(plan_file)]) == 2
    assert message in capsys.readouterr().err


def test_apply_for_an_agent_and_a_bad_object_id(
    served: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agents", "apply", "--as", agent_object_id("agnes.martin")]) == 0
    with pytest.raises(SystemExit) as caught:
        main(["agents", "apply", "--as", "agnes"])
    assert caught.value.code == 2
    assert "an Entra ID object id is a GUID" in capsys.readouterr().err


def test_a_model_that_does_not_fit_lists_its_problems_and_writes_nothing(
    served: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mappings = served / "mappings"
    shutil.copytree(MAPPINGS, mappings)
    text = (mappings / "agents.toml").read_text(encoding="utf-8")
    (mappings / "agents.toml").write_text(text.replace('"Mairie"', '"Métropole"', 1), "utf-8")
    monkeypatch.setenv("CITYZEN_MAPPINGS_DIR", str(mappings))
    assert main(["agents", "apply"]) == 1
    err = capsys.readouterr().err
    assert "the access model does not fit; nothing was written" in err
    assert "agents.groups.relation-usagers.business_unit: no business unit named 'Métropole'" in err


def test_a_directory_file_outside_local_mode_is_a_configuration_error(
    served: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYZEN_DATAVERSE_URL", "https://contoso.crm4.dynamics.com")
    monkeypatch.setenv("CITYZEN_DATAVERSE_STATIC_TOKEN", "x")
    monkeypatch.setenv("CITYZEN_IDENTITY_PEPPER", "a-long-enough-pepper")
    assert main(["agents", "plan"]) == 2
    err = capsys.readouterr().err
    assert "CITYZEN_AGENTS_DIRECTORY_URL, CITYZEN_DATAVERSE_AUTH: a directory file is for" in err

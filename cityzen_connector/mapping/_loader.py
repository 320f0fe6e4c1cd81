"""Read ``mappings/*.toml`` with ``tomllib`` and validate them; every error names file and key.

Any file may hold any of the top-level tables ``targets``, ``themes``, ``routing``, ``plan``,
``status``, ``territory`` and ``agents`` (the last three optional: without ``status`` every
case reads as the neutral label; ``agents`` is the agents' access model); the shipped defaults
use one file per concern. A target or theme defined twice, an unknown top-level table, bad TOML
(a key written twice included: TOML forbids it, the message names the line) or a value of the
wrong shape is reported, all problems at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._agents import AccessModel, AgentsConfig, build_access_model
from ._config import PlanConfig, RoutingConfig, TargetConfig, TerritoryConfig, ThemeConfig
from ._errors import FileProblem, MappingFileError
from ._mappingset import MappingSet, build_mapping_set
from ._profile import ProfileConfig, ProfileMapping, build_profile
from ._rights import RightsConfig, RightsPlan, build_rights, tables_of
from ._status import StatusConfig, StatusVocabulary, build_vocabulary

MAX_FILE_BYTES = 1024 * 1024
_SECTIONS = (
    "targets",
    "themes",
    "routing",
    "plan",
    "status",
    "territory",
    "agents",
    "rights",
    "profile",
)
# The last six optional (``rights``: the data-protection rights, mapping/_rights.py;
# ``profile``: the citizen's own record, mapping/_profile.py).
_SINGLES = ("routing", "plan", "status", "territory", "agents", "rights", "profile")
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class _Collected:
    """Raw sections gathered from all files, each remembering the file it came from."""

    targets: dict[str, tuple[str, Any]] = field(default_factory=dict)
    themes: dict[str, tuple[str, Any]] = field(default_factory=dict)
    singles: dict[str, tuple[str, Any]] = field(default_factory=dict)
    problems: list[FileProblem] = field(default_factory=list)


def load_mappings(directory: Path) -> MappingSet:
    """Load and validate every ``*.toml`` in ``directory``; raise ``MappingFileError``."""
    label = directory.name or str(directory)
    if not directory.is_dir():
        raise MappingFileError([FileProblem(label, "", "mapping directory not found")])
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise MappingFileError([FileProblem(label, "", "no *.toml mapping files")])
    collected = _Collected()
    for path in files:
        _collect(f"{label}/{path.name}", path, collected)
    for section in ("routing", "plan"):
        if section not in collected.singles:
            collected.problems.append(FileProblem(label, section, "no file defines this table"))
    if collected.problems:
        raise MappingFileError(collected.problems)
    return _validate(collected)


def _collect(file: str, path: Path, out: _Collected) -> None:
    data = path.read_bytes()
    if len(data) > MAX_FILE_BYTES:
        out.problems.append(FileProblem(file, "", f"larger than {MAX_FILE_BYTES} bytes"))
        return
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        out.problems.append(FileProblem(file, "", "not UTF-8 text"))
        return
    except tomllib.TOMLDecodeError as exc:
        out.problems.append(FileProblem(file, "", f"invalid TOML: {exc}"))
        return
    for section, value in document.items():
        _add_section(file, section, value, out)


def _add_section(file: str, section: str, value: Any, out: _Collected) -> None:
    if section not in _SECTIONS:
        out.problems.append(
            FileProblem(file, section, f"unknown table (known: {', '.join(_SECTIONS)})")
        )
    elif section in _SINGLES:
        if section in out.singles:
            first = out.singles[section][0]
            out.problems.append(FileProblem(file, section, f"already defined in {first}"))
        else:
            out.singles[section] = (file, value)
    elif not isinstance(value, dict):
        out.problems.append(FileProblem(file, section, "expected a table"))
    else:
        into = out.targets if section == "targets" else out.themes
        for name, body in value.items():
            if name in into:
                message = f"already defined in {into[name][0]}"
                out.problems.append(FileProblem(file, f"{section}.{name}", message))
            else:
                into[name] = (file, body)


def _validate(collected: _Collected) -> MappingSet:
    problems: list[FileProblem] = []
    targets = _models(collected.targets, "targets", TargetConfig, problems)
    themes = _models(collected.themes, "themes", ThemeConfig, problems)
    routing_file, routing_raw = collected.singles["routing"]
    plan_file, plan_raw = collected.singles["plan"]
    routing = _model(routing_file, "routing", routing_raw, RoutingConfig, problems)
    plan = _model(plan_file, "plan", plan_raw, PlanConfig, problems)
    statuses = _statuses(collected, problems)
    territory = None
    if "territory" in collected.singles:
        territory_file, territory_raw = collected.singles["territory"]
        territory = _model(territory_file, "territory", territory_raw, TerritoryConfig, problems)
    agents = AccessModel()
    if "agents" in collected.singles and routing is not None:
        agents_file, agents_raw = collected.singles["agents"]
        config = _model(agents_file, "agents", agents_raw, AgentsConfig, problems)
        if config is not None:
            agents = build_access_model(agents_file, config, routing, problems)
    profile = _profile(collected, targets, problems)
    if problems or routing is None or plan is None:
        raise MappingFileError(problems)
    files = {
        **{("targets", name): file for name, (file, _) in collected.targets.items()},
        **{("themes", name): file for name, (file, _) in collected.themes.items()},
        ("routing", ""): routing_file,
        ("plan", ""): plan_file,
    }
    built = build_mapping_set(
        targets, themes, routing, plan, files.__getitem__, territory=territory
    )
    rights = _rights(collected, built, statuses, problems)
    if problems:
        raise MappingFileError(problems)
    return replace(built.with_statuses(statuses), agents=agents, rights=rights, profile=profile)


def _rights(
    collected: _Collected,
    built: MappingSet,
    statuses: StatusVocabulary,
    problems: list[FileProblem],
) -> RightsPlan | None:
    if "rights" not in collected.singles:
        return None
    file, raw = collected.singles["rights"]
    config = _model(file, "rights", raw, RightsConfig, problems)
    if config is None:
        return None
    tables = tables_of(built.targets, built.case_target)
    plan, found = build_rights(
        config, file, catalog=built.catalog, statuses=statuses, tables=tables
    )
    problems.extend(found)
    return plan


def _profile(
    collected: _Collected, targets: Mapping[str, TargetConfig], problems: list[FileProblem]
) -> ProfileMapping | None:
    if "profile" not in collected.singles:
        return None
    file, raw = collected.singles["profile"]
    config = _model(file, "profile", raw, ProfileConfig, problems)
    if config is None:
        return None
    tables = {n: (t.table, t.entity_set, t.primary_id) for n, t in targets.items()}
    keys = {
        name: column
        for name, target in targets.items()
        for column, spec in target.columns.items()
        if isinstance(spec, Mapping) and spec.get("copy") == "match.identity_key"
    }
    pivots = {
        name: column
        for name, target in targets.items()
        for column, spec in target.columns.items()
        if isinstance(spec, Mapping) and spec.get("copy") == "match.pivot_key"
    }
    return build_profile(file, config, tables, keys, problems, pivot_columns=pivots)


def _statuses(collected: _Collected, problems: list[FileProblem]) -> StatusVocabulary:
    if "status" not in collected.singles:
        return StatusVocabulary()
    file, raw = collected.singles["status"]
    config = _model(file, "status", raw, StatusConfig, problems)
    if config is None:
        return StatusVocabulary()
    vocabulary, found = build_vocabulary(config, file)
    problems.extend(found)
    return vocabulary


def _models(
    raw: Mapping[str, tuple[str, Any]],
    section: str,
    model: type[_M],
    problems: list[FileProblem],
) -> dict[str, _M]:
    parsed: dict[str, _M] = {}
    for name, (file, body) in raw.items():
        value = _model(file, f"{section}.{name}", body, model, problems)
        if value is not None:
            parsed[name] = value
    return parsed


def _model(
    file: str, key: str, body: Any, model: type[_M], problems: list[FileProblem]
) -> _M | None:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            location = ".".join([key, *(str(part) for part in error["loc"])])
            problems.append(FileProblem(file, location, _message(error["type"], error["msg"])))
        return None


_MESSAGES: Mapping[str, str] = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}


def _message(kind: str, message: str) -> str:
    return _MESSAGES.get(kind) or message.removeprefix("Value error, ")

"""A validated mapping directory: targets in change-set order, themes, routing, schema needs."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from ._agents import AccessModel
from ._config import (
    AlternateKey,
    CustomColumn,
    OptionValue,
    PlanConfig,
    RoutingConfig,
    TargetConfig,
    TerritoryConfig,
    ThemeConfig,
)
from ._errors import ExpressionError, FileProblem, MappingFileError
from ._expressions import Blob, Copy, Expression, Option, Ref
from ._parse import parse_expression
from ._profile import ProfileMapping
from ._rights import RightsPlan
from ._scope import path_problem
from ._status import StatusVocabulary
from ._territory import Territory
from ._themes import ThemeCatalog


@dataclass(frozen=True)
class Target:
    """One table the plan writes, with its columns compiled to expressions."""

    name: str
    config: TargetConfig
    columns: tuple[tuple[str, Expression], ...]


@dataclass(frozen=True)
class RequiredColumn:
    table: str
    column: CustomColumn


@dataclass(frozen=True)
class RequiredKey:
    table: str
    key: AlternateKey


@dataclass(frozen=True)
class RequiredOption:
    table: str
    option: OptionValue


@dataclass(frozen=True)
class SchemaRequirements:
    """What provisioning must create so the mappings work: columns, then keys, then options."""

    columns: tuple[RequiredColumn, ...]
    keys: tuple[RequiredKey, ...]
    option_values: tuple[RequiredOption, ...]


@dataclass(frozen=True)
class MappingSet:
    targets: tuple[Target, ...]
    case_target: str
    catalog: ThemeCatalog
    statuses: StatusVocabulary = field(default_factory=StatusVocabulary)
    # The agents' access model (mappings/agents.toml); empty when no file declares [agents].
    agents: AccessModel = dataclasses.field(default_factory=AccessModel)
    # The data-protection rights (mappings/rights.toml); ``None`` when no file declares them.
    rights: RightsPlan | None = None
    # The citizen's profile (mappings/profile.toml); None: no profile routes.
    profile: ProfileMapping | None = None

    def target(self, name: str) -> Target:
        return next(target for target in self.targets if target.name == name)

    def with_statuses(self, statuses: StatusVocabulary) -> MappingSet:
        return replace(self, statuses=statuses)

    def columns_copying(self, path: str) -> tuple[tuple[Target, str], ...]:
        """(target, column) of each column whose value is ``path`` alone (``copy = "path"``):
        where a value the pipeline writes can be read back."""
        return tuple(
            (target, column)
            for target in self.targets
            for column, expression in target.columns
            if isinstance(expression, Copy) and expression.sources == (path,)
        )

    def option_map(self, target: str, path: str) -> dict[str, int]:
        """The ``map`` of the option column of ``target`` fed by ``path`` (``{}`` if none)."""
        for _, expression in self.target(target).columns:
            if isinstance(expression, Option) and expression.path == path:
                return dict(expression.map)
        return {}

    def schema(self) -> SchemaRequirements:
        configs = [(t.config.table, t.config) for t in self.targets]
        return SchemaRequirements(
            columns=tuple(RequiredColumn(tb, c) for tb, cfg in configs for c in cfg.custom_columns),
            keys=tuple(
                RequiredKey(tb, k) for tb, cfg in configs for k in cfg.alternate_keys if k.provision
            ),
            option_values=tuple(
                RequiredOption(tb, o) for tb, cfg in configs for o in cfg.option_values
            ),
        )


FileOf = Callable[[tuple[str, str]], str]


def build_mapping_set(
    targets: Mapping[str, TargetConfig],
    themes: Mapping[str, ThemeConfig],
    routing: RoutingConfig,
    plan: PlanConfig,
    file_of: FileOf,
    *,
    territory: TerritoryConfig | None = None,
) -> MappingSet:
    problems: list[FileProblem] = []

    def problem(section: tuple[str, str], key: str, message: str) -> None:
        problems.append(FileProblem(file_of(section), key, message))

    for name in plan.order:
        if name not in targets:
            problem(("plan", ""), "plan.order", f"unknown target '{name}'")
    for name in targets:
        if name not in plan.order:
            problem(("targets", name), f"targets.{name}", "target is missing from plan.order")
    if plan.case not in plan.order:
        problem(("plan", ""), "plan.case", f"unknown target '{plan.case}'")
    compiled: list[Target] = []
    written: set[str] = set()
    repeated = {name for name, config in targets.items() if config.for_each}
    for name in (name for name in plan.order if name in targets):
        report = _reporter(problem, name)
        compiled.append(_compile(name, targets[name], set(written), repeated, report))
        written.add(name)
    _check_routing(themes, routing, lambda k, m: problem(("routing", ""), k, m))
    _check_places(themes, routing, territory, lambda k, m: problem(("routing", ""), k, m))
    _check_forms(themes, targets.get(plan.case), file_of, plan.case, problems)
    for target in compiled:
        lookalike = target.config.lookalike
        if lookalike and lookalike.flag_target not in targets:
            problem(
                ("targets", target.name),
                f"targets.{target.name}.lookalike.flag_target",
                f"unknown target '{lookalike.flag_target}'",
            )
    if problems:
        raise MappingFileError(problems)
    place = Territory.of(territory) if territory is not None else None
    return MappingSet(tuple(compiled), plan.case, ThemeCatalog(dict(themes), routing, place))


Report = Callable[[str, str], None]


def _reporter(problem: Callable[[tuple[str, str], str, str], None], name: str) -> Report:
    def report(key: str, message: str) -> None:
        problem(("targets", name), key, message)

    return report


def _compile(
    name: str, config: TargetConfig, earlier: set[str], repeated: set[str], report: Report
) -> Target:
    prefix = f"targets.{name}"
    per_attachment = config.for_each == "attachments"
    columns: list[tuple[str, Expression]] = []
    for column, raw in config.columns.items():
        try:
            expression = parse_expression(raw, per_attachment=per_attachment)
        except ExpressionError as exc:
            key = f"{prefix}.columns.{column}" + (f".{exc.key}" if exc.key else "")
            report(key, exc.message)
            continue
        if isinstance(expression, Ref) and expression.target not in earlier:
            report(
                f"{prefix}.columns.{column}.ref",
                f"'{expression.target}' is not a target written earlier in plan.order",
            )
        elif isinstance(expression, Ref) and expression.target in repeated:
            report(
                f"{prefix}.columns.{column}.ref",
                f"'{expression.target}' writes one record per attachment: it cannot be a ref",
            )
        columns.append((column, expression))
    _check_keys(prefix, config, {column for column, _ in columns}, report)
    for index, group in enumerate(config.lookalike.any_of if config.lookalike else []):
        for column, path in group.items():
            message = path_problem(path, per_attachment=per_attachment)
            if message:
                report(f"{prefix}.lookalike.any_of.{index}.{column}", message)
    blobs = [column for column, expr in columns if isinstance(expr, Blob)]
    if len(blobs) > 1:
        report(f"{prefix}.columns", "at most one column may take the attachment's bytes")
    return Target(name, config, tuple(columns))


def _check_keys(prefix: str, config: TargetConfig, mapped: set[str], report: Report) -> None:
    declared = [sorted(key.columns) for key in config.alternate_keys]
    for index, key in enumerate(config.keys):
        where = f"{prefix}.keys.{index}"
        if key != [config.primary_id] and sorted(key) not in declared:
            report(where, f"no alternate key with columns {key} is declared in alternate_keys")
        for column in key:
            if column not in mapped:
                report(where, f"key column '{column}' has no expression in columns")
    for option in config.option_values:
        if option.column not in mapped:
            report(f"{prefix}.option_values", f"column '{option.column}' is not mapped")


def _check_routing(
    themes: Mapping[str, ThemeConfig], routing: RoutingConfig, report: Report
) -> None:
    if routing.default_team not in routing.teams:
        report("routing.default_team", f"unknown team '{routing.default_team}'")
    _check_rules(themes, routing.teams, routing.rules, "routing.rules", report)


def _check_rules(
    themes: Mapping[str, ThemeConfig],
    teams: list[str],
    rules: Mapping[str, str],
    where: str,
    report: Report,
) -> None:
    for rule, team in rules.items():
        theme, _, sub_theme = rule.partition("/")
        known = theme in themes and (not sub_theme or sub_theme in themes[theme].sub_themes)
        if not known:
            report(f"{where}.{rule}", f"unknown theme '{rule}'")
        if team not in teams:
            report(f"{where}.{rule}", f"unknown team '{team}' (declare it in routing.teams)")


def _check_places(
    themes: Mapping[str, ThemeConfig],
    routing: RoutingConfig,
    territory: TerritoryConfig | None,
    report: Report,
) -> None:
    """A commune's rules name a commune of the territory, known themes and declared teams."""
    for code, rules in routing.communes.items():
        where = f"routing.communes.{code}"
        if territory is None:
            report(where, "routing by commune needs a territory (a [territory] table)")
        elif code not in territory.communes:
            report(where, f"unknown commune '{code}' (not in territory.communes)")
        _check_rules(themes, routing.teams, rules, where, report)


def _check_forms(
    themes: Mapping[str, ThemeConfig],
    case: TargetConfig | None,
    file_of: FileOf,
    case_name: str,
    problems: list[FileProblem],
) -> None:
    mapped = set(case.columns) if case else set()
    for code, theme in themes.items():
        for sub_code, sub in theme.sub_themes.items():
            for index, form_field in enumerate(sub.fields):
                if form_field.column and form_field.column in mapped:
                    problems.append(
                        FileProblem(
                            file_of(("themes", code)),
                            f"themes.{code}.sub_themes.{sub_code}.fields.{index}.column",
                            f"'{form_field.column}' is already mapped in"
                            f" targets.{case_name}.columns",
                        )
                    )

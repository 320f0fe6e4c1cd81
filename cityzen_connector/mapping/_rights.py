"""The citizens' data-protection rights (``[rights]`` in ``mappings/rights.toml``).

What the collectivité decides, as data (docs/rgpd.md):

- which sub-theme an erasure or objection request is filed under (a case for the data
  protection officer, routed like any other by ``routing.toml``), and which value of its
  ``kind_field`` form field means each right;
- which (state, status reason) pairs of that case mean "approved" (the connector then erases)
  and "refused" (nothing is erased). Both must be pairs of the status vocabulary
  (``status.toml``) and closed: the DPO's decision is the end of the request;
- for the citizen's contact, which mapped columns are pseudonymised on erasure and which are
  kept (legal retention). Every contact column fed by the citizen's identity must be in exactly
  one of the two lists, so a column added to ``contact.toml`` later cannot be forgotten;
- which case columns (typed e-mail, phone...) are cleared on every case of that contact;
- by when the DPO answers: the sub-theme's ``target_days`` (themes.toml), required, a month at
  most (RGPD article 12.3); the DPO's case title says the date, the ``rights`` timer reports a
  request still undecided past it.

Errors name the key and the rule, never a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ._errors import FileProblem
from ._expressions import Copy
from ._status import OptionValue, StatusVocabulary
from ._themes import ThemeCatalog

Right = Literal["erasure", "objection"]
MAX_ANSWER_DAYS = 31  # "within one month of receipt" (RGPD article 12.3): 31 days at the most
RIGHTS: tuple[Right, ...] = ("erasure", "objection")
Decision = Literal["approved", "refused"]
_Name = Annotated[str, StringConstraints(strict=True, pattern=r"^[a-z][a-z0-9_]{0,99}$")]
_Text = Annotated[
    str,
    StringConstraints(strict=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"),
]


class _Pair(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    state: OptionValue
    status: OptionValue


class _ContactErasure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pseudonymise: tuple[_Name, ...]
    keep: tuple[_Name, ...] = ()
    # A value for a column Dynamics 365 requires (a contact has a last name): set, not cleared.
    placeholders: Mapping[_Name, _Text] = Field(default_factory=dict)


class RightsConfig(BaseModel):
    """The ``[rights]`` table as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: _Name
    sub_theme: _Name
    kind_field: _Name
    kinds: Mapping[Right, _Text]
    approved: Annotated[tuple[_Pair, ...], Field(min_length=1, max_length=20)]
    refused: Annotated[tuple[_Pair, ...], Field(min_length=1, max_length=20)]
    contact: _ContactErasure
    case_columns: tuple[_Name, ...] = ()


@dataclass(frozen=True)
class RightsPlan:
    """The validated ``[rights]``: what the ``rgpd`` room reads."""

    theme: str
    sub_theme: str
    kind_field: str
    kinds: Mapping[Right, str]
    approved: frozenset[tuple[int, int]]
    refused: frozenset[tuple[int, int]]
    contact_entity_set: str
    contact_primary_id: str
    contact_key_column: str  # the identity key column: how "me" finds the contact
    pseudonymise: tuple[str, ...]
    keep: tuple[str, ...]
    placeholders: Mapping[str, str]
    key_columns: tuple[str, ...]  # pseudonymised to a keyed value, as alternate keys must stay
    case_entity_set: str
    case_columns: tuple[str, ...]
    target_days: int = 30  # the answer's deadline: the sub-theme's target delay, a month at most

    def decision(self, state: int | None, status: int | None) -> Decision | None:
        if state is None or status is None:
            return None
        if (state, status) in self.approved:
            return "approved"
        if (state, status) in self.refused:
            return "refused"
        return None


@dataclass(frozen=True)
class _Tables:
    contact_set: str
    contact_id: str
    contact_columns: Mapping[str, tuple[str, ...]]  # column → the paths it copies
    contact_keys: tuple[str, ...]
    case_set: str
    case_columns: frozenset[str]


def build_rights(
    config: RightsConfig,
    file: str,
    *,
    catalog: ThemeCatalog,
    statuses: StatusVocabulary,
    tables: _Tables,
) -> tuple[RightsPlan, list[FileProblem]]:
    problems: list[FileProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(FileProblem(file, f"rights.{key}", message))

    target_days = _sub_theme(config, catalog, problem)
    approved = _pairs(config.approved, "approved", statuses, problem)
    refused = _pairs(config.refused, "refused", statuses, problem)
    if approved & refused:
        problem("refused", "a pair cannot mean approved and refused")
    personal = {c for c, paths in tables.contact_columns.items() if _personal(paths)}
    pseudo, keep = set(config.contact.pseudonymise), set(config.contact.keep)
    for column in sorted(pseudo & keep):
        problem("contact.keep", f"{column} is also in pseudonymise")
    for column in sorted((pseudo | keep) - set(tables.contact_columns)):
        problem("contact", f"{column} is not a column of targets.contact")
    for column in sorted(personal - pseudo - keep):
        problem("contact", f"{column} holds personal data: list it in pseudonymise or keep")
    for column in sorted(set(config.contact.placeholders) - pseudo):
        problem("contact.placeholders", f"{column} is not pseudonymised")
    for column in sorted(set(config.case_columns) - tables.case_columns):
        problem("case_columns", f"{column} is not a column of the case target")
    plan = RightsPlan(
        theme=config.theme,
        sub_theme=config.sub_theme,
        kind_field=config.kind_field,
        kinds=dict(config.kinds),
        approved=approved,
        refused=refused,
        contact_entity_set=tables.contact_set,
        contact_primary_id=tables.contact_id,
        contact_key_column=_identity_column(tables.contact_columns),
        pseudonymise=tuple(c for c in config.contact.pseudonymise),
        keep=tuple(config.contact.keep),
        placeholders=dict(config.contact.placeholders),
        key_columns=tuple(c for c in config.contact.pseudonymise if c in tables.contact_keys),
        case_entity_set=tables.case_set,
        case_columns=tuple(config.case_columns),
        target_days=target_days,
    )
    return plan, problems


def _sub_theme(
    config: RightsConfig, catalog: ThemeCatalog, problem: Callable[[str, str], None]
) -> int:
    """Check the sub-theme the requests are filed under; its target delay (the deadline)."""
    target_days = MAX_ANSWER_DAYS
    theme = catalog.themes.get(config.theme)
    if theme is None or config.sub_theme not in theme.sub_themes:
        problem("sub_theme", "not a sub-theme of themes.*")
    else:
        sub = theme.sub_themes[config.sub_theme]
        # The deadline the DPO's case carries (RGPD article 12.3: "without undue delay and in
        # any event within one month of receipt of the request").
        target_days = sub.target_days or 0
        if not 1 <= target_days <= MAX_ANSWER_DAYS:
            problem(
                "sub_theme",
                f"its target_days (themes.toml) must be declared, {MAX_ANSWER_DAYS} at most:"
                " a public body answers within a month (RGPD article 12.3)",
            )
        fields = {f.name: f for f in sub.fields}
        found = fields.get(config.kind_field)
        if found is None or found.type != "choice":
            problem("kind_field", "not a choice field of that sub-theme")
        else:
            choices = set(found.choices or ())
            for right in RIGHTS:
                if config.kinds.get(right) not in choices:
                    problem(f"kinds.{right}", "missing, or not one of the field's choices")
    return target_days


def _personal(paths: tuple[str, ...]) -> bool:
    return any(path.startswith(("citizen.", "match.")) for path in paths)


def _identity_column(columns: Mapping[str, tuple[str, ...]]) -> str:
    return next(
        (c for c, paths in columns.items() if paths == ("match.identity_key",)), "cz_identitykey"
    )


def _pairs(
    pairs: tuple[_Pair, ...],
    key: str,
    statuses: StatusVocabulary,
    report: Callable[[str, str], None],
) -> frozenset[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    for index, pair in enumerate(pairs):
        entry = statuses.entries.get((pair.state, pair.status))
        if entry is None:
            report(f"{key}.{index}", "not a pair of status.values (status.toml)")
        elif not entry.closed:
            report(f"{key}.{index}", "the DPO's decision closes the request: a closed pair")
        found.add((pair.state, pair.status))
    return frozenset(found)


def tables_of(targets: Sequence[Any], case_target: str) -> _Tables:
    """The contact and case targets' names and columns, from the compiled targets
    (``MappingSet.targets``; typed loosely, as the mapping set imports this module)."""
    contact = next(t for t in targets if t.config.table == "contact")
    case = next(t for t in targets if t.name == case_target)
    columns: dict[str, tuple[str, ...]] = {}
    for column, expression in contact.columns:
        columns[column] = _paths(expression)
    keys = tuple(c for group in contact.config.keys for c in group)
    return _Tables(
        contact_set=contact.config.entity_set,
        contact_id=contact.config.primary_id,
        contact_columns=columns,
        contact_keys=keys,
        case_set=case.config.entity_set,
        case_columns=frozenset(c for c, _ in case.columns),
    )


def _paths(expression: object) -> tuple[str, ...]:
    if isinstance(expression, Copy):
        return tuple(expression.sources)
    path = getattr(expression, "path", None)
    return (path,) if isinstance(path, str) else ()

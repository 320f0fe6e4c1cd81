"""Themes, sub-themes, their extra form fields, and routing to the owning team."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date

from cityzen_connector.models import FieldError, FormField, FormValue, SubTheme, Theme

from ._config import FormFieldConfig, RoutingConfig, ThemeConfig
from ._errors import FormValidationError, PlanError
from ._plan_types import Route
from ._territory import Territory, routed_team


@dataclass(frozen=True)
class ThemeCatalog:
    """The validated themes and routing of a mapping directory, and the territory it serves
    (``None``: no ``territory.toml``, every address is accepted)."""

    themes: Mapping[str, ThemeConfig]
    routing: RoutingConfig
    territory: Territory | None = None

    def _sub_theme(self, theme: str, sub_theme: str) -> tuple[ThemeConfig, FormFieldConfigs]:
        found = self.themes.get(theme)
        if found is None or sub_theme not in found.sub_themes:
            # Codes only: they come from our own catalogue, not from the citizen's identity.
            raise PlanError("unknown_theme", f"theme '{theme}/{sub_theme}' is not offered")
        return found, tuple(found.sub_themes[sub_theme].fields)

    def route(self, theme: str, sub_theme: str, *, citycode: str | None = None) -> Route:
        """The owning team and the subject title for a theme / sub-theme, at the place whose
        commune is ``citycode`` when known (the most specific rule: ``_territory.py``)."""
        found, _ = self._sub_theme(theme, sub_theme)
        sub = found.sub_themes[sub_theme]
        team = routed_team(self.routing, theme, sub_theme, citycode)
        subject = sub.subject or sub.title
        return Route(theme=theme, sub_theme=sub_theme, team=team, subject=subject)

    def outside_territory(self, citycode: str | None) -> bool:
        """True when the commune is known and this deployment does not serve it."""
        return (
            citycode is not None
            and self.territory is not None
            and not self.territory.contains(citycode)
        )

    def subjects(self) -> tuple[tuple[str, str], ...]:
        """(parent subject title, subject title) for every sub-theme: what Dataverse must hold
        (the emulator's seed, a provisioning check)."""
        return tuple(
            (theme.title, self.route(code, sub_code).subject)
            for code, theme in self.themes.items()
            for sub_code in theme.sub_themes
        )

    def target_days(self) -> dict[tuple[str, str], int]:
        """(theme, sub-theme) → its declared target delay in days (``target_days``)."""
        return {
            (code, sub_code): sub.target_days
            for code, theme in self.themes.items()
            for sub_code, sub in theme.sub_themes.items()
            if sub.target_days is not None
        }

    def by_subject(self) -> dict[str, tuple[str, str]]:
        """Subject title → (theme, sub-theme): which sub-theme a case's subject stands for (the
        first sub-theme declaring a title wins, as routing binds it)."""
        found: dict[str, tuple[str, str]] = {}
        for code, theme in self.themes.items():
            for sub_code, sub in theme.sub_themes.items():
                found.setdefault(sub.subject or sub.title, (code, sub_code))
        return found

    def titles(self) -> tuple[dict[str, str], dict[str, str]]:
        """(theme code → title, sub-theme code → title): what the stats label codes with."""
        themes = {code: theme.title for code, theme in self.themes.items()}
        subs: dict[str, str] = {}
        for theme in self.themes.values():
            for code, sub in theme.sub_themes.items():
                subs.setdefault(code, sub.title)
        return themes, subs

    @property
    def teams(self) -> tuple[str, ...]:
        """Names of the teams cases may be assigned to."""
        return tuple(self.routing.teams)

    def form(self, theme: str, sub_theme: str) -> tuple[FormField, ...]:
        _, fields = self._sub_theme(theme, sub_theme)
        return tuple(_read_model(field) for field in fields)

    def form_columns(self, theme: str, sub_theme: str) -> tuple[tuple[str, str], ...]:
        """(form field name, case column) for fields that go to their own case column."""
        _, fields = self._sub_theme(theme, sub_theme)
        return tuple((field.name, field.column) for field in fields if field.column)

    def summary(self, theme: str, sub_theme: str, values: Mapping[str, FormValue]) -> str:
        """``Label : value`` lines for the fields without a column (for the description)."""
        _, fields = self._sub_theme(theme, sub_theme)
        lines = []
        for field in fields:
            value = values.get(field.name)
            if field.column is None and value is not None:
                shown = ("oui" if value else "non") if isinstance(value, bool) else str(value)
                lines.append(f"{field.label} : {shown}")
        return "\n".join(lines)

    def validate_fields(
        self, theme: str, sub_theme: str, values: Mapping[str, FormValue]
    ) -> dict[str, FormValue]:
        """Check a submission's extra fields against its sub-theme's form (HTTP 422 material).

        Raises ``FormValidationError`` listing every problem, or ``PlanError`` for an unknown
        theme. Messages name fields and rules, never the values.
        """
        _, fields = self._sub_theme(theme, sub_theme)
        declared = {field.name: field for field in fields}
        problems = [
            FieldError.of(f"fields.{name}", "unknown_field", "this sub-theme has no such field")
            for name in values
            if name not in declared
        ]
        for field in fields:
            problem = _check(field, values.get(field.name))
            if problem is not None:
                problems.append(FieldError.of(f"fields.{field.name}", *problem))
        if problems:
            raise FormValidationError(problems)
        return dict(values)

    def tree(self, available_subjects: Collection[str] | None = None) -> tuple[Theme, ...]:
        """The read model for ``GET /api/v1/themes``; with ``available_subjects`` (titles of the
        Dataverse subjects that exist), sub-themes whose subject is missing are left out."""
        themes = []
        for code, theme in self.themes.items():
            subs = tuple(
                SubTheme(
                    code=sub_code,
                    title=sub.title,
                    fields=tuple(_read_model(f) for f in sub.fields),
                )
                for sub_code, sub in theme.sub_themes.items()
                if available_subjects is None
                or self.route(code, sub_code).subject in available_subjects
            )
            if subs:
                themes.append(Theme(code=code, title=theme.title, sub_themes=subs))
        return tuple(themes)


FormFieldConfigs = tuple[FormFieldConfig, ...]


def _read_model(field: FormFieldConfig) -> FormField:
    return FormField(
        name=field.name,
        label=field.label,
        type=field.type,
        required=field.required,
        max_length=field.max_length,
        choices=tuple(field.choices),
        minimum=field.minimum,
        maximum=field.maximum,
        help=field.help,
    )


Problem = tuple[str, str] | None


def _check(field: FormFieldConfig, value: FormValue | None) -> Problem:
    if value is None or value == "":
        return ("missing", "this field is required") if field.required else None
    return _CHECKS[field.type](field, value)


def _check_boolean(field: FormFieldConfig, value: FormValue) -> Problem:
    return None if isinstance(value, bool) else ("bool_type", "expected true or false")


def _check_number(field: FormFieldConfig, value: FormValue) -> Problem:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ("number_type", "expected a number")
    if field.minimum is not None and value < field.minimum:
        return ("too_small", f"must be at least {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        return ("too_large", f"must be at most {field.maximum:g}")
    return None


def _check_date(field: FormFieldConfig, value: FormValue) -> Problem:
    bad = ("date_format", "expected a date as YYYY-MM-DD")
    if not isinstance(value, str) or len(value) != 10:
        return bad
    try:
        date.fromisoformat(value)
    except ValueError:
        return bad
    return None


def _check_choice(field: FormFieldConfig, value: FormValue) -> Problem:
    if isinstance(value, str) and value in field.choices:
        return None
    return ("not_a_choice", "expected one of: " + ", ".join(field.choices))


def _check_text(field: FormFieldConfig, value: FormValue) -> Problem:
    if not isinstance(value, str):
        return ("string_type", "expected text")
    if field.max_length is not None and len(value) > field.max_length:
        return ("too_long", f"at most {field.max_length} characters")
    return None


_CHECKS: Mapping[str, Callable[[FormFieldConfig, FormValue], Problem]] = {
    "boolean": _check_boolean,
    "number": _check_number,
    "date": _check_date,
    "choice": _check_choice,
    "text": _check_text,
}

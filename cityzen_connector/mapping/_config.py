"""The shapes of ``mappings/*.toml``, validated by pydantic (errors are reworded by the loader).

Custom columns, alternate keys and option values are declared next to the target that needs
them, so ``cityzen dataverse provision`` can create exactly what the mappings use.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cityzen_connector.models import FormFieldType

# Dataverse column types provisioning knows how to create (AttributeMetadata subtypes:
# String, Memo, Integer, Decimal, Boolean, DateTime with DateOnly behaviour, DateTime, Picklist).
COLUMN_TYPES = ("string", "memo", "integer", "decimal", "boolean", "dateonly", "datetime", "choice")
# String columns hold at most 4,000 characters, Memo columns 1,048,576 (Dataverse limits).
_MAX_LENGTH = {"string": 4000, "memo": 1_048_576}

LogicalName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,99}$")]
# A commune's INSEE code (Code officiel géographique): 5 digits, 2A/2B for Corsica.
InseeCode = Annotated[str, Field(pattern=r"^([0-9]{5}|2[AB][0-9]{3})$")]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]
# What a procedure is for, in the citizen's words: searched by the portal (not shown in forms).
HelpText = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class CustomColumn(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,7}_[a-z0-9_]{1,90}$")]
    type: str
    label: Label
    max_length: int | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in COLUMN_TYPES:
            raise ValueError(f"unknown column type '{value}' (known: {', '.join(COLUMN_TYPES)})")
        return value

    @model_validator(mode="after")
    def _length_fits_type(self) -> CustomColumn:
        limit = _MAX_LENGTH.get(self.type)
        if limit is None and self.max_length is not None:
            raise ValueError("max_length only applies to string and memo columns")
        if limit is not None and not (self.max_length and 1 <= self.max_length <= limit):
            raise ValueError(f"a {self.type} column needs max_length between 1 and {limit}")
        return self


class AlternateKey(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9]{1,7}_[a-z0-9_]{1,90}$")]
    columns: Annotated[list[LogicalName], Field(min_length=1, max_length=16)]
    # False for keys that exist already in the organisation (nothing to provision).
    provision: bool = True


class OptionValue(_Strict):
    column: LogicalName
    value: Annotated[int, Field(ge=0, le=2_147_483_647)]
    label: Label


class Lookalike(_Strict):
    """Look-alike criteria: any group whose columns all equal the new contact's values."""

    any_of: Annotated[list[dict[LogicalName, str]], Field(min_length=1)]
    flag_target: LogicalName
    flag_column: LogicalName


class TargetConfig(_Strict):
    table: LogicalName
    entity_set: LogicalName
    primary_id: LogicalName
    mode: Literal["upsert", "create_only"]
    keys: Annotated[list[Annotated[list[LogicalName], Field(min_length=1)]], Field(min_length=1)]
    for_each: Literal["attachments"] | None = None
    typed_values: Literal["write", "fill_blanks"] = "write"
    columns: Annotated[dict[LogicalName, Any], Field(min_length=1)]
    custom_columns: list[CustomColumn] = Field(default_factory=list)
    alternate_keys: list[AlternateKey] = Field(default_factory=list)
    option_values: list[OptionValue] = Field(default_factory=list)
    lookalike: Lookalike | None = None


class FormFieldConfig(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    label: Label
    type: FormFieldType
    required: bool = False
    max_length: Annotated[int, Field(ge=1, le=2000)] | None = None
    choices: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(default_factory=list)
    minimum: float | None = None
    maximum: float | None = None
    # A sentence the portal shows under the field (what to write, where to find it).
    help: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    # The case column receiving the value; without it the value goes into forms.summary.
    column: LogicalName | None = None

    @model_validator(mode="after")
    def _options_fit_type(self) -> FormFieldConfig:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("choices are required for a choice field and only for it")
        if self.max_length is not None and self.type != "text":
            raise ValueError("max_length only applies to text fields")
        if (self.minimum is not None or self.maximum is not None) and self.type != "number":
            raise ValueError("minimum and maximum only apply to number fields")
        return self


class SubThemeConfig(_Strict):
    title: Label
    # The Dataverse subject's title the case is bound to; defaults to the sub-theme's title.
    subject: Label | None = None
    help: HelpText | None = None
    fields: list[FormFieldConfig] = Field(default_factory=list)
    # The service's target delay, in days from receipt to resolution (KPIs: share resolved in
    # time, docs/kpis.md); a whole number of days, at most ten years.
    target_days: Annotated[int, Field(strict=True, ge=1, le=3650)] | None = None

    @field_validator("fields")
    @classmethod
    def _unique_names(cls, fields: list[FormFieldConfig]) -> list[FormFieldConfig]:
        names = [field.name for field in fields]
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise ValueError(f"duplicate field names: {', '.join(duplicated)}")
        return fields


class ThemeConfig(_Strict):
    # The theme's title is also the parent subject's title in Dataverse's subject tree.
    title: Label
    help: HelpText | None = None
    sub_themes: Annotated[dict[Code, SubThemeConfig], Field(min_length=1)]


class RoutingConfig(_Strict):
    teams: Annotated[list[Label], Field(min_length=1)]
    default_team: Label
    # "theme" or "theme/sub_theme" -> team name; the most specific rule wins.
    rules: dict[str, Label] = Field(default_factory=dict)
    # Delegation of service: a member commune's own rules ("theme" or "theme/sub_theme" ->
    # team), for requests whose address is in that commune; they come before ``rules``.
    communes: dict[InseeCode, Annotated[dict[str, Label], Field(min_length=1)]] = Field(
        default_factory=dict
    )


class TerritoryConfig(_Strict):
    """The communes whose addresses this deployment serves (a city: one; a metropolis: its
    members), INSEE code -> name."""

    name: Label
    communes: Annotated[dict[InseeCode, Label], Field(min_length=1)]


class PlanConfig(_Strict):
    order: Annotated[list[LogicalName], Field(min_length=1)]
    case: LogicalName

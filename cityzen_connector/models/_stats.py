"""Wire models of the KPIs (``GET /api/v1/stats``) and of the open data's JSON
(``GET /api/v1/open-data/requests.json``); docs/kpis.md defines each figure."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Count = Annotated[int, Field(ge=0)]
Days = Annotated[float, Field(ge=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DelaySummary(_Frozen):
    """Days, nearest-rank median and 90th percentile; ``None`` without values."""

    count: Count
    median: Days | None
    p90: Days | None


class TargetShare(_Frozen):
    resolved: Count
    within: Count
    share: Annotated[float, Field(ge=0, le=1)]


class KpiFigures(_Frozen):
    received: Count
    by_status: dict[str, Count]
    first_action_days: DelaySummary
    resolution_days: DelaySummary
    resolved_within_target: TargetShare | None


class KpiGroup(KpiFigures):
    period: str
    group: str


class KpiPeriod(KpiFigures):
    """Every group of one period together: the series a dashboard charts over time."""

    period: str


class Label(_Frozen):
    fr: str
    en: str


class KpiLabels(_Frozen):
    """What a chart's legend and its data table write beside each code."""

    groups: dict[str, Label]
    statuses: dict[str, Label]


class BacklogRow(_Frozen):
    group: str
    lt_2d: Count
    d2_7: Count = Field(alias="2d_7d")
    d7_30: Count = Field(alias="7d_30d")
    gt_30d: Count
    total: Count

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ChannelCounts(_Frozen):
    total: Count
    by_state: dict[str, Count]
    by_channel: dict[str, Count]


class Reconciliation(_Frozen):
    available: bool
    store: ChannelCounts
    dataverse: ChannelCounts | None
    differs: bool | None
    missing_from_store: Count | None = None


class StatsReport(_Frozen):
    from_: str = Field(alias="from")
    to: str
    period: str
    group_by: str
    generated_at: str
    groups: list[KpiGroup]
    periods: list[KpiPeriod]
    totals: KpiFigures
    backlog: list[BacklogRow]
    reconciliation: Reconciliation
    labels: KpiLabels

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class OpenDataRowView(_Frozen):
    mois: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")]
    theme: str
    sous_theme: str
    canal: str
    statut: str
    nombre_demandes: Count | None
    delai_median_jours: Days | None
    secret: bool


class OpenDataDocument(_Frozen):
    schema_: str = Field(alias="schema")
    seuil_secret: Annotated[int, Field(ge=1)]
    donnees: list[OpenDataRowView]

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

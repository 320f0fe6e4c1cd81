"""The territory a deployment serves, and which routing rule applies to a request's place.

``territory.toml`` lists the communes by INSEE code (the Code officiel géographique, not the
postcode: one postcode may cover several communes and one commune several postcodes). An address
whose commune is known and not listed is outside the territory: the intake refuses it.

Routing, most specific first (the first rule that exists wins)::

    routing.communes.<commune>."theme/sub_theme"   a member commune's own team for a sub-theme
    routing.communes.<commune>."theme"             ... for a whole theme
    routing.rules."theme/sub_theme"                the metropolis' team for a sub-theme
    routing.rules."theme"                          ... for a whole theme
    routing.default_team
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._config import RoutingConfig, TerritoryConfig


@dataclass(frozen=True)
class Territory:
    name: str
    communes: Mapping[str, str]  # INSEE code -> name

    @classmethod
    def of(cls, config: TerritoryConfig) -> Territory:
        return cls(config.name, dict(config.communes))

    def contains(self, citycode: str) -> bool:
        return citycode in self.communes


def routed_team(routing: RoutingConfig, theme: str, sub_theme: str, citycode: str | None) -> str:
    """The team for a theme / sub-theme at a place (``citycode``: the address's commune)."""
    keys = (f"{theme}/{sub_theme}", theme)
    for rules in (routing.communes.get(citycode or "", {}), routing.rules):
        for key in keys:
            if key in rules:
                return rules[key]
    return routing.default_team

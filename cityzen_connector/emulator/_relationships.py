"""Collection-valued navigation properties: the one-to-many and many-to-many relationships of
``schema.json``, and the SQL that says whether a row belongs to a parent's collection.

"Web API navigation properties" (Microsoft Learn): collection-valued navigation properties
"correspond to one-to-many or many-to-many relationships". On the referenced table of a
one-to-many relationship the property is named by ``ReferencedEntityNavigationPropertyName``
(for these system relationships, the relationship's schema name: ``contact_customer_accounts``,
``incident_customer_contacts``…, as the account, contact and incident table references list
them); its items are the rows of the referencing table whose lookup names the parent. A
many-to-many relationship has the same navigation property on both tables
(``teammembership_association``: ``Entity1NavigationPropertyName`` and
``Entity2NavigationPropertyName``, team table reference) and keeps its pairs in an intersect
table (``teammembership``), held here as rows of the ``records`` table under that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TARGETS = "__targets"  # per-row map: lookup column → logical name of the referenced table


def json_path(column: str) -> str:
    return f'$."{column}"'


@dataclass(frozen=True)
class Collection:
    """One collection-valued navigation property, seen from the table (``source``) that has it.
    The items are rows of ``target``."""

    name: str
    source: str
    target: str
    lookup: str | None = None  # 1:N: the target's lookup column naming the source row
    polymorphic: bool = False  # 1:N: that lookup may name rows of other tables too
    intersect: str | None = None  # N:N: the intersect table
    source_column: str | None = None  # N:N: its column naming the source row
    target_column: str | None = None  # N:N: its column naming the target row

    @property
    def many_to_many(self) -> bool:
        return self.intersect is not None

    def link(self, item: str, parent_sql: str, parent_params: list[Any]) -> tuple[str, list[Any]]:
        """SQL true when the row aliased ``item`` is in the collection of the parent whose id is
        ``parent_sql`` (``r.id``, or ``?`` with ``parent_params``)."""
        if self.intersect is not None:
            assert self.source_column is not None
            assert self.target_column is not None
            # Aliases are the compiler's own; values stay parameters.
            sql = (
                "EXISTS (SELECT 1 FROM records x WHERE x.entity = ? AND "  # noqa: S608
                f"json_extract(x.data, ?) = {parent_sql} AND json_extract(x.data, ?) = {item}.id)"
            )
            params = [self.intersect, json_path(self.source_column), *parent_params]
            return sql, [*params, json_path(self.target_column)]
        assert self.lookup is not None
        sql = f"json_extract({item}.data, ?) = {parent_sql}"
        params = [json_path(self.lookup), *parent_params]
        if self.polymorphic:  # a customer lookup names a contact or an account: which one?
            sql += f" AND json_extract({item}.data, ?) = ?"
            params += [f'$."{TARGETS}"."{self.lookup}"', self.source]
        return sql, params


class Relationships:
    """Every collection-valued navigation property, by (table, property name)."""

    def __init__(self, collections: list[Collection]) -> None:
        self._by_name = {(c.source, c.name): c for c in collections}

    def collection(self, source: str, name: str) -> Collection | None:
        return self._by_name.get((source, name))

    def many_to_many(self) -> list[Collection]:
        return [c for c in self._by_name.values() if c.many_to_many]


def build_relationships(
    raw: Mapping[str, Any], lookup_targets: Mapping[tuple[str, str], int]
) -> Relationships:
    """From ``schema.json``'s ``one_to_many`` and ``many_to_many`` lists; ``lookup_targets``
    gives how many tables each (table, lookup column) can name."""
    out: list[Collection] = []
    for rel in raw.get("one_to_many", []):
        lookup = (rel["referencing"], rel["attribute"])
        if lookup not in lookup_targets:
            raise ValueError(f"schema.json: {rel['name']} names no lookup {lookup}")
        out.append(
            Collection(
                name=rel["name"],
                source=rel["referenced"],
                target=rel["referencing"],
                lookup=rel["attribute"],
                polymorphic=lookup_targets[lookup] > 1,
            )
        )
    for rel in raw.get("many_to_many", []):
        sides = ((rel["entity1"], rel["attribute1"]), (rel["entity2"], rel["attribute2"]))
        for (source, source_column), (target, target_column) in (sides, sides[::-1]):
            out.append(
                Collection(
                    name=rel["name"],
                    source=source,
                    target=target,
                    intersect=rel["intersect"],
                    source_column=source_column,
                    target_column=target_column,
                )
            )
    return Relationships(out)

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

This is the one model of the schema's relationships: ``$expand``, lambda operators and
``$ref`` read its collections; the metadata (``_metadata_relationships``: RelationshipDefinitions,
EntityDefinitions' ManyToManyRelationships) and ``$metadata`` (``_csdl``) read its
many-to-many relationships and its one-to-many collections.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
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
            # Aliases are the compiler's own; values stay parameters. An IN over the pairs,
            # not a correlated EXISTS: for one parent (``?``) SQLite reads the pairs once and
            # probes the table's primary key, instead of scanning every pair for every row.
            sql = (
                f"{item}.id IN (SELECT json_extract(x.data, ?) FROM records x"  # noqa: S608
                f" WHERE x.entity = ? AND json_extract(x.data, ?) = {parent_sql})"
            )
            params = [json_path(self.target_column), self.intersect, json_path(self.source_column)]
            return sql, [*params, *parent_params]
        assert self.lookup is not None
        sql = f"json_extract({item}.data, ?) = {parent_sql}"
        params = [json_path(self.lookup), *parent_params]
        if self.polymorphic:  # a customer lookup names a contact or an account: which one?
            sql += f" AND json_extract({item}.data, ?) = ?"
            params += [f'$."{TARGETS}"."{self.lookup}"', self.source]
        return sql, params


@dataclass(frozen=True)
class ManyToMany:
    """A many-to-many relationship as ManyToManyRelationshipMetadata describes it ("Create and
    update table relationships using the Web API"; the values of the team and role table
    references' "Many-To-Many Relationships")."""

    schema_name: str
    entity1: str
    entity2: str
    intersect_entity: str
    entity1_attribute: str
    entity2_attribute: str
    entity1_navigation: str
    entity2_navigation: str

    def collections(self) -> tuple[Collection, Collection]:
        """Its collection-valued navigation property on each of its two tables."""
        return (
            Collection(
                name=self.entity1_navigation,
                source=self.entity1,
                target=self.entity2,
                intersect=self.intersect_entity,
                source_column=self.entity1_attribute,
                target_column=self.entity2_attribute,
            ),
            Collection(
                name=self.entity2_navigation,
                source=self.entity2,
                target=self.entity1,
                intersect=self.intersect_entity,
                source_column=self.entity2_attribute,
                target_column=self.entity1_attribute,
            ),
        )


class Relationships:
    """The one-to-many relationships whose collections are served and the many-to-many
    relationships; every collection-valued navigation property by (table, property name)."""

    def __init__(self, one_to_many: list[Collection], many_to_many: list[ManyToMany]) -> None:
        self.one_to_many = list(one_to_many)
        self.many_to_many = list(many_to_many)
        collections = [*one_to_many, *(c for r in many_to_many for c in r.collections())]
        self._by_name = {(c.source, c.name): c for c in collections}

    def collection(self, source: str, name: str) -> Collection | None:
        return self._by_name.get((source, name))

    def collections_of(self, source: str) -> list[Collection]:
        """The collection-valued navigation properties of table ``source``."""
        return [c for c in self._by_name.values() if c.source == source]

    def intersect_collections(self) -> list[Collection]:
        return [c for c in self._by_name.values() if c.many_to_many]

    def changed(
        self, *, added: list[Collection], removed: Set[tuple[str, str]] = frozenset()
    ) -> Relationships:
        """A copy with the one-to-many collections ``added`` and without those ``removed``
        (by (table, name)): a table created at run time brings its own (``_activities``).
        Copy-on-write, as the schema's other mappings: requests served meanwhile keep theirs."""
        gone = set(removed) | {(c.source, c.name) for c in added}
        kept = [c for c in self.one_to_many if (c.source, c.name) not in gone]
        return Relationships([*kept, *added], self.many_to_many)


def build_relationships(
    raw: Mapping[str, Any],
    lookup_targets: Mapping[tuple[str, str], int],
    tables: Set[str],
) -> Relationships:
    """From ``schema.json``'s ``one_to_many`` and ``many_to_many`` lists; ``lookup_targets``
    gives how many tables each (table, lookup column) can name, ``tables`` the tables held."""
    one_to_many: list[Collection] = []
    for rel in raw.get("one_to_many", []):
        lookup = (rel["referencing"], rel["attribute"])
        if lookup not in lookup_targets:
            raise ValueError(f"schema.json: {rel['name']} names no lookup {lookup}")
        one_to_many.append(
            Collection(
                name=rel["name"],
                source=rel["referenced"],
                target=rel["referencing"],
                lookup=rel["attribute"],
                polymorphic=lookup_targets[lookup] > 1,
            )
        )
    many_to_many: list[ManyToMany] = []
    for rel in raw.get("many_to_many", []):
        if not {rel["entity1"], rel["entity2"]} <= tables:
            raise ValueError(f"schema.json: {rel['name']} joins a table the schema lacks")
        many_to_many.append(
            ManyToMany(
                schema_name=rel["name"],
                entity1=rel["entity1"],
                entity2=rel["entity2"],
                intersect_entity=rel["intersect"],
                entity1_attribute=rel["attribute1"],
                entity2_attribute=rel["attribute2"],
                # Both default to the relationship's name, as in the table references.
                entity1_navigation=rel.get("navigation1", rel["name"]),
                entity2_navigation=rel.get("navigation2", rel["name"]),
            )
        )
    return Relationships(one_to_many, many_to_many)

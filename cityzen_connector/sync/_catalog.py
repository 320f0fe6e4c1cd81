"""The records the mappings name (teams by name, subjects by title): checked by provisioning,
and created on request (``--create-catalog``, for the emulator and test organisations; in
production an administrator creates teams with their members and roles).

Teams: ``POST teams`` with ``teamtype`` 0 (Owner) in the caller's business unit (from
``WhoAmI``). Subjects: ``POST subjects``, each sub-theme under its theme's subject
("team EntityType", "subject EntityType", Microsoft Learn Web API reference).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cityzen_connector.dataverse import DataverseClient, Query, and_, eq, in_
from cityzen_connector.mapping import ThemeCatalog


@dataclass(frozen=True)
class CatalogRecord:
    entity_set: str  # "teams" or "subjects"
    name: str
    parent: str | None = None  # a subject's parent subject title


def required_records(catalog: ThemeCatalog) -> tuple[CatalogRecord, ...]:
    records = [CatalogRecord("teams", name) for name in catalog.teams]
    parents = dict.fromkeys(parent for parent, _ in catalog.subjects())
    records += [CatalogRecord("subjects", parent) for parent in parents]
    records += [CatalogRecord("subjects", title, parent) for parent, title in catalog.subjects()]
    return tuple(records)


def _find(client: DataverseClient, record: CatalogRecord) -> uuid.UUID | None:
    if record.entity_set == "teams":
        query = Query("teams").select("teamid").where(eq("name", record.name))
        found = client.first(query)
        return None if found is None else uuid.UUID(str(found["teamid"]))
    where = eq("title", record.name)
    if record.parent is not None:
        parent = _find(client, CatalogRecord("subjects", record.parent))
        if parent is None:
            return None
        where = and_(where, eq("_parentsubject_value", parent))
    found = client.first(Query("subjects").select("subjectid").where(where))
    return None if found is None else uuid.UUID(str(found["subjectid"]))


# A subject tree is a few hundred rows; stop reading a runaway one (as the theme tree does).
_MAX_ROWS = 5000


def existing_records(
    client: DataverseClient, records: tuple[CatalogRecord, ...]
) -> frozenset[CatalogRecord]:
    """Which of ``records`` exist, in two reads (the named teams, every subject) instead of
    one query per record: fewer round trips, and far fewer chances for a transient fault to
    cut the plan short."""
    names = sorted({r.name for r in records if r.entity_set == "teams"})
    teams: set[str] = set()
    if names:
        query = Query("teams").select("name").where(in_("name", names))
        teams = {str(row.get("name")) for row in client.query(query)}
    by_id: dict[str, tuple[str, str | None]] = {}
    if any(r.entity_set == "subjects" for r in records):
        rows = client.query(Query("subjects").select("subjectid", "title", "_parentsubject_value"))
        for count, row in enumerate(rows):
            if count >= _MAX_ROWS:
                break
            parent = row.get("_parentsubject_value")
            by_id[str(row["subjectid"])] = (str(row.get("title")), str(parent) if parent else None)
    subjects = {
        (title, by_id[parent][0] if parent in by_id else None) for title, parent in by_id.values()
    }
    return frozenset(
        r
        for r in records
        if (r.entity_set == "teams" and r.name in teams)
        or (r.entity_set == "subjects" and (r.name, r.parent) in subjects)
    )


def create_record(client: DataverseClient, record: CatalogRecord) -> None:
    if record.entity_set == "teams":
        unit = client.who_am_i().business_unit_id
        body = {
            "name": record.name,
            "teamtype": 0,
            "businessunitid@odata.bind": f"/businessunits({unit})",
        }
        client.create("teams", body)
        return
    subject: dict[str, object] = {"title": record.name}
    if record.parent is not None:
        parent = _find(client, CatalogRecord("subjects", record.parent))
        if parent is None:
            client.create("subjects", {"title": record.parent})
            parent = _find(client, CatalogRecord("subjects", record.parent))
        subject["parentsubject@odata.bind"] = f"/subjects({parent})"
    client.create("subjects", subject)

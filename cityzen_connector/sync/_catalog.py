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

from cityzen_connector.dataverse import DataverseClient, Query, and_, eq
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


def record_exists(client: DataverseClient, record: CatalogRecord) -> bool:
    return _find(client, record) is not None


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

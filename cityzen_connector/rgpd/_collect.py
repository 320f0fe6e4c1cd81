"""What Dynamics 365 holds about a citizen, read for their export: their contact (found by its
identity key column, the same key submissions upsert it by: never by a name), the cases of that
contact whatever channel they came through, the conversation on each case in both directions,
and the attachments' metadata (never their bytes).

Each read is a Web API query built as data (``dataverse.Query``, values escaped by the builder):
"Query data using the Web API", https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query-data-web-api
(lookups filtered as ``_<name>_value``: "Lookup properties",
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/web-api-properties#lookup-properties).

Agents' internal messages on a case (not marked for the citizen) are not exported: they may
name third parties, and the data protection officer answers a request for them case by case
(docs/rgpd.md, "What the export holds").
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cityzen_connector.dataverse import DataverseClient, Query, eq
from cityzen_connector.mapping import ConversationTable, RightsPlan

_CASE_COLUMNS = (
    "incidentid",
    "ticketnumber",
    "title",
    "description",
    "statecode",
    "statuscode",
    "caseorigincode",
    "createdon",
    "modifiedon",
)
# ``filesize`` is not read: the emulator's annotation has no such column, and a size is not
# what identifies a document to its owner (its name, type and date do).
_NOTE_COLUMNS = ("annotationid", "filename", "mimetype", "createdon")
_MAX_ROWS = 5000  # a citizen with more cases than this is a data problem, not an export


@dataclass(frozen=True)
class DataverseHoldings:
    contact_id: str | None
    contact: Mapping[str, Any] | None
    cases: tuple[Mapping[str, Any], ...]

    @property
    def case_ids(self) -> tuple[str, ...]:
        return tuple(str(case["id"]) for case in self.cases)


class DataverseReader:
    def __init__(
        self, client: DataverseClient, plan: RightsPlan, conversation: ConversationTable
    ) -> None:
        self._client = client
        self._plan = plan
        self._conversation = conversation

    def read(self, identity_key: str, *, with_threads: bool = True) -> DataverseHoldings:
        found = self.contact(identity_key)
        if found is None:
            return DataverseHoldings(None, None, ())
        contact_id, contact = found
        return DataverseHoldings(
            contact_id, contact, self.cases(contact_id, with_threads=with_threads)
        )

    def contact(self, identity_key: str) -> tuple[str, dict[str, Any]] | None:
        """The contact whose identity key column holds this key, and its personal columns."""
        plan = self._plan
        # The keys themselves are HMACs: meaningless to a person, and not theirs to see.
        columns = [c for c in (*plan.pseudonymise, *plan.keep) if c not in plan.key_columns]
        row = self._client.first(
            Query(plan.contact_entity_set)
            .select(plan.contact_primary_id, *columns)
            .where(eq(plan.contact_key_column, identity_key))
        )
        if row is None:
            return None
        return str(row[plan.contact_primary_id]), {c: row.get(c) for c in columns}

    def cases(self, contact_id: str, *, with_threads: bool = True) -> tuple[dict[str, Any], ...]:
        """The contact's cases, oldest first, whatever channel they came through."""
        query = (
            Query(self._plan.case_entity_set)
            .select(*_CASE_COLUMNS, *self._plan.case_columns)
            .where(eq("_customerid_value", uuid.UUID(contact_id)))
            .order_by("createdon")
        )
        cases = []
        for index, case in enumerate(self._client.query(query)):
            if index >= _MAX_ROWS:
                break
            cases.append(self._case(case, with_threads=with_threads))
        return tuple(cases)

    def _case(self, row: Mapping[str, Any], *, with_threads: bool) -> dict[str, Any]:
        case_id = str(row["incidentid"])
        found: dict[str, Any] = {
            "id": case_id,
            **{c: row.get(c) for c in (*_CASE_COLUMNS[1:], *self._plan.case_columns)},
        }
        if with_threads:
            found["attachments"] = self._notes(case_id)
            found["messages"] = self._messages(case_id)
        return found

    def _notes(self, regarding: str) -> list[dict[str, Any]]:
        query = (
            Query("annotations")
            .select(*_NOTE_COLUMNS)
            .where(eq("_objectid_value", uuid.UUID(regarding)))
        )
        return [
            {
                "id": note.get("annotationid"),
                "file_name": note.get("filename"),
                "media_type": note.get("mimetype"),
                "created_on": note.get("createdon"),
            }
            for note in self._client.query(query)
            if note.get("filename")
        ]

    def _messages(self, case_id: str) -> list[dict[str, Any]]:
        table = self._conversation
        query = (
            Query(table.entity_set)
            .select(
                table.primary_id,
                table.subject,
                table.text,
                table.direction,
                table.visible,
                "createdon",
            )
            .where(eq("_regardingobjectid_value", uuid.UUID(case_id)))
            .order_by("createdon")
        )
        messages = []
        for row in self._client.query(query):
            from_citizen = row.get(table.direction) == table.from_citizen
            if not from_citizen and row.get(table.visible) is not True:
                continue
            row_id = str(row[table.primary_id])
            messages.append(
                {
                    "id": row_id,
                    "direction": "from_citizen" if from_citizen else "to_citizen",
                    "subject": row.get(table.subject),
                    "text": row.get(table.text),
                    "created_on": row.get("createdon"),
                    "attachments": self._notes(row_id),
                }
            )
        return messages

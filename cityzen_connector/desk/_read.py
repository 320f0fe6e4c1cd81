"""What an agent's case views show, read through the Web API with the labels Dynamics 365
shows (``Prefer: odata.include-annotations="OData.Community.Display.V1.FormattedValue"``,
"Query data using the Web API", formatted values).

A case's status is read twice: in the connector's words (the status vocabulary of
``mappings/status.toml``: ``code``, ``label_fr``, ``label_en``, ``closed``, what the citizen
reads) and in Dataverse's (``state``, ``reason``, ``label``: "Active / In Progress").

A list row: ticket, title, status, sub-theme (the case's subject), owner, origin, dates and the
time of the last message. One case: the same, its description, and the conversation (the rows
of ``mapping.CONVERSATION`` regarding it, oldest first, with their files' names). Never the
customer (the citizen's contact): the desk acts on cases, it needs no one's name.
"""

from __future__ import annotations

import uuid
from typing import Any

from cityzen_connector.dataverse import DataverseClient, Query, eq, in_, ops
from cityzen_connector.mapping import CONVERSATION, StatusVocabulary

from ._reasons import REASON_LABELS, REASON_NAMES, STATES

FORMATTED = "OData.Community.Display.V1.FormattedValue"
_PREFER = f'odata.include-annotations="{FORMATTED}"'
_C = CONVERSATION
_REGARDING = "_regardingobjectid_value"
_COLUMNS = (
    "incidentid",
    "ticketnumber",
    "title",
    "statecode",
    "statuscode",
    "createdon",
    "modifiedon",
    "_subjectid_value",
    "_ownerid_value",
    "caseorigincode",
)


def _rows(client: DataverseClient, query: Query) -> list[dict[str, Any]]:
    request = ops.query(query).with_prefer(_PREFER)
    return [dict(row) for page in client.pages(request) for row in page.records]


def _label(row: dict[str, Any], column: str) -> str | None:
    value = row.get(f"{column}@{FORMATTED}")
    return str(value) if value is not None else None


def _status(row: dict[str, Any], statuses: StatusVocabulary) -> dict[str, Any]:
    state, code = int(row.get("statecode") or 0), int(row.get("statuscode") or 0)
    # The pair as such: a case's first pair reads "Reçue" to the citizen only while no agent
    # has acted (the case history knows it, the desk reads Dataverse alone).
    said = statuses.of(state, code)
    return {
        "code": said.code,
        "label_fr": said.label_fr,
        "label_en": said.label_en,
        "closed": said.closed,
        "state": STATES.get(state, "?"),
        "reason": REASON_NAMES.get(code, str(code)),
        "label": f"{STATES.get(state, '?')} / {REASON_LABELS.get(code, str(code))}",
    }


def _summary(row: dict[str, Any], statuses: StatusVocabulary) -> dict[str, Any]:
    return {
        "ticket": row.get("ticketnumber"),
        "title": row.get("title"),
        "status": _status(row, statuses),
        "sub_theme": _label(row, "_subjectid_value"),
        "owner": _label(row, "_ownerid_value"),
        "origin": _label(row, "caseorigincode"),
        "created_at": row.get("createdon"),
        "modified_at": row.get("modifiedon"),
    }


def _last_messages(client: DataverseClient, case_ids: list[str]) -> dict[str, str]:
    """The time of each case's latest message, in one query for the whole page."""
    if not case_ids:
        return {}
    query = (
        Query(_C.entity_set)
        .select(_REGARDING, "createdon")
        .where(in_(_REGARDING, [uuid.UUID(i) for i in case_ids]))
        .order_by("createdon", descending=True)
    )
    latest: dict[str, str] = {}
    for row in client.query(query):
        latest.setdefault(str(row.get(_REGARDING)), str(row.get("createdon")))
    return latest


def cases_view(
    client: DataverseClient, top: int, statuses: StatusVocabulary
) -> list[dict[str, Any]]:
    query = Query("incidents").select(*_COLUMNS).order_by("createdon", descending=True).top(top)
    rows = _rows(client, query)
    latest = _last_messages(client, [str(row["incidentid"]) for row in rows])
    return [
        {**_summary(row, statuses), "last_message_at": latest.get(str(row["incidentid"]))}
        for row in rows
    ]


def case_view(
    client: DataverseClient, ticket: str, statuses: StatusVocabulary
) -> dict[str, Any] | None:
    query = Query("incidents").select(*_COLUMNS, "description").where(eq("ticketnumber", ticket))
    found = _rows(client, query.top(1))
    if not found:
        return None
    row = found[0]
    return {
        **_summary(row, statuses),
        "description": row.get("description"),
        "_id": row["incidentid"],
    }


def conversation(client: DataverseClient, case_id: object) -> list[dict[str, Any]]:
    query = (
        Query(_C.entity_set)
        .select(_C.primary_id, _C.subject, _C.text, _C.direction, _C.visible, "createdon")
        .where(eq(_REGARDING, uuid.UUID(str(case_id))))
        .order_by("createdon")
    )
    messages = list(client.query(query))
    files = _files(client, [str(m[_C.primary_id]) for m in messages])
    return [
        {
            "id": str(m[_C.primary_id]),
            "subject": m.get(_C.subject),
            "text": m.get(_C.text),
            "from": "citizen" if m.get(_C.direction) == _C.from_citizen else "agent",
            "visible_to_citizen": bool(m.get(_C.visible)),
            "created_at": m.get("createdon"),
            "attachments": files.get(str(m[_C.primary_id]), []),
        }
        for m in messages
    ]


def _files(client: DataverseClient, message_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each message's files (notes on it): their ids, names, types and sizes, never their
    bytes."""
    if not message_ids:
        return {}
    query = (
        Query("annotations")
        .select("annotationid", "filename", "mimetype", "filesize", "_objectid_value")
        .where(in_("_objectid_value", [uuid.UUID(i) for i in message_ids]))
        .order_by("createdon")
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for note in client.query(query):
        if note.get("filename"):
            found.setdefault(str(note.get("_objectid_value")), []).append(
                {
                    "id": str(note.get("annotationid")),
                    "name": note.get("filename"),
                    "type": note.get("mimetype"),
                    "size": note.get("filesize"),
                }
            )
    return found

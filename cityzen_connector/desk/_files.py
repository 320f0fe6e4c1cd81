"""The case's files, and one file's bytes for the agent to open.

A request's photos reach Dataverse as notes on the case: one ``annotation`` per attachment,
bound with ``objectid_incident``, its bytes in ``documentbody`` (base64), written by the
pipeline in the change set that creates the case (``mappings/annotation.toml``; "Use file data
with Attachment and Note records",
https://learn.microsoft.com/power-apps/developer/data-platform/attachment-annotation-files).
The conversation's files are notes on its rows (``objectid_cz_casemessage``).

Listing reads the notes' names, types and sizes (``filesize``, "File Size (Bytes)", read-only,
"Note (Annotation) table/entity reference"), never their bytes; opening one reads its
``documentbody`` and proves the note is the case's, or a message's of that case: any other
note, even an existing one, is "no such file" for this case.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.dataverse import DataverseClient, Query, eq
from cityzen_connector.mapping import CONVERSATION

from ._errors import FileNotFoundOnCaseError
from ._rows import retrieve_or_none, uuid_or_none

_C = CONVERSATION
_OBJECT = "_objectid_value"
_REGARDING = "_regardingobjectid_value"


@dataclass(frozen=True)
class DeskFile:
    """A note's file, read whole (a note holds 5 MB by default: maxuploadfilesize)."""

    name: str
    mimetype: str
    data: bytes = field(repr=False)


def case_files(client: DataverseClient, case_id: object) -> list[dict[str, Any]]:
    """The files on the case itself (the citizen's photos, an internal note's file), oldest
    first: id, name, type, size in bytes (``None`` when Dataverse does not say)."""
    query = (
        Query("annotations")
        .select("annotationid", "filename", "mimetype", "filesize", "createdon")
        .where(eq(_OBJECT, uuid.UUID(str(case_id))))
        .order_by("createdon")
    )
    return [
        {
            "id": str(note["annotationid"]),
            "name": note.get("filename"),
            "type": note.get("mimetype"),
            "size": note.get("filesize") if isinstance(note.get("filesize"), int) else None,
            "created_at": note.get("createdon"),
        }
        for note in client.query(query)
        if note.get("filename")
    ]


def open_file(client: DataverseClient, case_id: object, note_id: uuid.UUID) -> DeskFile:
    """The bytes of a note on the case (or on one of its messages); else ``FileNotFound…``."""
    case = uuid_or_none(case_id)
    note = retrieve_or_none(
        client, "annotations", note_id, ("filename", "mimetype", "documentbody", _OBJECT)
    )
    if note is None or not note.get("filename") or not note.get("documentbody"):
        raise FileNotFoundOnCaseError("no such file on this case")
    owner = uuid_or_none(note.get(_OBJECT))
    if owner != case:
        # A message's file: the message must be about this case.
        message = (
            None if owner is None else retrieve_or_none(client, _C.entity_set, owner, (_REGARDING,))
        )
        if message is None or uuid_or_none(message.get(_REGARDING)) != case:
            raise FileNotFoundOnCaseError("no such file on this case")
    try:
        data = base64.b64decode(str(note["documentbody"]), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FileNotFoundOnCaseError("this note's file is unreadable") from exc
    return DeskFile(str(note["filename"]), str(note.get("mimetype") or ""), data)

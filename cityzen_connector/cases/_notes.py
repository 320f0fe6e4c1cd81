"""The files an agent attaches to a message: notes (``annotation``) whose ``objectid`` is the
conversation row (``objectid_cz_casemessage``; "A custom activity table must have a
relationship to notes", docs/cases.md). Read from Dataverse: the list when the message's event
arrives (name, the type its bytes prove, size, the note's id), a file's bytes when the citizen
downloads it. The bytes are never logged nor stored by the connector.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from cityzen_connector.dataverse import DataverseClient, Query, eq

__all__ = ["DataverseNotes", "MessageNotes"]

OCTET_STREAM = "application/octet-stream"


class MessageNotes(Protocol):
    def files_of(self, row_id: uuid.UUID) -> list[Mapping[str, Any]]:
        """Each file of the message, oldest first: ``note_id``, ``name``, ``type``, ``size``."""
        ...

    def content(self, note_id: uuid.UUID) -> bytes | None:
        """The file's bytes, ``None`` when the note is gone or holds no file."""
        ...


class DataverseNotes:
    """``MessageNotes`` over the Web API; ``sniff`` says what the bytes are (``None``:
    unknown, served as ``application/octet-stream``)."""

    def __init__(self, client: DataverseClient, sniff: Callable[[bytes], str | None]) -> None:
        self._client, self._sniff = client, sniff

    def files_of(self, row_id: uuid.UUID) -> list[Mapping[str, Any]]:
        query = (
            Query("annotations")
            .select("annotationid", "filename", "documentbody")
            .where(eq("_objectid_value", row_id))
            .order_by("createdon")
        )
        files: list[Mapping[str, Any]] = []
        for note in self._client.query(query):
            data = _decoded(note.get("documentbody"))
            if data is None:
                continue  # a note without a file (text only) is not an attachment
            name = str(note.get("filename") or "fichier")[:200]
            files.append(
                {
                    "note_id": str(note["annotationid"]),
                    "name": name,
                    "type": self._sniff(data) or OCTET_STREAM,
                    "size": len(data),
                }
            )
        return files

    def content(self, note_id: uuid.UUID) -> bytes | None:
        query = Query("annotations").select("documentbody").where(eq("annotationid", note_id))
        found = self._client.first(query)
        return _decoded(found.get("documentbody")) if found is not None else None


def _decoded(body: object) -> bytes | None:
    if not isinstance(body, str) or not body:
        return None
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None

"""Render plan values the way the Dataverse Web API reads them (still no I/O).

- Key segments: ``(3fa8…)`` for a primary id, ``(cz_submissionid='…')`` for alternate keys
  ("Use an alternate key to reference a record", Microsoft Learn); string literals in single
  quotes with quotes doubled (OData ABNF ``SQUOTE-in-string``). Percent-encoding the URL is the
  transport's job.
- Lookups: ``"<navigation property>@odata.bind": "/<entity set>(<key>)"``, or ``"$<n>"`` for a
  record created earlier in the same change set ("Reference URIs in an operation", OData 4.01
  JSON batch / Dataverse ``$batch``).
- Attachment bytes: ``documentbody`` is base64 text (annotation EntityType, Microsoft Learn).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from ._errors import PlanError
from ._plan_types import Bind, ContentRef, LookupRef, Operation, RecordRef, Scalar


def odata_literal(value: Scalar | UUID) -> str:
    """An OData URL literal: GUIDs and numbers bare, booleans lower-case, strings quoted."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, UUID | int | float):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return "null"


def key_segment(key: tuple[tuple[str, Scalar], ...], *, primary_id: str | None = None) -> str:
    """``(guid)`` when keyed by the primary id, else ``(col1=v1,col2=v2)``."""
    if len(key) == 1 and key[0][0] == primary_id:
        return f"({UUID(str(key[0][1]))})"
    return "(" + ",".join(f"{column}={odata_literal(value)}" for column, value in key) + ")"


def operation_path(operation: Operation) -> str:
    """The operation's resource path relative to the service root, e.g. ``contacts(...)``."""
    return operation.entity_set + key_segment(operation.key, primary_id=operation.primary_id)


def bind_value(bind: Bind, lookups: Mapping[LookupRef, UUID]) -> str:
    if isinstance(bind, ContentRef):
        return f"${bind.content_id}"
    if isinstance(bind, RecordRef):
        segment = f"({bind.id})" if bind.id is not None else key_segment(bind.key)
        return f"/{bind.entity_set}{segment}"
    found = lookups.get(bind)
    if found is None:
        raise PlanError(
            "unresolved_lookup",
            f"no {bind.entity_set} record has this {bind.column} (check the routing and subjects)",
        )
    return f"/{bind.entity_set}({found})"


def wire_body(
    operation: Operation,
    *,
    lookups: Mapping[LookupRef, UUID],
    blobs: Mapping[str, bytes],
) -> dict[str, Any]:
    """The JSON body to send: columns, ``@odata.bind`` lookups and base64 attachment bytes.

    ``blobs`` maps blob names to bytes; each is checked against the reference's size and
    SHA-256 so a swapped or truncated blob is never attached to a case.
    """
    body: dict[str, Any] = dict(operation.body)
    for column, bind in operation.binds.items():
        body[f"{column}@odata.bind"] = bind_value(bind, lookups)
    for column, content in operation.blobs.items():
        data = blobs.get(content.blob_name)
        if data is None:
            raise KeyError(content.blob_name)
        if len(data) != content.size or hashlib.sha256(data).hexdigest() != content.sha256:
            raise PlanError("attachment_mismatch", "an attachment's bytes do not match its hash")
        body[column] = base64.b64encode(data).decode("ascii")
    return body

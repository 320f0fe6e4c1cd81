"""What the server sets or checks on every row it writes, whatever the table: the owner's business
unit, a case's number, computed columns (``fullname``), SystemRequired columns, and the error
for a key that addresses no row (Microsoft Learn: "Create a table row", "Use alternate keys")."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._store import Store

TARGETS = "__targets"  # per-row map: lookup column → logical name of the referenced table
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def set_business_unit(store: Store, data: dict[str, Any]) -> None:
    """``owningbusinessunit``: the owning user's (or team's) business unit, set by the server."""
    owner_kind = data.get(TARGETS, {}).get("ownerid", "systemuser")
    owner = store.get(owner_kind, str(data.get("ownerid")))
    if owner is not None and owner.data.get("businessunitid"):
        data["owningbusinessunit"] = owner.data["businessunitid"]
        data.setdefault(TARGETS, {})["owningbusinessunit"] = "businessunit"


def ticket_number(store: Store, record_id: str) -> str:
    """A new case's ``ticketnumber``."""
    # Case numbers look like CAS-01234-A1B2C3 (auto-number: prefix, sequence, random part).
    number = store.next_counter("ticketnumber")
    digest = uuid.uuid5(uuid.NAMESPACE_OID, record_id).int
    suffix = "".join(_ALPHABET[(digest >> (6 * i)) % 36] for i in range(6))
    return f"CAS-{number:05d}-{suffix}"


def compute_columns(entity: Entity, data: dict[str, Any]) -> None:
    """Columns the server computes from others (a contact's ``fullname``, a note's
    ``filesize``)."""
    for attr in entity.attributes.values():
        if attr.computed == "fullname":
            parts = [data.get("firstname"), data.get("lastname")]
            data[attr.name] = " ".join(p for p in parts if p) or None
        elif attr.computed == "filesize":
            # "Note (Annotation) table/entity reference": FileSize, "File Size (Bytes)", is
            # read-only, set by Dataverse from documentbody (base64 text of the file).
            data[attr.name] = _decoded_size(data.get("documentbody"))


def _decoded_size(body: Any) -> int | None:
    if not isinstance(body, str) or not body:
        return None
    try:
        return len(base64.b64decode(body, validate=True))
    except ValueError:
        return None


def check_required(entity: Entity, data: dict[str, Any]) -> None:
    """A SystemRequired column left empty is refused, as Dataverse refuses it."""
    for attr in entity.attributes.values():
        if attr.required == "SystemRequired" and data.get(attr.name) in (None, ""):
            if entity.logical_name == "incident" and attr.name == "customerid":
                raise err.bad_request("You should specify a parent contact or account.")
            raise err.bad_request(
                f"Attribute '{attr.name}' of entity '{entity.logical_name}' is required "
                "(SystemRequired) and cannot be null."
            )


def missing(entity: Entity, values: dict[str, Any]) -> ODataError:
    """The 404 for a key (the id, or an alternate key's values) that addresses no row."""
    if set(values) == {entity.primary_id}:
        return err.record_not_found(entity.logical_name, str(values[entity.primary_id]))
    return ODataError(
        404,
        "0x80040217",
        f"A record with the specified key values does not exist in {entity.logical_name} entity",
    )

"""Record operations: validate a payload against metadata, create, update, upsert, delete.

Behaviour follows "Create a table row", "Update and delete table rows", "Perform conditional
operations" and "Use alternate keys" on Microsoft Learn (power-apps/developer/data-platform/
webapi/…): system columns are set by the server, ``@odata.bind`` resolves lookups by id, by
alternate key or by ``$n`` Content-ID, and only Active keys can address a row.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

from cityzen_connector._clock import WallClock
from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._activities import refuse_parties
from cityzen_connector.emulator._annotations import Annotations
from cityzen_connector.emulator._errors import ODataError
from cityzen_connector.emulator._http import (
    BASE_PATH,
    Caller,
    KeyValue,
    Request,
    parse_key,
    parse_segment,
)
from cityzen_connector.emulator._impersonation import audit
from cityzen_connector.emulator._schema import Attribute, Entity, Key, Schema
from cityzen_connector.emulator._secrets import seal
from cityzen_connector.emulator._security import key_refusal
from cityzen_connector.emulator._sql import format_datetime
from cityzen_connector.emulator._states import settle_state
from cityzen_connector.emulator._store import ROW_VERSION, Row, Store
from cityzen_connector.emulator._values import convert_value
from cityzen_connector.emulator._write_events import Write, WriteObserver

TARGETS = "__targets"  # per-row map: lookup column → logical name of the referenced table
_STATE_COLUMNS = frozenset({"statecode", "statuscode"})
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Records:
    def __init__(
        self,
        *,
        schema: Schema,
        store: Store,
        clock: WallClock,
        caller_id: str,
        key_activation_seconds: float,
        persist_metadata: Callable[[], None],
    ) -> None:
        self.schema = schema
        self.store = store
        self.clock = clock
        self.caller_id = caller_id
        self.key_activation_seconds = key_activation_seconds
        self._persist_metadata = persist_metadata
        # The event pipeline (``_pipeline``), told of every write; None: no events.
        self.observer: WriteObserver | None = None

    # -- keys ------------------------------------------------------------------------------
    def key_status(self, entity: Entity, key: Key) -> str:
        """Pending → Active (or Failed on duplicates) once the index build delay has passed."""
        due = key.created_at + self.key_activation_seconds
        if key.status == "Pending" and self.clock().timestamp() >= due:
            failed = self.store.duplicates(entity.logical_name, key.attributes)
            key.status = "Failed" if failed else "Active"
            self._persist_metadata()
        return key.status

    def active_keys(self, entity: Entity) -> list[Key]:
        return [k for k in entity.keys.values() if self.key_status(entity, k) == "Active"]

    def locate(self, entity: Entity, raw_key: str) -> tuple[str | None, dict[str, Any]]:
        """(existing row id or None, column values the key implies for an upsert-create)."""
        single, values = parse_key(raw_key)
        if single is not None:
            row = self.store.get(entity.logical_name, single)
            return (row.id if row else None), {entity.primary_id: single}
        converted = self._key_values(entity, values)
        if set(converted) == {entity.primary_id}:
            record_id = str(converted[entity.primary_id])
            row = self.store.get(entity.logical_name, record_id)
            return (row.id if row else None), converted
        wanted = set(converted)
        if not any(set(k.attributes) == wanted for k in self.active_keys(entity)):
            raise key_refusal(entity.logical_name, wanted) or err.key_not_usable(
                entity.logical_name
            )
        ids = self.store.find(entity.logical_name, converted)
        return (ids[0] if ids else None), converted

    def add_key_values(
        self, entity: Entity, changes: dict[str, Any], key_values: dict[str, Any]
    ) -> None:
        """An upsert that creates takes its key's values from the URL, as Dataverse does; a
        lookup part must name an existing row of the lookup's (single) target table."""
        for name, value in key_values.items():
            if name in changes:
                continue
            changes[name] = value
            attr = entity.attributes[name]
            if attr.is_lookup and len(attr.targets) == 1:
                target = next(iter(attr.targets))
                if self.store.get(target, str(value)) is None:
                    raise err.record_not_found(target, str(value))
                changes.setdefault(TARGETS, {})[name] = target

    def _key_values(self, entity: Entity, values: dict[str, KeyValue]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in values.items():
            attr = entity.attributes.get(name)
            if attr is None:
                raise err.key_not_usable(entity.logical_name)
            out[name] = self.convert(entity, attr, value, entity.entity_set)
        return out

    def get(self, entity: Entity, raw_key: str) -> Row:
        record_id, values = self.locate(entity, raw_key)
        row = self.store.get(entity.logical_name, record_id) if record_id else None
        if row is None:
            raise _missing(entity, values)
        return row

    # -- payloads --------------------------------------------------------------------------
    def convert(self, entity: Entity, attr: Attribute, value: object, entity_set: str) -> Any:
        return convert_value(entity, attr, value, entity_set)

    def changes(self, entity: Entity, payload: dict[str, Any], req: Request) -> dict[str, Any]:
        """Validated column values of a create/update body (binds resolved)."""
        out: dict[str, Any] = {}
        targets: dict[str, str] = {}
        for name, value in payload.items():
            if name.startswith("@"):
                continue
            if name.endswith("@odata.bind"):
                nav = name[: -len("@odata.bind")]
                attr, target = self._bind(entity, nav, value, req)
                if attr.readonly:
                    continue  # createdby and the like are set by the server, as columns are
                out[attr.name] = target[1]
                targets[attr.name] = target[0]
                continue
            if "@" in name:
                continue  # instance annotations on a property are ignored, as OData allows
            if self._navigation_value(entity, name, value):
                # "Disassociate table rows on update": a single-valued navigation property
                # set to null clears its lookup (Associate and disassociate … using the Web API).
                attr, target = self._bind(entity, name, None, req)
                out[attr.name], targets[attr.name] = None, target[0]
                continue
            column = entity.attributes.get(name)
            if column is None or column.is_lookup:
                refuse_parties(entity, name)  # activity parties: not emulated, said so
                raise err.undeclared_property(entity.entity_set, name, entity.logical_name)
            if column.readonly or (name == entity.primary_id and value is None):
                continue
            out[name] = self.convert(entity, column, value, entity.entity_set)
        if targets:
            out[TARGETS] = targets
        return out

    def _navigation_value(self, entity: Entity, name: str, value: object) -> bool:
        """True for ``"<lookup navigation>": null``; a related row or list of rows written
        inline is deep insert, refused by name."""
        single = entity.navigation(name) is not None
        many = self.schema.relationships.collection(entity.logical_name, name) is not None
        if (single or many) and isinstance(value, dict | list):
            raise err.not_emulated(
                f"deep insert (the related rows written inline in '{name}')",
                "Create a table row using the Web API, Create related table rows in one operation",
                code="0x80048d19",
            )
        return single and value is None

    def _bind(
        self, entity: Entity, nav: str, value: object, req: Request
    ) -> tuple[Attribute, tuple[str, str | None]]:
        if nav == "ownerid" and entity.attributes.get("ownerid") is not None:
            attr = entity.attributes["ownerid"]
            allowed = set(attr.targets)
        else:
            found = entity.navigation(nav)
            if found is None:
                raise err.undeclared_property(entity.entity_set, nav, entity.logical_name)
            attr, target_name = found
            allowed = {target_name}
        if value is None:
            return attr, (next(iter(allowed)), None)
        if not isinstance(value, str):
            raise err.payload_error(
                entity.entity_set, f"The value of '{nav}@odata.bind' must be a URI."
            )
        ref = self.resolve_reference(value, req)
        target = self.schema.entity_for_set(ref[0])
        if target is None:
            raise err.segment_not_found(ref[0])
        if target.logical_name not in allowed:
            raise err.payload_error(
                entity.entity_set,
                f"The entity set '{target.entity_set}' cannot be bound to '{nav}'.",
            )
        record_id, values = self.locate(target, ref[1])
        if record_id is None:
            raise _missing(target, values)
        return attr, (target.logical_name, record_id)

    def resolve_reference(self, value: str, req: Request) -> tuple[str, str]:
        """``/contacts(…)``, ``contacts(…)``, an absolute URL or ``$1`` → (entity set, key)."""
        text = value.strip()
        if text.startswith("$"):
            resolved = req.content_ids.get(text[1:])
            if resolved is None:
                raise err.bad_request(
                    f"Content-ID Reference: '{text}' does not exist in the batch context."
                )
            text = resolved
        if BASE_PATH in text:
            text = text.split(BASE_PATH, 1)[1]
        text = text.lstrip("/")
        segment = parse_segment(text)
        if segment.key is None:
            raise err.bad_request(f"The URI '{value[:200]}' does not address a single record.")
        return segment.name, segment.key

    # -- writes ----------------------------------------------------------------------------
    def create(
        self,
        entity: Entity,
        changes: dict[str, Any],
        *,
        caller: Caller | None = None,
        duplicate_empty_code: bool = False,
    ) -> Row:
        who = caller or Caller(self.caller_id)
        now = format_datetime(self.clock())
        record_id = changes.get(entity.primary_id) or str(uuid.uuid4())
        if self.store.get(entity.logical_name, record_id) is not None:
            raise err.already_exists(empty_code=duplicate_empty_code)
        data: dict[str, Any] = {}
        for attr in entity.attributes.values():
            if attr.default is not None:
                data[attr.name] = attr.default
        data.update(changes)
        data[entity.primary_id] = record_id
        data["createdon"] = now
        data["modifiedon"] = now
        audit(data, who, created=True)
        settle_state(entity, None, data, changes, "Create")
        targets = dict(data.get(TARGETS, {}))
        if "ownerid" in entity.attributes and not data.get("ownerid"):
            # "Impersonate another user using the Web API": a row created on behalf of a user
            # is owned by that user.
            data["ownerid"] = who.user_id
            targets["ownerid"] = "systemuser"
        if targets:
            data[TARGETS] = targets
        if "owningbusinessunit" in entity.attributes:
            self._set_business_unit(data)
        if entity.logical_name == "incident":
            data["ticketnumber"] = self._ticket_number(record_id)
        if entity.logical_name == "knowledgearticle" and not data.get("articlepublicnumber"):
            # "automatically generated ID exposed to customers" (knowledgearticle reference);
            # the format is an organisation's auto-number setting: ours is KA-00001.
            number = self.store.next_counter("articlepublicnumber")
            data["articlepublicnumber"] = f"KA-{number:05d}"
        self._computed(entity, data)
        seal(entity, data, changes)
        self._required(entity, data)
        self._unique(entity, data, record_id)
        if self.observer is not None:
            self.observer.check(entity, data, None)
        row = Row(record_id, data, self.store.next_counter(ROW_VERSION))
        data["versionnumber"] = row.version
        self.store.insert(entity.logical_name, row)
        if self.observer is not None:
            sent = {k: v for k, v in changes.items() if k != TARGETS}
            self.observer.written(Write("Create", "Create", entity, None, row, sent, who))
        return row

    def update(
        self,
        entity: Entity,
        row: Row,
        changes: dict[str, Any],
        *,
        caller: Caller | None = None,
        message: str = "Update",
    ) -> Row:
        """ "Behavior of specialized update operations" (Microsoft Learn,
        https://learn.microsoft.com/power-apps/developer/data-platform/special-update-operation-behavior):
        an update of state/status fields plus other fields is processed once for the other
        fields, then once for the state/status fields: two operations, two row versions, and
        Update steps run for each. The caller's transaction makes them one change."""
        state = {k: v for k, v in changes.items() if k in _STATE_COLUMNS}
        others = {k: v for k, v in changes.items() if k not in _STATE_COLUMNS}
        if entity.states and state and set(others) - {TARGETS, entity.primary_id}:
            row = self._update(entity, row, others, caller, "Update")
            changes = state
        return self._update(entity, row, changes, caller, message)

    def _update(
        self,
        entity: Entity,
        row: Row,
        changes: dict[str, Any],
        caller: Caller | None,
        message: str,
    ) -> Row:
        who = caller or Caller(self.caller_id)
        data = dict(row.data)
        targets = dict(data.get(TARGETS, {}))
        targets.update(changes.pop(TARGETS, {}))
        changes.pop(entity.primary_id, None)
        data.update(changes)
        if targets:
            data[TARGETS] = targets
        settle_state(entity, row.data, data, changes, message)
        data["modifiedon"] = format_datetime(self.clock())
        audit(data, who, created=False)
        self._computed(entity, data)
        seal(entity, data, changes)
        self._required(entity, data)
        self._unique(entity, data, row.id)
        if self.observer is not None:
            self.observer.check(entity, data, row)
        new = Row(row.id, data, self.store.next_counter(ROW_VERSION))
        data["versionnumber"] = new.version
        self.store.replace(entity.logical_name, new)
        if self.observer is not None:
            sent = dict(changes)
            self.observer.written(Write("Update", message, entity, row, new, sent, who))
        return new

    def _set_business_unit(self, data: dict[str, Any]) -> None:
        owner_kind = data.get(TARGETS, {}).get("ownerid", "systemuser")
        owner = self.store.get(owner_kind, str(data.get("ownerid")))
        if owner is not None and owner.data.get("businessunitid"):
            data["owningbusinessunit"] = owner.data["businessunitid"]
            data.setdefault(TARGETS, {})["owningbusinessunit"] = "businessunit"

    def _ticket_number(self, record_id: str) -> str:
        # Case numbers look like CAS-01234-A1B2C3 (auto-number: prefix, sequence, random part).
        number = self.store.next_counter("ticketnumber")
        digest = uuid.uuid5(uuid.NAMESPACE_OID, record_id).int
        suffix = "".join(_ALPHABET[(digest >> (6 * i)) % 36] for i in range(6))
        return f"CAS-{number:05d}-{suffix}"

    def _computed(self, entity: Entity, data: dict[str, Any]) -> None:
        for attr in entity.attributes.values():
            if attr.computed == "fullname":
                parts = [data.get("firstname"), data.get("lastname")]
                data[attr.name] = " ".join(p for p in parts if p) or None
            elif attr.computed == "filesize":
                # "Note (Annotation) table/entity reference": FileSize, "File Size (Bytes)", is
                # read-only, set by Dataverse from documentbody (base64 text of the file).
                data[attr.name] = _decoded_size(data.get("documentbody"))

    def _required(self, entity: Entity, data: dict[str, Any]) -> None:
        for attr in entity.attributes.values():
            if attr.required == "SystemRequired" and data.get(attr.name) in (None, ""):
                if entity.logical_name == "incident" and attr.name == "customerid":
                    raise err.bad_request("You should specify a parent contact or account.")
                raise err.bad_request(
                    f"Attribute '{attr.name}' of entity '{entity.logical_name}' is required "
                    "(SystemRequired) and cannot be null."
                )

    def _unique(self, entity: Entity, data: dict[str, Any], record_id: str) -> None:
        for key in self.active_keys(entity):
            values = {name: data.get(name) for name in key.attributes}
            if any(v is None for v in values.values()):
                continue
            clash = [i for i in self.store.find(entity.logical_name, values) if i != record_id]
            if clash:
                shown = ",".join(str(v) for v in values.values())
                raise err.duplicate_key_value(f"({shown})", key.schema_name)

    # -- reads -----------------------------------------------------------------------------
    def serialize(
        self,
        entity: Entity,
        row: Row,
        select: list[str] | None,
        annotations: Annotations | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {"@odata.etag": f'W/"{row.version}"'}
        names = select if select is not None else list(entity.attributes)
        targets = row.data.get(TARGETS, {})
        for name in names:
            attr = entity.lookup_by_value_name(name) or entity.attributes[name]
            value = row.data.get(attr.name)
            key = f"_{attr.name}_value" if attr.is_lookup else attr.name
            if annotations is not None and value is not None:
                target = targets.get(attr.name, next(iter(attr.targets), None))
                for term, note in annotations.notes(self.schema, self.store, attr, value, target):
                    out[f"{key}@{term}"] = note
            out[key] = value
        out[entity.primary_id] = row.id
        return out


def _missing(entity: Entity, values: dict[str, Any]) -> ODataError:
    if set(values) == {entity.primary_id}:
        return err.record_not_found(entity.logical_name, str(values[entity.primary_id]))
    return ODataError(
        404,
        "0x80040217",
        f"A record with the specified key values does not exist in {entity.logical_name} entity",
    )


def _decoded_size(body: Any) -> int | None:
    if not isinstance(body, str) or not body:
        return None
    try:
        return len(base64.b64decode(body, validate=True))
    except ValueError:
        return None

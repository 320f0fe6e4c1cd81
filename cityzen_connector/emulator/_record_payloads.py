"""A create or update body → validated column values: ``@odata.bind`` resolved by id, by
alternate key or by ``$n`` Content-ID, a lookup's navigation set to null cleared, deep insert
refused by name (Microsoft Learn: "Create a table row", "Associate and disassociate table rows
using the Web API", "Use alternate keys")."""

from __future__ import annotations

from typing import Any, Protocol

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._activities import refuse_parties
from cityzen_connector.emulator._http import BASE_PATH, Request, parse_segment
from cityzen_connector.emulator._record_rules import TARGETS, missing
from cityzen_connector.emulator._schema import Attribute, Entity, Schema


class Locator(Protocol):
    """What a body needs of the records layer (``_records.Records``): the schema, a key's row
    and a value's conversion."""

    schema: Schema

    def locate(self, entity: Entity, raw_key: str) -> tuple[str | None, dict[str, Any]]: ...

    def convert(self, entity: Entity, attr: Attribute, value: object, entity_set: str) -> Any: ...


def payload_changes(
    records: Locator, entity: Entity, payload: dict[str, Any], req: Request
) -> dict[str, Any]:
    """Validated column values of a create/update body (binds resolved)."""
    out: dict[str, Any] = {}
    targets: dict[str, str] = {}
    for name, value in payload.items():
        if name.startswith("@"):
            continue
        if name.endswith("@odata.bind"):
            nav = name[: -len("@odata.bind")]
            attr, target = _bind(records, entity, nav, value, req)
            if attr.readonly:
                continue  # createdby and the like are set by the server, as columns are
            out[attr.name] = target[1]
            targets[attr.name] = target[0]
            continue
        if "@" in name:
            continue  # instance annotations on a property are ignored, as OData allows
        if _navigation_value(records, entity, name, value):
            # "Disassociate table rows on update": a single-valued navigation property
            # set to null clears its lookup (Associate and disassociate … using the Web API).
            attr, target = _bind(records, entity, name, None, req)
            out[attr.name], targets[attr.name] = None, target[0]
            continue
        column = entity.attributes.get(name)
        if column is None or column.is_lookup:
            refuse_parties(entity, name)  # activity parties: not emulated, said so
            raise err.undeclared_property(entity.entity_set, name, entity.logical_name)
        if column.readonly or (name == entity.primary_id and value is None):
            continue
        out[name] = records.convert(entity, column, value, entity.entity_set)
    if targets:
        out[TARGETS] = targets
    return out


def _navigation_value(records: Locator, entity: Entity, name: str, value: object) -> bool:
    """True for ``"<lookup navigation>": null``; a related row or list of rows written
    inline is deep insert, refused by name."""
    single = entity.navigation(name) is not None
    many = records.schema.relationships.collection(entity.logical_name, name) is not None
    if (single or many) and isinstance(value, dict | list):
        raise err.not_emulated(
            f"deep insert (the related rows written inline in '{name}')",
            "Create a table row using the Web API, Create related table rows in one operation",
            code="0x80048d19",
        )
    return single and value is None


def _bind(
    records: Locator, entity: Entity, nav: str, value: object, req: Request
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
    ref = resolve_reference(value, req)
    target = records.schema.entity_for_set(ref[0])
    if target is None:
        raise err.segment_not_found(ref[0])
    if target.logical_name not in allowed:
        raise err.payload_error(
            entity.entity_set,
            f"The entity set '{target.entity_set}' cannot be bound to '{nav}'.",
        )
    record_id, values = records.locate(target, ref[1])
    if record_id is None:
        raise missing(target, values)
    return attr, (target.logical_name, record_id)


def resolve_reference(value: str, req: Request) -> tuple[str, str]:
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

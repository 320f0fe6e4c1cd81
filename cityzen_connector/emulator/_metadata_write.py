"""Metadata writes, as provisioning sends them (Microsoft Learn: "Create and update column
definitions using the Web API", "Define alternate keys using the Web API", "InsertOptionValue
Action"). A choice column is a local one, its options in ``OptionSet.Options`` ("Create a choice
column"); one bound to a global choice (``GlobalOptionSet@odata.bind``) is refused by name. A
new key's index is ``Pending`` until the configured delay has passed on the injected clock;
``Records.key_status`` then makes it ``Active`` (or ``Failed`` on duplicates).
"""

from __future__ import annotations

import re
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._context import HandlerContext
from cityzen_connector.emulator._http import Request, Response, json_response
from cityzen_connector.emulator._schema import NAME_RE, Attribute, Entity, Key

_CRM = "Microsoft.Dynamics.CRM."
_TYPES = {
    "StringAttributeMetadata": "String",
    "MemoAttributeMetadata": "Memo",
    "IntegerAttributeMetadata": "Integer",
    "DecimalAttributeMetadata": "Decimal",
    "DoubleAttributeMetadata": "Double",
    "DateTimeAttributeMetadata": "DateTime",
    # "Create a Boolean column" (Microsoft Learn): a two-option set, stored as true/false.
    "BooleanAttributeMetadata": "Boolean",
    "PicklistAttributeMetadata": "Picklist",
}
_CHOICES_PAGE = "Create and update column definitions using the Web API"
_MAX_OPTIONS = 1000
# "ComplexEntityMetadata ComplexType" (Microsoft Learn, Web API reference): the tables of a
# CreateEntities request hold their columns as ComplexAttributeMetadata, each concrete type
# named Complex<Type>AttributeMetadata (ComplexStringAttributeMetadata…).
COMPLEX = "Complex"
SCHEMA_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]{1,90}$")
# Column types Dataverse allows in an alternate key ("Define alternate keys", Microsoft Learn).
_KEYABLE = frozenset(
    {
        "String",
        "Integer",
        "Decimal",
        "DateTime",
        "DateOnly",
        "Lookup",
        "Picklist",
        "Uniqueidentifier",
    }
)


def create_attribute(context: HandlerContext, entity: Entity, req: Request) -> Response:
    body = req.json_body("EntityDefinitions")
    attr = parse_attribute(entity, body)
    # Copy-on-write: requests served concurrently may be iterating the old mapping.
    entity.attributes = {**entity.attributes, attr.name: attr}
    context.persist_metadata()
    url = f"{req.service_root}{addressed(req)}/Attributes({attr.metadata_id})"
    return Response(204, [("OData-EntityId", url)])


def addressed(req: Request) -> str:
    """The table definition as the request named it: "Create and update column definitions
    using the Web API" answers ``POST …/EntityDefinitions(LogicalName='sample_bankaccount')/
    Attributes`` with ``OData-EntityId: …/EntityDefinitions(LogicalName='sample_bankaccount')/
    Attributes(<id>)``; Microsoft's Python SDK reads a new key's id from the first GUID in
    parentheses there, so a reply naming the table by its MetadataId misleads it."""
    return req.path.split("/", 1)[0]


def parse_attribute(entity: Entity, body: dict[str, Any], *, complex: bool = False) -> Attribute:
    """A column definition as "Create and update column definitions using the Web API" sends
    it (``complex``: as a CreateEntities table holds it, ``Complex<Type>AttributeMetadata``)."""
    odata_type = str(body.get("@odata.type"))
    prefix = _CRM + (COMPLEX if complex else "")
    kind = _TYPES.get(odata_type.removeprefix(prefix)) if odata_type.startswith(prefix) else None
    schema_name = str(body.get("SchemaName", ""))
    if kind is None:
        raise err.bad_request(f"Unsupported attribute type {odata_type[:100]}.")
    if not SCHEMA_NAME_RE.match(schema_name):
        raise err.bad_request(
            "The SchemaName must start with a customization prefix and an underscore."
        )
    name = schema_name.lower()
    if name in entity.attributes or not NAME_RE.match(name):
        raise err.bad_request(f"An attribute named {name} already exists on {entity.logical_name}.")
    if kind == "DateTime" and body.get("Format") == "DateOnly":
        kind = "DateOnly"
    max_length = body.get("MaxLength")
    if kind in ("String", "Memo"):
        limit = 4000 if kind == "String" else 1_048_576
        if (
            isinstance(max_length, bool)
            or not isinstance(max_length, int)
            or not 1 <= max_length <= limit
        ):
            raise err.bad_request(f"MaxLength must be an integer between 1 and {limit}.")
    required = body.get("RequiredLevel", {})
    level = required.get("Value", "None") if isinstance(required, dict) else "None"
    options = _options(body, complex=complex) if kind == "Picklist" else {}
    return Attribute(
        name=name,
        type=kind,
        max_length=max_length if kind in ("String", "Memo") else None,
        required="ApplicationRequired" if level == "ApplicationRequired" else "None",
        options=options,
        default=_default(body, kind, options),
        custom=True,
        precision=body.get("Precision") if isinstance(body.get("Precision"), int) else None,
        schema_name=schema_name,
    )


def _options(body: dict[str, Any], *, complex: bool) -> dict[int, str]:
    """A local choice's options: ``OptionSet`` an ``OptionSetMetadata`` (in a CreateEntities
    table, ``ComplexOptionSetMetadata``) whose ``Options`` give each ``Value`` and ``Label``."""
    if "GlobalOptionSet@odata.bind" in body:
        raise err.not_emulated("choice columns bound to a global choice", _CHOICES_PAGE)
    option_set = body.get("OptionSet")
    expected = f"{_CRM}{COMPLEX if complex else ''}OptionSetMetadata"
    if not isinstance(option_set, dict) or option_set.get("@odata.type", expected) != expected:
        raise err.bad_request(f"A choice column needs its OptionSet, a {expected}.")
    if option_set.get("IsGlobal") is True:
        raise err.not_emulated("global choices (OptionSet IsGlobal true)", _CHOICES_PAGE)
    raw = option_set.get("Options")
    if not isinstance(raw, list) or not 1 <= len(raw) <= _MAX_OPTIONS:
        raise err.bad_request(f"OptionSet.Options must list between 1 and {_MAX_OPTIONS} options.")
    options: dict[int, str] = {}
    for option in raw:
        value = option.get("Value") if isinstance(option, dict) else None
        text = _label_text(option.get("Label")) if isinstance(option, dict) else None
        if isinstance(value, bool) or not isinstance(value, int) or text is None:
            raise err.bad_request("Each option needs an integer Value and a Label.")
        if value in options:
            raise err.bad_request(f"An option with the value {value} already exists.")
        options[value] = text
    return options


def _label_text(raw: object) -> str | None:
    """The text of a ``Label``: its first localized label (the schema keeps one per option)."""
    labels = raw.get("LocalizedLabels") if isinstance(raw, dict) else None
    first = labels[0] if isinstance(labels, list) and labels else None
    text = first.get("Label") if isinstance(first, dict) else None
    return text if isinstance(text, str) and text else None


def _default(body: dict[str, Any], kind: str, options: dict[int, str]) -> int | None:
    """A yes/no column's ``DefaultValue``, a choice's ``DefaultFormValue`` (-1 or none: no
    default): what a row created without the column gets ("Create a Boolean column")."""
    if kind == "Boolean":
        value = body.get("DefaultValue")
        return value if isinstance(value, bool) else None
    if kind == "Picklist":
        value = body.get("DefaultFormValue")
        if value is None or value == -1:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value not in options:
            raise err.bad_request("DefaultFormValue must be one of the options' values.")
        return value
    return None


def create_key(context: HandlerContext, entity: Entity, req: Request) -> Response:
    body = req.json_body("EntityDefinitions")
    schema_name = str(body.get("SchemaName", ""))
    columns = body.get("KeyAttributes")
    if not SCHEMA_NAME_RE.match(schema_name):
        raise err.bad_request(
            "The SchemaName must start with a customization prefix and an underscore."
        )
    if not isinstance(columns, list) or not 1 <= len(columns) <= 16:
        raise err.bad_request("KeyAttributes must list between 1 and 16 columns.")
    for column in columns:
        attr = entity.attributes.get(str(column))
        if attr is None or attr.type not in _KEYABLE:
            raise err.bad_request(f"The column {str(column)[:100]} cannot be part of a key.")
    if schema_name.lower() in entity.keys:
        raise err.bad_request(f"A key named {schema_name} already exists on {entity.logical_name}.")
    key = Key(schema_name, tuple(str(c) for c in columns), "Pending", context.clock().timestamp())
    entity.keys = {**entity.keys, key.logical_name: key}
    context.persist_metadata()
    url = f"{req.service_root}{addressed(req)}/Keys({key.metadata_id})"
    return Response(204, [("OData-EntityId", url)])


def insert_option_value(context: HandlerContext, req: Request) -> Response:
    if req.method != "POST":
        raise err.method_not_allowed(req.method)
    body = req.json_body("InsertOptionValue")
    entity = context.schema.by_name.get(str(body.get("EntityLogicalName")))
    attr = entity.attributes.get(str(body.get("AttributeLogicalName"))) if entity else None
    if entity is None or attr is None or attr.type != "Picklist":
        raise err.bad_request(
            "EntityLogicalName and AttributeLogicalName must name a choice column."
        )
    labels = (
        (body.get("Label") or {}).get("LocalizedLabels")
        if isinstance(body.get("Label"), dict)
        else None
    )
    if (
        not isinstance(labels, list)
        or not labels
        or not isinstance(labels[0], dict)
        or not isinstance(labels[0].get("Label"), str)
    ):
        raise err.bad_request("Label.LocalizedLabels must hold at least one label.")
    value = body.get("Value")
    if value is None:
        # New values start at the default publisher's option value prefix (10000 → 100000000).
        value = next(v for v in range(100_000_000, 100_010_000) if v not in attr.options)
    if isinstance(value, bool) or not isinstance(value, int):
        raise err.bad_request("Value must be an integer.")
    if value in attr.options:
        raise err.bad_request(f"An option with the value {value} already exists.")
    attr.options = {**attr.options, value: labels[0]["Label"]}
    context.persist_metadata()
    return json_response(
        200,
        {
            "@odata.context": (
                f"{req.service_root}$metadata#Microsoft.Dynamics.CRM.InsertOptionValueResponse"
            ),
            "NewOptionValue": value,
        },
    )

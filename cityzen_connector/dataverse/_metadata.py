"""Table metadata: read entity definitions (cached), create tables (``_metadata_tables``),
columns, alternate keys and option values. Used by provisioning; wire shapes from Microsoft
Learn, "Query table definitions using the Web API", "Create and update column definitions
using the Web API" and "Define alternate keys using the Web API". Alternate key indexes are
built in the background by Dataverse: ``EntityKeyIndexStatus`` goes Pending -> InProgress ->
Active, or Failed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

from cityzen_connector._types import Headers, JsonObject

from ._errors import InvalidRequestError, UnexpectedResponseError
from ._metadata_writes import (
    TableSpec,
    create_key_request,
    create_table_request,
    entity_path,
    insert_option_value_request,
    label,
    local_option_set,
)
from ._odata import check_name
from ._request import DataverseRequest, Expect, WriteResult

R = TypeVar("R")


class Executor(Protocol):
    """What metadata needs of the client: send one request, get what it means."""

    def execute(self, request: DataverseRequest[R]) -> R: ...


ColumnKind = Literal[
    "string", "memo", "integer", "decimal", "boolean", "datetime", "date", "choice"
]
_CRM = "Microsoft.Dynamics.CRM."


@dataclass(frozen=True)
class AlternateKey:
    logical_name: str
    columns: tuple[str, ...]
    index_status: str  # Pending, InProgress, Active or Failed


@dataclass(frozen=True)
class EntityDefinition:
    logical_name: str
    entity_set_name: str
    primary_id_attribute: str
    primary_name_attribute: str | None
    attributes: Mapping[str, str]  # logical name -> AttributeType
    keys: tuple[AlternateKey, ...]
    is_activity: bool = False  # EntityMetadata.IsActivity


@dataclass(frozen=True)
class ColumnSpec:
    """A column to create. ``language_code`` must be a language provisioned in the org
    (1036: French, the base language of a French collectivité's org)."""

    schema_name: str
    kind: ColumnKind
    label: str
    max_length: int = 100
    min_value: float | None = None
    max_value: float | None = None
    precision: int = 2
    required: bool = False
    language_code: int = 1036
    # A choice column's options (value, label), and the value a new row's form starts with.
    options: tuple[tuple[int, str], ...] = ()
    default_option: int | None = None


def entity_definition_request(logical_name: str) -> DataverseRequest[JsonObject]:
    return DataverseRequest(
        "GET",
        entity_path(logical_name),
        f"metadata {logical_name}",
        Expect.RECORD,
        safe_to_repeat=True,
        query=(
            (
                "$select",
                "LogicalName,EntitySetName,PrimaryIdAttribute,PrimaryNameAttribute,IsActivity",
            ),
            (
                "$expand",
                "Attributes($select=LogicalName,AttributeType),"
                "Keys($select=LogicalName,KeyAttributes,EntityKeyIndexStatus)",
            ),
        ),
    )


_TYPES: dict[str, tuple[str, str, str]] = {
    "string": ("StringAttributeMetadata", "String", "StringType"),
    "memo": ("MemoAttributeMetadata", "Memo", "MemoType"),
    "boolean": ("BooleanAttributeMetadata", "Boolean", "BooleanType"),
    "integer": ("IntegerAttributeMetadata", "Integer", "IntegerType"),
    "decimal": ("DecimalAttributeMetadata", "Decimal", "DecimalType"),
    "datetime": ("DateTimeAttributeMetadata", "DateTime", "DateTimeType"),
    "date": ("DateTimeAttributeMetadata", "DateTime", "DateTimeType"),
    "choice": ("PicklistAttributeMetadata", "Picklist", "PicklistType"),
}


def _solution(solution: str | None) -> Headers:
    return Headers({"MSCRM.SolutionUniqueName": check_name(solution)} if solution else {})


def create_column_request(
    table: str, spec: ColumnSpec, *, solution: str | None = None
) -> DataverseRequest[WriteResult]:
    """POST a column definition. A repeat fails on the existing schema name rather than
    creating a second column, so it is safe to repeat."""
    if spec.kind not in _TYPES:
        raise InvalidRequestError(f"unknown column kind {spec.kind!r}")
    odata_type, attribute_type, type_name = _TYPES[spec.kind]
    body: JsonObject = {
        "@odata.type": _CRM + odata_type,
        "SchemaName": check_name(spec.schema_name, "schema name"),
        "AttributeType": attribute_type,
        "AttributeTypeName": {"Value": type_name},
        "DisplayName": label(spec.label, spec.language_code),
        "RequiredLevel": {
            "Value": "ApplicationRequired" if spec.required else "None",
            "CanBeChanged": True,
            "ManagedPropertyLogicalName": "canmodifyrequirementlevelsettings",
        },
    }
    if spec.kind == "string":
        if not 1 <= spec.max_length <= 4000:
            raise InvalidRequestError("string columns hold 1..4000 characters")
        body |= {"MaxLength": spec.max_length, "FormatName": {"Value": "Text"}}
    elif spec.kind == "memo":
        if not 1 <= spec.max_length <= 1_048_576:
            raise InvalidRequestError("memo columns hold 1..1,048,576 characters")
        body |= {"MaxLength": spec.max_length, "Format": "TextArea", "ImeMode": "Auto"}
    elif spec.kind == "boolean":
        # "Create a Boolean column": a two-option set (TrueOption 1 / FalseOption 0).
        body |= {
            "DefaultValue": False,
            "OptionSet": {
                "@odata.type": _CRM + "BooleanOptionSetMetadata",
                "TrueOption": {"Value": 1, "Label": label("Oui", spec.language_code)},
                "FalseOption": {"Value": 0, "Label": label("Non", spec.language_code)},
                "OptionSetType": "Boolean",
            },
        }
    elif spec.kind == "choice":
        # "Create a choice column": a local option set; DefaultFormValue -1 is "no default".
        default = spec.default_option if spec.default_option is not None else -1
        if default != -1 and default not in {value for value, _ in spec.options}:
            raise InvalidRequestError("a choice column's default is one of its options")
        body |= {
            "OptionSet": local_option_set(spec.options, spec.language_code),
            "DefaultFormValue": default,
        }
    elif spec.kind in ("integer", "decimal"):
        bounds = {"MinValue": spec.min_value, "MaxValue": spec.max_value}
        body |= {k: v for k, v in bounds.items() if v is not None}
        body |= {"Format": "None"} if spec.kind == "integer" else {"Precision": spec.precision}
    else:
        date_only = spec.kind == "date"
        body |= {
            "Format": "DateOnly" if date_only else "DateAndTime",
            "DateTimeBehavior": {"Value": "DateOnly" if date_only else "UserLocal"},
        }
    return DataverseRequest(
        "POST",
        entity_path(table) + "/Attributes",
        f"create column on {table}",
        Expect.ENTITY,
        safe_to_repeat=True,
        headers=_solution(solution),
        body=body,
    )


def parse_entity_definition(doc: Mapping[str, Any]) -> EntityDefinition:
    try:
        keys = tuple(
            AlternateKey(
                k["LogicalName"], tuple(k["KeyAttributes"]), str(k["EntityKeyIndexStatus"])
            )
            for k in doc.get("Keys") or ()
        )
        return EntityDefinition(
            logical_name=doc["LogicalName"],
            entity_set_name=doc["EntitySetName"],
            primary_id_attribute=doc["PrimaryIdAttribute"],
            primary_name_attribute=doc.get("PrimaryNameAttribute"),
            attributes={
                a["LogicalName"]: a.get("AttributeType", "") for a in doc.get("Attributes") or ()
            },
            keys=keys,
            is_activity=doc.get("IsActivity") is True,
        )
    except (KeyError, TypeError) as exc:
        raise UnexpectedResponseError("entity definition lacks expected fields") from exc


class Metadata:
    """Entity definitions cached per table; writes drop the table's cached definition."""

    def __init__(
        self, core: Executor, cache: dict[str, EntityDefinition], lock: threading.Lock
    ) -> None:
        self._core = core
        self._cache = cache
        self._lock = lock

    def entity(self, logical_name: str, *, refresh: bool = False) -> EntityDefinition:
        with self._lock:
            cached = self._cache.get(logical_name)
        if isinstance(cached, EntityDefinition) and not refresh:
            return cached
        definition = parse_entity_definition(
            self._core.execute(entity_definition_request(logical_name))
        )
        with self._lock:
            self._cache[logical_name] = definition
        return definition

    def entity_set_name(self, logical_name: str) -> str:
        return self.entity(logical_name).entity_set_name

    def forget(self, logical_name: str) -> None:
        with self._lock:
            self._cache.pop(logical_name, None)

    def create_table(self, spec: TableSpec, *, solution: str | None = None) -> None:
        self._core.execute(create_table_request(spec, solution=solution))
        self.forget(spec.logical_name)

    def create_column(self, table: str, spec: ColumnSpec, *, solution: str | None = None) -> None:
        self._core.execute(create_column_request(table, spec, solution=solution))
        self.forget(table)

    def create_alternate_key(
        self,
        table: str,
        schema_name: str,
        display_name: str,
        columns: Sequence[str],
        *,
        solution: str | None = None,
    ) -> None:
        """Starts the background index build; poll ``key_status`` until Active or Failed."""
        self._core.execute(
            create_key_request(table, schema_name, display_name, columns, solution=solution)
        )
        self.forget(table)

    def key_status(self, table: str, key_logical_name: str) -> str:
        for key in self.entity(table, refresh=True).keys:
            if key.logical_name == key_logical_name:
                return key.index_status
        raise InvalidRequestError(f"table {table} has no alternate key {key_logical_name}")

    def insert_option_value(
        self, table: str, column: str, text: str, *, value: int | None = None
    ) -> int:
        doc = self._core.execute(insert_option_value_request(table, column, text, value=value))
        new_value = doc.get("NewOptionValue") if isinstance(doc, dict) else None
        if not isinstance(new_value, int):
            raise UnexpectedResponseError("InsertOptionValue returned no NewOptionValue")
        return new_value

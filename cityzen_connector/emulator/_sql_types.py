"""Type rules of ``$filter`` comparisons: which Edm types compare, and which numbers a column's
type can hold. Comparing ``Edm.String`` with ``Edm.Int32`` is refused with the OData parser's
"incompatible types" message, as Dataverse does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._literals import Literal

EDM = {
    "String": "Edm.String",
    "Memo": "Edm.String",
    "Integer": "Edm.Int32",
    "Picklist": "Edm.Int32",
    "State": "Edm.Int32",
    "Status": "Edm.Int32",
    "BigInt": "Edm.Int64",
    "Decimal": "Edm.Decimal",
    "Money": "Edm.Decimal",
    "Double": "Edm.Double",
    "Boolean": "Edm.Boolean",
    "DateTime": "Edm.DateTimeOffset",
    "DateOnly": "Edm.Date",
    "Uniqueidentifier": "Edm.Guid",
    "Lookup": "Edm.Guid",
    "Customer": "Edm.Guid",
    "Owner": "Edm.Guid",
    # A table's logical name (sdkmessagefilter.primaryobjecttypecode: "EntityName" type).
    "EntityName": "Edm.String",
}
NUMERIC = frozenset({"Edm.Int32", "Edm.Int64", "Edm.Decimal", "Edm.Double"})
TEMPORAL = frozenset({"Edm.DateTimeOffset", "Edm.Date"})
OP_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
}


class Typed(Protocol):
    """A compiled column: its Edm type and its attribute's name."""

    @property
    def edm(self) -> str: ...

    @property
    def name(self) -> str: ...


def format_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_param(value: object, attr_edm: str) -> object:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        if attr_edm == "Edm.DateTimeOffset":
            return value.isoformat() + "T00:00:00Z"
        return value.isoformat()
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        return float(value)  # a Decimal literal beyond SQLite's 64-bit integers, as a real
    return value


def check_types(edm: str, literal: Literal, op: str) -> None:
    have = literal.edm
    if (
        edm == have
        or (edm in NUMERIC and have in NUMERIC)
        or (edm in TEMPORAL and have in TEMPORAL)
    ):
        return
    raise err.query_error(
        "A binary operator with incompatible types was detected. Found operand types "
        f"'{edm}' and '{have}' for operator kind '{OP_KIND[op]}'."
    )


# The .NET types a condition's value has in Dataverse's query (QueryExpression), by Edm type.
_CLR = {
    "Edm.Int32": "System.Int32",
    "Edm.Int64": "System.Int64",
    "Edm.Decimal": "System.Decimal",
    "Edm.Double": "System.Double",
}
_RANGES = {"Edm.Int32": range(-(2**31), 2**31), "Edm.Int64": range(-(2**63), 2**63)}


def check_range(col: Typed, literal: Literal) -> None:
    """An integer column compared with a number its type cannot hold is refused, not compared.

    Microsoft's OData library reads ``99999999999999999999999999`` as an Edm.Decimal, and
    Dataverse turns the filter into a condition whose value must have the column's .NET type.
    "Web service error codes" (Microsoft Learn, power-apps/developer/data-platform/reference/
    web-service-error-codes) documents the code InvalidArgument (0x80040203) but not this case:
    the wording is the one Dataverse gives for a condition value of the wrong type ("Condition
    for attribute '…': expected argument(s) of type '…' but received '…'."). SQLite could not
    even bind such a number (64-bit integers).
    """
    allowed = _RANGES.get(col.edm)
    value = literal.value
    if allowed is None or isinstance(value, bool) or not isinstance(value, int | float):
        return
    if isinstance(value, float) and not value.is_integer():
        return  # 1.5 (or inf): compared as a real number, as before
    if int(value) not in allowed:
        raise err.bad_request(
            f"Condition for attribute '{col.name}': expected argument(s) of type "
            f"'{_CLR[col.edm]}' but received '{_CLR.get(literal.edm, 'System.Double')}'."
        )

"""The ``RemoteExecutionContext`` a service endpoint posts, serialised as Dataverse does with the
message format JSON: the .NET ``DataContractJsonSerializer`` shape.

Sources (Microsoft Learn):
- "Use WebHooks to create external handlers for server events"
  (https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks), "Request Body":
  the JSON of a ``RemoteExecutionContext``, "the same data that is passed to Azure Service Bus
  integrations", with an asynchronous post-operation Update example (2017);
- "Synchronize agent presence status across multiple systems" (Dynamics 365 Contact Center,
  https://learn.microsoft.com/dynamics365/contact-center/administer/sync-agent-presence-status),
  two captured contexts of 2024 (Update and Create) with the properties added since:
  ``InitiatingUserAgent``, ``InitiatingUserAzureActiveDirectoryObjectId``,
  ``UserAzureActiveDirectoryObjectId``, a ``RequestId``, the ``SharedVariables``
  ``IsAutoTransact``/``AcceptLang`` (``DefaultsAddedFlag`` on Create), the updated row's
  ``RowVersion`` on an Update's ``Target``, formatted values on a Create's ``Target`` only.

What those examples show, and this module reproduces:
- members in ordinal order (a data contract's default), collections as
  ``[{"key": …, "value": …}]``;
- a value typed ``object`` carries ``"__type": "<Type>:http://schemas.microsoft.com/xrm/2011/
  Contracts"`` (the ``Target`` entity, ``EntityReference``, ``OptionSetValue``, ``Money``); an
  image, declared ``Entity``, carries none; a GUID is a string, a date-time
  ``"/Date(<ms since 1970>)/"``;
- every ``/`` in a string escaped as ``\\/``; UTF-8, no whitespace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from cityzen_connector.emulator._schema import Attribute

__all__ = [
    "CONTRACTS",
    "EMPTY_GUID",
    "date_value",
    "entity",
    "entity_reference",
    "formatted_value",
    "sdk_value",
    "serialize",
]

CONTRACTS = "http://schemas.microsoft.com/xrm/2011/Contracts"
EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
_OPTION_TYPES = frozenset({"Picklist", "State", "Status"})
_LOOKUP_TYPES = frozenset({"Lookup", "Customer", "Owner"})
_NUMBER_TYPES = frozenset({"Integer", "BigInt", "Decimal", "Double", "Money"})


def typed(kind: str, **members: Any) -> dict[str, Any]:
    """A value of a data contract type where ``object`` is declared: its ``__type`` first."""
    return {"__type": f"{kind}:{CONTRACTS}", **members}


def entity_reference(
    table: str, record_id: str, name: str | None = None, *, typed_value: bool = True
) -> dict[str, Any]:
    members: dict[str, Any] = {
        "Id": record_id,
        "KeyAttributes": [],
        "LogicalName": table,
        "Name": name,
        "RowVersion": None,
    }
    return typed("EntityReference", **members) if typed_value else members


def date_value(stored: str) -> str:
    """``2026-03-02T09:00:00Z`` (or a date) → ``/Date(1772442000000)/``."""
    if len(stored) == 10:
        moment = datetime.combine(date.fromisoformat(stored), datetime.min.time(), UTC)
    else:
        moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return f"/Date({round(moment.timestamp() * 1000)})/"


def operation_time(moment: datetime) -> str:
    """``OperationCreatedOn``: milliseconds since 1970, UTC (the Create example's form)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return f"/Date({round(moment.timestamp() * 1000)})/"


def sdk_value(attr: Attribute, value: Any, table: str | None, name: str | None = None) -> Any:
    """A stored column value as the SDK types it in an entity's ``Attributes``."""
    if value is None:
        return None
    if attr.type in _LOOKUP_TYPES:
        return entity_reference(table or "", str(value), name)
    convert = _SDK_TYPES.get(attr.type)
    return value if convert is None else convert(value)


_SDK_TYPES: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(_OPTION_TYPES, lambda v: typed("OptionSetValue", Value=int(v))),
    "Money": lambda v: typed("Money", Value=v),
    "DateTime": lambda v: date_value(str(v)),
    "DateOnly": lambda v: date_value(str(v)),
    "Boolean": bool,
}


def formatted_value(attr: Attribute, value: Any) -> str | None:
    """A column's formatted value in an SDK entity, as the 2024 Create example shows them:
    labels of choices and yes/no columns, numbers as text, date-times as
    ``2024-07-24T10:28:25-00:00``; none for text, ids and lookups."""
    if value is None:
        return None
    if attr.type in _OPTION_TYPES:
        return attr.options.get(int(value))
    if attr.type == "Boolean":
        return (attr.options or {0: "No", 1: "Yes"}).get(1 if value else 0)
    if attr.type in _NUMBER_TYPES:
        return str(value)
    if attr.type in ("DateTime", "DateOnly"):
        text = str(value) if attr.type == "DateTime" else f"{value}T00:00:00Z"
        return text.replace("Z", "-00:00")
    return None


def entity(
    table: str,
    record_id: str,
    attributes: Iterable[tuple[str, Any]],
    *,
    formatted: Iterable[tuple[str, str]] = (),
    row_version: str | None = None,
    typed_value: bool = True,
) -> dict[str, Any]:
    """An SDK ``Entity``: typed as the ``Target`` input parameter, untyped as an image."""
    members: dict[str, Any] = {
        "Attributes": [{"key": k, "value": v} for k, v in attributes],
        "EntityState": None,
        "FormattedValues": [{"key": k, "value": v} for k, v in formatted],
        "Id": record_id,
        "KeyAttributes": [],
        "LogicalName": table,
        "RelatedEntities": [],
        "RowVersion": row_version,
    }
    return typed("Entity", **members) if typed_value else members


def collection(items: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A ``ParameterCollection`` or ``EntityImageCollection``: ``[{"key", "value"}]``."""
    return [{"key": k, "value": v} for k, v in items.items()]


def serialize(context: Mapping[str, Any]) -> bytes:
    """The message body: compact JSON, UTF-8, ``/`` escaped as the serializer writes it."""
    text = json.dumps(context, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("/", "\\/").encode("utf-8")

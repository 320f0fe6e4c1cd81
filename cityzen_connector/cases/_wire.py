"""The message a Dataverse service endpoint posts: the serialised ``RemoteExecutionContext``.

A service endpoint with contract Queue and message format JSON posts, for each registered step,
the execution context as ``DataContractJsonSerializer`` writes it ("Write a listener application
for an Azure solution", section "Read the data context in multiple data formats":
https://learn.microsoft.com/power-apps/developer/data-platform/write-listener-application-azure-solution).
The shape is the one "Use WebHooks to create external handlers for server events" shows ("This
is the same data that is passed to Azure Service Bus integrations",
https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks#request-body):

- top-level ``MessageName``, ``PrimaryEntityName``, ``PrimaryEntityId``, ``Stage``, ``Mode``,
  ``Depth``, ``CorrelationId``, ``RequestId``, ``OperationId``, ``OperationCreatedOn``,
  ``UserId``, ``InitiatingUserId``, ``OrganizationId``, ``ParentContext``…;
- collections as lists of ``{"key": …, "value": …}`` (``InputParameters``, ``PreEntityImages``,
  ``PostEntityImages``, an entity's ``Attributes`` and ``FormattedValues``);
- an entity as ``{"__type": "Entity:http://schemas.microsoft.com/xrm/2011/Contracts",
  "Attributes": […], "FormattedValues": […], "Id": …, "LogicalName": …, "RowVersion": …}``
  (images may omit ``__type``);
- typed values with their data contract: ``{"__type": "OptionSetValue:…", "Value": 5}``,
  ``{"__type": "EntityReference:…", "Id": …, "LogicalName": …, "Name": …}``, ``Money``;
- dates as WCF writes them: ``"/Date(1506409448000-0700)/"``, milliseconds since the Unix epoch
  in UTC, the offset only saying which zone the writer was in.

Parsing is strict where we read (a ``statecode`` that is not an ``OptionSetValue`` is refused)
and tolerant elsewhere: properties Microsoft adds later (``InitiatingUserAgent``…) are ignored.
Every refusal is an ``InvalidCaseEvent`` whose reason names the property, never its value.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from cityzen_connector._strict_json import no_duplicate_members, refuse_constant

from ._errors import InvalidCaseEvent

__all__ = [
    "MAX_EVENT_BYTES",
    "EntityRef",
    "RemoteContext",
    "WireEntity",
    "parse_context",
    "wcf_date",
]

# What Dataverse may post: "When the size of the entire HTTP payload exceeds 192Kb" it drops
# ParentContext, InputParameters and the images, and past 192Kb even then it sends nothing
# ("Azure integration", https://learn.microsoft.com/power-apps/developer/data-platform/
# azure-integration). A case event is a few KB; a larger one (a long custom column in the
# Target) is still Dataverse's and read. Service Bus Standard carries 256 KB, so a refused one
# is parked whole with its reason.
MAX_EVENT_BYTES = 192 * 1024
_CONTRACTS = ":http://schemas.microsoft.com/xrm/2011/Contracts"
_WCF_DATE = re.compile(r"^/Date\((-?\d{1,15})([+-]\d{4})?\)/$")
_Name = Annotated[StrictStr, Field(min_length=1, max_length=128)]


class KeyValue(BaseModel):
    """One ``{"key": …, "value": …}`` member of a serialised collection."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    key: Annotated[StrictStr, Field(max_length=256)]
    value: Any = None


class WireEntity(BaseModel):
    """An ``Entity`` data contract: the Target, or an image."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    logical_name: _Name = Field(alias="LogicalName")
    id: uuid.UUID = Field(alias="Id")
    attributes: list[KeyValue] = Field(default_factory=list, alias="Attributes", max_length=1000)
    formatted: list[KeyValue] = Field(
        default_factory=list, alias="FormattedValues", max_length=1000
    )
    row_version: Annotated[StrictStr, Field(max_length=32)] | None = Field(None, alias="RowVersion")

    def values(self) -> dict[str, Any]:
        return {item.key: item.value for item in self.attributes}

    def labels(self) -> dict[str, str]:
        return {i.key: i.value for i in self.formatted if isinstance(i.value, str)}


class _Image(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    key: Annotated[StrictStr, Field(max_length=256)]
    value: WireEntity


class RemoteContext(BaseModel):
    """The part of a ``RemoteExecutionContext`` the connector reads."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    message_name: _Name = Field(alias="MessageName")
    primary_entity_name: _Name = Field(alias="PrimaryEntityName")
    primary_entity_id: uuid.UUID = Field(alias="PrimaryEntityId")
    operation_created_on: Annotated[StrictStr, Field(max_length=40)] = Field(
        alias="OperationCreatedOn"
    )
    correlation_id: uuid.UUID = Field(alias="CorrelationId")
    request_id: uuid.UUID | None = Field(None, alias="RequestId")
    operation_id: uuid.UUID | None = Field(None, alias="OperationId")
    organization_id: uuid.UUID = Field(alias="OrganizationId")
    depth: StrictInt = Field(alias="Depth", ge=0, le=64)
    stage: StrictInt = Field(alias="Stage")
    mode: StrictInt = Field(alias="Mode")
    input_parameters: list[KeyValue] = Field(
        default_factory=list, alias="InputParameters", max_length=100
    )
    pre_images: list[_Image] = Field(default_factory=list, alias="PreEntityImages", max_length=10)
    post_images: list[_Image] = Field(default_factory=list, alias="PostEntityImages", max_length=10)

    @property
    def operation_time(self) -> datetime:
        return wcf_date(self.operation_created_on, "OperationCreatedOn")

    def target(self) -> WireEntity | None:
        """``InputParameters["Target"]`` when it is an entity (a Delete's is a reference)."""
        raw = next((p.value for p in self.input_parameters if p.key == "Target"), None)
        if not isinstance(raw, Mapping) or "Attributes" not in raw:
            return None
        return _entity(raw, "InputParameters.Target")


def _entity(raw: Any, where: str) -> WireEntity:
    try:
        return WireEntity.model_validate(raw)
    except ValidationError as exc:
        raise InvalidCaseEvent("malformed", _where(exc, where)) from None


def _where(exc: ValidationError, prefix: str) -> str:
    """``<prefix>.<loc>: <kind>`` of the first error: property names only, never values."""
    error = exc.errors(include_url=False, include_input=False)[0]
    location = ".".join(str(part) for part in (prefix, *error["loc"]) if part != "")
    return f"{location}: {error['type']}"


def parse_context(body: bytes) -> RemoteContext:
    """The context a queue message carries, or ``InvalidCaseEvent`` saying why not."""
    if len(body) > MAX_EVENT_BYTES:
        raise InvalidCaseEvent("oversized", f"{len(body)} bytes, at most {MAX_EVENT_BYTES}")
    try:
        document = json.loads(
            body.decode("utf-8"),
            object_pairs_hook=no_duplicate_members,
            parse_constant=refuse_constant,
        )
    except UnicodeDecodeError:
        raise InvalidCaseEvent("malformed", "the body is not UTF-8") from None
    except RecursionError:
        raise InvalidCaseEvent("malformed", "the body nests too deeply") from None
    except ValueError as exc:
        # json's messages name a position and the rule, not the text around it.
        raise InvalidCaseEvent("malformed", f"not JSON ({str(exc)[:120]})") from None
    if not isinstance(document, dict):
        raise InvalidCaseEvent("malformed", "the body is not a JSON object")
    try:
        context = RemoteContext.model_validate(document)
    except ValidationError as exc:
        raise InvalidCaseEvent("malformed", _where(exc, "")) from None
    context.operation_time  # noqa: B018 - a bad date is refused here, not later
    for image in (*context.pre_images, *context.post_images):
        if image.value.logical_name != context.primary_entity_name:
            raise InvalidCaseEvent("malformed", f"image {image.key[:40]!r} of another table")
    return context


def wcf_date(text: object, name: str) -> datetime:
    """A ``DataContractJsonSerializer`` date: ``/Date(<ms since epoch, UTC>[±hhmm])/``."""
    match = _WCF_DATE.match(text) if isinstance(text, str) else None
    if match is None:
        raise InvalidCaseEvent("malformed", f"{name}: not a /Date(…)/ value")
    try:
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
    except OverflowError:
        raise InvalidCaseEvent("malformed", f"{name}: date out of range") from None


@dataclass(frozen=True)
class EntityRef:
    """An ``EntityReference``: a lookup's value (``Name`` is often null in plug-in contexts)."""

    id: uuid.UUID
    logical_name: str
    name: str | None = None


def option_value(raw: object, name: str) -> int | None:
    """An ``OptionSetValue``'s ``Value`` (``null`` stays ``None``)."""
    if raw is None:
        return None
    if isinstance(raw, Mapping) and _is(raw, "OptionSetValue"):
        value = raw.get("Value")
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    raise InvalidCaseEvent("malformed", f"{name}: not an OptionSetValue")


def entity_ref(raw: object, name: str) -> EntityRef | None:
    """An ``EntityReference`` (``null`` stays ``None``)."""
    if raw is None:
        return None
    if isinstance(raw, Mapping) and _is(raw, "EntityReference"):
        logical, label = raw.get("LogicalName"), raw.get("Name")
        try:
            ident = uuid.UUID(str(raw.get("Id")))
        except ValueError:
            ident = None
        if ident is not None and isinstance(logical, str) and 0 < len(logical) <= 128:
            text = label if isinstance(label, str) and 0 < len(label) <= 400 else None
            return EntityRef(ident, logical, text)
    raise InvalidCaseEvent("malformed", f"{name}: not an EntityReference")


def _is(raw: Mapping[str, Any], contract: str) -> bool:
    # Images written by some paths omit ``__type``; an OptionSetValue is then {"Value": n}.
    kind = raw.get("__type")
    return kind is None or kind == contract + _CONTRACTS


def text_value(raw: object, name: str, *, max_length: int = 400) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str) and len(raw) <= max_length:
        return raw
    raise InvalidCaseEvent("malformed", f"{name}: not a string of at most {max_length}")


def int_value(raw: object, name: str) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 2**63:
        return raw
    raise InvalidCaseEvent("malformed", f"{name}: not a whole number")


def guid_value(raw: object, name: str) -> uuid.UUID | None:
    if raw is None:
        return None
    if isinstance(raw, str) and len(raw) <= 40:
        try:
            return uuid.UUID(raw)
        except ValueError:
            pass
    raise InvalidCaseEvent("malformed", f"{name}: not a GUID")

"""A change of a case, whichever way it came: a queue event or a change-tracking row.

``change_of(context, schema)`` reads a ``RemoteExecutionContext``: a ``CaseChange`` for an
incident ``Create``, or an ``Update`` whose Target touches ``statecode``, ``statuscode`` or
``ownerid`` (an ``Update`` with a ``CloseIncident`` parent is how a resolution arrives: Dataverse
runs the state change as an update of the case); ``Ignored`` with a reason for anything else.
``change_of_row(row, schema)`` reads a Web API row of the case table (change tracking).

Values come from the post-images when the step registered some (the case as it is after the
operation, "Entity images", https://learn.microsoft.com/power-apps/developer/data-platform/
understand-the-data-context#entity-images), else from the Target. The order of two changes is
the row's ``versionnumber`` (one rowversion per database, it only grows) when both have one,
else the operation time: a late event never overwrites a newer state.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from ._errors import InvalidCaseEvent
from ._schema import CaseSchema
from ._wire import (
    EntityRef,
    RemoteContext,
    entity_ref,
    guid_value,
    int_value,
    option_value,
    text_value,
    wcf_date,
)

__all__ = ["STATUS_COLUMNS", "CaseChange", "Ignored", "change_of", "change_of_row"]

#: An update touching none of these is not a status change.
STATUS_COLUMNS = frozenset({"statecode", "statuscode", "ownerid"})
_MESSAGES = frozenset({"Create", "Update"})
Source = Literal["queue", "reconcile"]


@dataclass(frozen=True)
class Owner:
    """Who holds the case: a team (a municipal service, named) or a user (never named: an
    agent's name is personal data)."""

    kind: str
    id: uuid.UUID
    service: str | None = None

    @classmethod
    def of(cls, ref: EntityRef) -> Owner:
        service = ref.name[:100] if ref.logical_name == "team" and ref.name else None
        return cls(ref.logical_name[:64], ref.id, service)


@dataclass(frozen=True)
class CaseChange:
    """What one observation says about a case. ``None`` means "not said": an update without a
    post-image says only what it changed."""

    case_id: uuid.UUID
    source: Source
    message: str
    key: str  # the same change seen twice has the same key
    at: datetime  # when the operation ran (UTC)
    version: int | None = None
    state: int | None = None
    status: int | None = None
    owner: Owner | None = None
    ticket_number: str | None = None
    submission_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None
    subject_name: str | None = None
    origin: int | None = None
    created_on: datetime | None = None


@dataclass(frozen=True)
class Ignored:
    """Not a status change of a case: completed and counted, never stored."""

    reason: Literal[
        "other_table",
        "other_message",
        "status_untouched",
        "no_case_data",
        "case_gone",
        "not_for_citizen",  # a conversation row not marked for the citizen (cases/_thread.py)
        "not_on_a_case",
    ]


def change_of(context: RemoteContext, schema: CaseSchema) -> CaseChange | Ignored:
    if context.primary_entity_name != schema.table:
        return Ignored("other_table")
    if context.message_name not in _MESSAGES:
        return Ignored("other_message")
    target = context.target()
    # Every post-image of the case, whatever its alias and place: an asynchronous step's
    # images start with ``AsynchronousStepPrimaryName`` (the primary name and key only), then
    # the registered ones (``status``), as the examples of "Use WebHooks…" show.
    images = [i.value for i in context.post_images if i.value.id == context.primary_entity_id]
    if target is None and not images:
        # Past 192 KB Dataverse drops the Target and the images ("Azure integration",
        # MessageMaxSizeExceeded): the worker reads the case instead.
        return Ignored("no_case_data")
    if target is not None and target.id not in (context.primary_entity_id, uuid.UUID(int=0)):
        raise InvalidCaseEvent("malformed", "InputParameters.Target: not the primary entity")
    touched = set(target.values()) if target is not None else set()
    if context.message_name == "Update" and not touched & STATUS_COLUMNS:
        return Ignored("status_untouched")
    sent = target.values() if target is not None else {}
    # What the Target says is checked even where the post-image says it too: a producer that
    # writes a status as a bare number is wrong, whatever the image.
    option_value(sent.get("statecode"), "InputParameters.Target.statecode")
    option_value(sent.get("statuscode"), "InputParameters.Target.statuscode")
    entity_ref(sent.get("ownerid"), "InputParameters.Target.ownerid")
    values: dict[str, Any] = dict(sent)
    for image in images:
        values.update(image.values())
    version = int_value(values.get("versionnumber"), "versionnumber")
    if version is None and target is not None and (target.row_version or "").isdigit():
        version = int(target.row_version or "0")
    when = context.operation_time
    return _change(
        context.primary_entity_id,
        values,
        schema,
        source="queue",
        message=context.message_name,
        key=_key(context, version, when),
        at=when,
        version=version,
        owner_said=context.message_name == "Create" or "ownerid" in values,
    )


def _key(context: RemoteContext, version: int | None, when: datetime) -> str:
    if version is not None:
        return f"v{version}"
    # No row version: the asynchronous operation posting it (the same on every retry), else
    # the request, else the correlation, each with the operation time.
    ident = context.operation_id or context.request_id or context.correlation_id
    return f"e{ident.hex}:{int(when.timestamp() * 1000)}:{context.message_name}"


def _change(
    case_id: uuid.UUID,
    values: Mapping[str, Any],
    schema: CaseSchema,
    *,
    source: Source,
    message: str,
    key: str,
    at: datetime,
    version: int | None,
    owner_said: bool,
) -> CaseChange:
    owner = entity_ref(values.get("ownerid"), "ownerid") if owner_said else None
    customer = entity_ref(values.get("customerid"), "customerid")
    subject = entity_ref(values.get("subjectid"), "subjectid")
    created = values.get("createdon")
    return CaseChange(
        case_id=case_id,
        source=source,
        message=message,
        key=key,
        at=at,
        version=version,
        state=option_value(values.get("statecode"), "statecode"),
        status=option_value(values.get("statuscode"), "statuscode"),
        owner=Owner.of(owner) if owner is not None else None,
        ticket_number=text_value(values.get("ticketnumber"), "ticketnumber", max_length=100),
        submission_id=_lenient_guid(values.get(schema.submission_column or "")),
        contact_id=customer.id
        if customer and customer.logical_name == schema.contact_table
        else None,
        subject_id=subject.id if subject is not None else None,
        subject_name=subject.name if subject is not None else None,
        origin=option_value(values.get("caseorigincode"), "caseorigincode"),
        created_on=wcf_date(created, "createdon") if created is not None else None,
    )


def _lenient_guid(raw: object) -> uuid.UUID | None:
    """Our submission id column: a text column an agent may clear or edit; anything but a GUID
    means "not filed through us", never a refused event."""
    try:
        return uuid.UUID(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        return None


# -- change tracking rows (Web API JSON) --------------------------------------------------------

_LOOKUP = "@Microsoft.Dynamics.CRM.lookuplogicalname"
_LABEL = "@OData.Community.Display.V1.FormattedValue"


def change_of_row(row: Mapping[str, Any], schema: CaseSchema) -> CaseChange:
    """A case row of a change-tracking answer ("Use change tracking to synchronize data with
    external systems"): lookups as ``_x_value`` with their table and label annotations."""
    case_id = guid_value(row.get(schema.primary_id), schema.primary_id)
    version = int_value(row.get("versionnumber"), "versionnumber")
    if case_id is None or version is None:
        raise InvalidCaseEvent("malformed", f"row without {schema.primary_id} or versionnumber")
    values: dict[str, Any] = {
        "statecode": _option(row.get("statecode")),
        "statuscode": _option(row.get("statuscode")),
        "caseorigincode": _option(row.get("caseorigincode")),
        "ticketnumber": row.get("ticketnumber"),
        "ownerid": _reference(row, "ownerid"),
        "customerid": _reference(row, "customerid"),
        "subjectid": _reference(row, "subjectid"),
        "createdon": _as_wcf(row.get("createdon"), "createdon"),
    }
    if schema.submission_column:
        values[schema.submission_column] = row.get(schema.submission_column)
    at = _iso(row.get("modifiedon"), "modifiedon") or datetime.fromtimestamp(0, UTC)
    return _change(
        case_id,
        values,
        schema,
        source="reconcile",
        message="Reconcile",
        key=f"v{version}",
        at=at,
        version=version,
        owner_said=True,
    )


def _option(value: object) -> dict[str, Any] | None:
    return None if value is None else {"Value": value}


def _reference(row: Mapping[str, Any], column: str) -> dict[str, Any] | None:
    value = row.get(f"_{column}_value")
    if value is None:
        return None
    table = row.get(f"_{column}_value{_LOOKUP}")
    return {
        "Id": value,
        "LogicalName": table or column,
        "Name": row.get(f"_{column}_value{_LABEL}"),
    }


def _iso(value: object, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidCaseEvent("malformed", f"{name}: not a date-time") from None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _as_wcf(value: object, name: str) -> str | None:
    moment = _iso(value, name)
    return None if moment is None else f"/Date({int(moment.timestamp() * 1000)})/"

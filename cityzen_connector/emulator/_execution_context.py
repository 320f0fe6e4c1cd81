"""One step's ``RemoteExecutionContext`` for one write: who, what, the ``Target``, the images.

"Understand the execution context" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/understand-the-data-context) and
the ``RemoteExecutionContext`` class reference give the members; the examples cited in
``_remote_context`` give their values:
- ``InputParameters``: ``Target``, the entity the operation wrote: on Create every column the
  row holds (with formatted values, the 2024 Create example); on Update the columns the
  request set, the primary key, the columns the platform recomputed and ``modifiedon``,
  ``modifiedby``, ``modifiedonbehalfby`` (the 2017 Update example), ``RowVersion`` the new row
  version (2024 Update example);
- ``OutputParameters``: ``id`` on Create (``CreateResponse``), none on Update;
- ``PreEntityImages``/``PostEntityImages``: the registered images by alias, each with the
  registered columns that hold a value and the primary key ("Define table images", "Register a
  plug-in"); an asynchronous step also gets ``AsynchronousStepPrimaryName`` (primary name and
  key), as both examples show;
- ``ParentContext``: the core operation (stage 30) with the request's own ``Target``;
  ``null`` when the update was made by another message (``CloseIncident``), whose internal
  context Learn does not document ("you should avoid taking a dependency on values that you
  find in the ParentContext");
- ``SharedVariables``: ``IsAutoTransact``, ``AcceptLang`` (and ``DefaultsAddedFlag`` on
  Create) as the 2024 examples show, plus ``tag`` when the request passed one ("Use optional
  parameters", "Add a shared variable to the plugin execution context");
- ``UserId`` the step's impersonating user, else the caller; ``InitiatingUserId`` the caller
  ("Impersonate a user"); ``Depth`` 1, ``Mode`` 1, ``Stage`` 40, ``IsolationMode`` 1,
  ``IsInTransaction`` false (an asynchronous post runs after the commit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cityzen_connector.emulator import _remote_context as rc
from cityzen_connector.emulator._config import ORGANIZATION_ID
from cityzen_connector.emulator._request_facts import RequestFacts
from cityzen_connector.emulator._schema import Entity, Schema
from cityzen_connector.emulator._store import Row, Store
from cityzen_connector.emulator._write_events import Write

__all__ = ["ImageRegistration", "StepRegistration", "build_context", "organization_name"]

_TARGETS = "__targets"  # the records layer's per-row lookup tables (_records.TARGETS)
_AUDIT = ("modifiedon", "modifiedby", "modifiedonbehalfby")
PRIMARY_NAME_IMAGE = "AsynchronousStepPrimaryName"


@dataclass(frozen=True)
class ImageRegistration:
    alias: str
    image_type: int  # 0 PreImage, 1 PostImage, 2 Both
    attributes: tuple[str, ...] | None  # None: every column


@dataclass(frozen=True)
class StepRegistration:
    step_id: str
    name: str
    rank: int
    message: str
    table: str | None  # sdkmessagefilter.primaryobjecttypecode; None: every table
    endpoint: Row  # the serviceendpoint the step posts to
    impersonating_user: str | None
    filtering: frozenset[str]  # empty: every update
    images: tuple[ImageRegistration, ...]


def organization_name(organization_id: str = ORGANIZATION_ID) -> str:
    """The unique name, as both 2024 examples show it: ``unq`` + the id's first 29 hex digits."""
    return "unq" + organization_id.replace("-", "")[:29]


@dataclass(frozen=True)
class _Who:
    user_id: str
    business_unit: str
    object_id: str


def _who(store: Store, user_id: str) -> _Who:
    user = store.get("systemuser", user_id)
    data = user.data if user is not None else {}
    return _Who(
        user_id,
        str(data.get("businessunitid") or rc.EMPTY_GUID),
        str(data.get("azureactivedirectoryobjectid") or rc.EMPTY_GUID),
    )


class _Values:
    """Columns of one table as SDK values, with lookups' names read for images."""

    def __init__(self, schema: Schema, store: Store, table: Entity) -> None:
        self.schema, self.store, self.table = schema, store, table

    def value(self, row: dict[str, Any], name: str, *, named: bool) -> Any:
        attr = self.table.attributes[name]
        value = row.get(name)
        target = row.get(_TARGETS, {}).get(name, next(iter(attr.targets), None))
        label = self._name(target, value) if named and attr.is_lookup else None
        return rc.sdk_value(attr, value, target, label)

    def formatted(self, row: dict[str, Any], names: list[str]) -> list[tuple[str, str]]:
        out = []
        for name in names:
            text = rc.formatted_value(self.table.attributes[name], row.get(name))
            if text is not None:
                out.append((name, text))
        return out

    def _name(self, target: str | None, value: Any) -> str | None:
        related = self.schema.by_name.get(target or "")
        found = self.store.get(related.logical_name, str(value)) if related and value else None
        name = found.data.get(related.primary_name) if found and related else None
        return None if name is None else str(name)


def _target_columns(write: Write) -> list[str]:
    table, data = write.entity, write.after.data
    readable = {n for n, a in table.attributes.items() if a.readable}
    if write.message == "Create":
        return [n for n, v in data.items() if n in readable and (v is not None or n in write.sent)]
    names = [n for n in write.sent if n in readable]
    if "statecode" in names and "statuscode" not in names:
        names.append("statuscode")  # the state's default reason, set by the platform
    names.append(table.primary_id)
    before = write.before.data if write.before is not None else {}
    names += [
        n
        for n, a in table.attributes.items()
        if a.computed and n in readable and before.get(n) != data.get(n)
    ]
    names += [n for n in _AUDIT if n in table.attributes]
    return list(dict.fromkeys(names))


def _image(values: _Values, row: Row, columns: tuple[str, ...] | None) -> dict[str, Any]:
    table = values.table
    wanted = columns if columns is not None else tuple(table.attributes)
    names = [n for n in wanted if n in table.attributes and row.data.get(n) is not None]
    names = [n for n in names if table.attributes[n].readable and n != table.primary_id]
    names.append(table.primary_id)
    attrs = [(n, values.value(row.data, n, named=True)) for n in names]
    formatted = values.formatted(row.data, names)
    return rc.entity(table.logical_name, row.id, attrs, formatted=formatted, typed_value=False)


def _images(
    values: _Values, step: StepRegistration, write: Write
) -> tuple[dict[str, Any], dict[str, Any]]:
    pre: dict[str, Any] = {}
    post: dict[str, Any] = {}
    table = values.table
    primary = [c for c in (table.primary_name,) if write.after.data.get(c) is not None]
    post[PRIMARY_NAME_IMAGE] = _image(values, write.after, tuple(primary))
    for image in step.images:
        if image.image_type in (0, 2) and write.before is not None:
            pre[image.alias] = _image(values, write.before, image.attributes)
        if image.image_type in (1, 2):
            post[image.alias] = _image(values, write.after, image.attributes)
    return pre, post


def build_context(
    schema: Schema,
    store: Store,
    write: Write,
    step: StepRegistration,
    facts: RequestFacts | None,
    *,
    now: datetime,
    operation_id: str,
) -> dict[str, Any]:
    """The context one asynchronous step posts for ``write``."""
    values = _Values(schema, store, write.entity)
    table, row = write.entity, write.after
    initiating = _who(store, write.caller.user_id)
    user = _who(store, step.impersonating_user) if step.impersonating_user else initiating
    names = _target_columns(write)
    creating = write.message == "Create"
    target = rc.entity(
        table.logical_name,
        row.id,
        [(n, values.value(row.data, n, named=False)) for n in names],
        formatted=values.formatted(row.data, names) if creating else (),
        row_version=None if creating else str(row.version),
    )
    pre, post = _images(values, step, write)
    shared: dict[str, Any] = {"IsAutoTransact": True, "AcceptLang": ""}
    if creating:
        shared["DefaultsAddedFlag"] = True
    if facts is not None and facts.tag is not None:
        shared["tag"] = facts.tag
    request_id = facts.request_id if facts is not None else str(uuid.uuid4())
    unit = row.data.get("owningbusinessunit") or user.business_unit
    context: dict[str, Any] = {
        "BusinessUnitId": str(unit),
        "CorrelationId": facts.correlation_id if facts is not None else str(uuid.uuid4()),
        "Depth": 1,
        "InitiatingUserAgent": facts.user_agent if facts is not None else "",
        "InitiatingUserAzureActiveDirectoryObjectId": initiating.object_id,
        "InitiatingUserId": initiating.user_id,
        "InputParameters": rc.collection({"Target": target}),
        "IsExecutingOffline": False,
        "IsInTransaction": False,
        "IsOfflinePlayback": False,
        "IsolationMode": 1,
        "MessageName": write.message,
        "Mode": 1,
        "OperationCreatedOn": rc.operation_time(now),
        "OperationId": operation_id,
        "OrganizationId": ORGANIZATION_ID,
        "OrganizationName": organization_name(),
        "OutputParameters": rc.collection({"id": row.id} if creating else {}),
        "OwningExtension": rc.entity_reference(
            "sdkmessageprocessingstep", step.step_id, step.name, typed_value=False
        ),
        "ParentContext": None,
        "PostEntityImages": rc.collection(post),
        "PreEntityImages": rc.collection(pre),
        "PrimaryEntityId": row.id,
        "PrimaryEntityName": table.logical_name,
        "RequestId": request_id,
        "SecondaryEntityName": "none",
        "SharedVariables": rc.collection(shared),
        "Stage": 40,
        "UserAzureActiveDirectoryObjectId": user.object_id,
        "UserId": user.user_id,
    }
    if write.request == write.message:  # the client's own Create or Update
        context["ParentContext"] = _parent(values, write, context, facts)
    return context


def _parent(
    values: _Values, write: Write, context: dict[str, Any], facts: RequestFacts | None
) -> dict[str, Any]:
    """The core operation's context (stage 30) as the examples show it: the request's own
    ``Target`` (the columns sent and the key), no images, no parent."""
    table, row = write.entity, write.after
    names = [n for n in write.sent if table.attributes[n].readable]
    names = list(dict.fromkeys([*names, table.primary_id]))
    target = rc.entity(
        table.logical_name,
        row.id,
        [(n, values.value(row.data, n, named=False)) for n in names],
        row_version=context["InputParameters"][0]["value"]["RowVersion"],
    )
    inputs: dict[str, Any] = {"Target": target}
    if facts is not None and facts.suppress_duplicate_detection is not None:
        inputs["SuppressDuplicateDetection"] = facts.suppress_duplicate_detection
    return {
        **context,
        "InputParameters": rc.collection(inputs),
        "OutputParameters": [],
        "ParentContext": None,
        "PostEntityImages": [],
        "PreEntityImages": [],
        "Stage": 30,
    }

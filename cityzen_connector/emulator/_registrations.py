"""Service endpoints, steps and images: what a registration may say, and the steps a write runs.

The tables are those of "ServiceEndpoint", "SdkMessageProcessingStep" and
"SdkMessageProcessingStepImage table/entity reference" (Microsoft Learn,
power-apps/developer/data-platform/reference/entities/…). Dataverse accepts more than the
emulator runs; what it does not run it refuses when registered, by name, rather than accept a
registration that would never fire:

- a service endpoint posts to a queue (contract 2 Queue, 6 Queue (Persistent)) in the JSON
  message format (2): "Azure integration" lists the other contracts (one-way, two-way, REST,
  topic, Event Hub), "Write a listener application for an Azure solution" the other formats;
  ACS authentication is ServiceEndpointAcsAuthNotSupported (0x80050209), as Dataverse answers;
- a step runs post-operation (stage 40), asynchronously (mode 1), on the server (supported
  deployment 0), on Create or Update ("Register a plug-in": "Asynchronous plug-ins can only be
  registered for the PostOperation stage"); a filter of another message, or one that allows no
  custom step, is SdkCustomProcessingStepIsNotAllowed (0x80044187);
- an image: "Define table images" — no pre-image on Create (0x8004416d); the message property
  is ``Target`` on Update and ``Id`` on Create (0x8004416b otherwise). Learn's table of
  "Messages that support table images" names ``Target`` for Create, but Dataverse refuses it
  with 0x8004416b and the Plug-in Registration Tool registers ``Id``, as clients pinned against
  live environments report (docs/emulator.md, known differences).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cityzen_connector.emulator import _error_catalogue as err
from cityzen_connector.emulator._execution_context import ImageRegistration, StepRegistration
from cityzen_connector.emulator._schema import Entity, Schema
from cityzen_connector.emulator._store import Row, Store
from cityzen_connector.emulator._write_events import Write

__all__ = ["check_registration", "matching_steps"]

QUEUE_CONTRACTS = frozenset({2, 6})
JSON_FORMAT = 2
EVENT_MESSAGES = ("Create", "Update")
_IMAGE_PROPERTY = {"Create": "Id", "Update": "Target"}
_AZURE = "Azure integration"
_REGISTER = "Register a plug-in"
_MAX_STEPS = 1000
IMAGES = "sdkmessageprocessingstepimage"


def check_registration(
    schema: Schema, store: Store, entity: Entity, data: Mapping[str, Any]
) -> None:
    """Refuse a service endpoint, step or image the platform refuses or the emulator would not
    run (module docstring)."""
    if entity.logical_name == "serviceendpoint":
        _check_endpoint(entity, data)
    elif entity.logical_name == "sdkmessageprocessingstep":
        _check_step(store, data)
    elif entity.logical_name == "sdkmessageprocessingstepimage":
        _check_image(schema, store, data)


def _label(entity: Entity, column: str, value: Any) -> str:
    return f"{entity.attributes[column].options.get(value, 'unknown')} ({value})"


def _check_endpoint(entity: Entity, data: Mapping[str, Any]) -> None:
    if data.get("contract") not in QUEUE_CONTRACTS:
        shown = _label(entity, "contract", data.get("contract"))
        raise err.not_emulated(f"service endpoints with the contract {shown}: only queues", _AZURE)
    if data.get("authtype") == 1:
        raise err.acs_not_supported()
    if data.get("messageformat") != JSON_FORMAT:
        value = data.get("messageformat")
        shown = (
            ".NET binary (the default)" if value is None else _label(entity, "messageformat", value)
        )
        raise err.not_emulated(
            f"the message format {shown}: only Json (2)",
            "Write a listener application for an Azure solution",
        )


def _message_name(store: Store, message_id: Any) -> str | None:
    row = store.get("sdkmessage", str(message_id)) if message_id else None
    return None if row is None else str(row.data.get("name"))


def _check_step(store: Store, data: Mapping[str, Any]) -> None:
    message = _message_name(store, data.get("sdkmessageid"))
    if message is not None and message not in EVENT_MESSAGES:
        raise err.not_emulated(f"steps on the {message} message: only Create and Update", _REGISTER)
    filter_id = data.get("sdkmessagefilterid")
    if filter_id:
        found = store.get("sdkmessagefilter", str(filter_id))
        if found is None or found.data.get("sdkmessageid") != data.get("sdkmessageid"):
            raise err.custom_step_not_allowed()
        if not found.data.get("iscustomprocessingstepallowed"):
            raise err.custom_step_not_allowed()
    how = (data.get("mode"), data.get("stage"), data.get("supporteddeployment"))
    if how != (1, 40, 0):
        raise err.not_emulated(
            f"steps of mode {how[0]}, stage {how[1]}, deployment {how[2]}: only asynchronous "
            "(mode 1) post-operation (stage 40) steps on the server (deployment 0)",
            _REGISTER,
        )


def _step_table(store: Store, step: Row) -> str | None:
    filter_id = step.data.get("sdkmessagefilterid")
    found = store.get("sdkmessagefilter", str(filter_id)) if filter_id else None
    return None if found is None else str(found.data.get("primaryobjecttypecode"))


def _check_image(schema: Schema, store: Store, data: Mapping[str, Any]) -> None:
    step_id = data.get("sdkmessageprocessingstepid")
    step = store.get("sdkmessageprocessingstep", str(step_id)) if step_id else None
    if step is None:
        raise err.bad_request("An image needs its step (sdkmessageprocessingstepid).")
    message = _message_name(store, step.data.get("sdkmessageid")) or ""
    if message not in _IMAGE_PROPERTY:
        raise err.image_not_supported(message)
    if message == "Create" and data.get("imagetype") != 1:
        raise err.invalid_image_type(message)
    if data.get("messagepropertyname") != _IMAGE_PROPERTY[message]:
        raise err.invalid_message_property(str(data.get("messagepropertyname")), message)
    table = schema.by_name.get(_step_table(store, step) or "")
    for name in _columns(data.get("attributes")) or ():
        if table is not None and name not in table.attributes:
            raise err.bad_request(
                f"The column '{name}' of the image is not a column of {table.logical_name}."
            )


def _columns(text: Any) -> tuple[str, ...] | None:
    """``attributes``: comma-separated column names; empty: every column."""
    names = tuple(n.strip().lower() for n in str(text or "").split(",") if n.strip())
    return names or None


def _registration(store: Store, step: Row) -> StepRegistration | None:
    data = step.data
    endpoint = store.get("serviceendpoint", str(data.get("eventhandler") or ""))
    message = _message_name(store, data.get("sdkmessageid"))
    if endpoint is None or message is None or data.get("statecode") != 0:
        return None  # disabled, or its endpoint deleted (cascades are not emulated)
    images = []
    for image_id in sorted(
        store.find("sdkmessageprocessingstepimage", {"sdkmessageprocessingstepid": step.id})
    ):
        image = store.get("sdkmessageprocessingstepimage", image_id)
        if image is not None:
            images.append(
                ImageRegistration(
                    str(image.data.get("entityalias")),
                    int(image.data.get("imagetype") or 0),
                    _columns(image.data.get("attributes")),
                )
            )
    impersonating = data.get("impersonatinguserid")
    return StepRegistration(
        step_id=step.id,
        name=str(data.get("name") or ""),
        rank=int(data.get("rank") or 0),
        message=message,
        table=_step_table(store, step),
        endpoint=endpoint,
        impersonating_user=str(impersonating) if impersonating else None,
        filtering=frozenset(_columns(data.get("filteringattributes")) or ()),
        images=tuple(images),
    )


def matching_steps(store: Store, write: Write) -> list[StepRegistration]:
    """The enabled steps ``write`` runs, by rank ("Register a plug-in", Execution Order).

    An Update step with filtering attributes runs only when the update includes one of them
    ("Filtering Attributes"; "Include filtering attributes with plug-in registration"): the
    columns sent, and the status reason the platform sets with a new state."""
    rows = store.select(
        "sdkmessageprocessingstep",
        where="1=1",
        params=[],
        order="r.id",
        order_params=[],
        limit=_MAX_STEPS,
        offset=0,
    )
    sent = {name.lower() for name in write.sent}
    if "statecode" in sent:
        sent.add("statuscode")
    found = []
    for row in rows:
        step = _registration(store, row)
        if step is None or step.message != write.message:
            continue
        if step.table is not None and step.table != write.entity.logical_name:
            continue
        if write.message == "Update" and step.filtering and not step.filtering & sent:
            continue
        found.append(step)
    return sorted(found, key=lambda s: (s.rank, s.step_id))

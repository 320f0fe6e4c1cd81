"""``cityzen dataverse register-events``: the service endpoint and steps that make Dataverse post
each change of a case, and each message written on the conversation table, to the
``case-events`` queue, created or brought up to date idempotently.

What is registered (tables: "ServiceEndpoint", "SdkMessageProcessingStep",
"SdkMessageProcessingStepImage table/entity reference", Microsoft Learn; the walkthrough
"Register a Dataverse service endpoint" does the same with the Plug-in Registration Tool):
- one service endpoint, contract Queue (2), message format Json (2), SAS key authentication
  (2) with a policy of the queue that may only Send, the namespace and the queue as ``path``;
- a step on incident Create and one on incident Update: post-operation (stage 40),
  asynchronous (mode 1: "Azure Service Bus only allows for asynchronous steps", "Use
  WebHooks…"), server only, the finished system jobs deleted (``asyncautodelete``; a failed
  one stays, to be seen in System Jobs); the Update step filtered on the state, status reason
  and owner ("Include filtering attributes with plug-in registration");
- on each case step a post-image ``status`` with the columns a citizen-facing status needs: the
  case table's own (``IMAGE_COLUMNS``, what ``cases.CASE_COLUMNS`` reads) and the submission id
  column the mappings name (``EventRegistration.image_columns``; the composition root adds it),
  so that every event, not only the Create, says which request the case is. Each column must
  exist before the step is registered: the submission id column is provisioned
  (``cityzen dataverse provision``), and a missing one stops the command before any write;
- a step on the conversation table's Create (``mapping.CONVERSATION``, a custom activity: its
  Create is an event as any table's), with a post-image ``message`` holding what the cases code
  needs to tell the portal of an agent's message (direction, visibility, the case, the text).
  Its message filter exists once provisioning created the table: without it nothing is written
  and the error says to provision first.

The SDK message and its filter are found by name (``sdkmessages``, ``sdkmessagefilters``), as
"Register a plug-in" describes choosing a message and a primary table. Each object is found by
its name (the steps under this endpoint, the image under its step) and compared with what it
should be: created when missing, updated when it differs, else unchanged. The SAS key is never
read back (``IsValidForRead`` False): it is sent when the endpoint is created, when
``issaskeyset`` is false, or when asked (``update_key``: after a key rotation).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cityzen_connector.dataverse import DataverseClient, Query, and_, eq

from ._errors import ProvisionError
from ._event_steps import (
    ENDPOINT_NAME,
    IMAGE_ALIAS,
    IMAGE_COLUMNS,
    MESSAGE_IMAGE_ALIAS,
    MESSAGE_IMAGE_COLUMNS,
    PROFILE_IMAGE_ALIAS,
    STEPS,
    TABLE,
    UPDATE_FILTERING,
    EventRegistration,
    StepSpec,
    contact_step,
    endpoint_fields,
    image_fields,
    step_fields,
)

__all__ = [
    "ENDPOINT_NAME",
    "IMAGE_ALIAS",
    "IMAGE_COLUMNS",
    "MESSAGE_IMAGE_ALIAS",
    "MESSAGE_IMAGE_COLUMNS",
    "PROFILE_IMAGE_ALIAS",
    "STEPS",
    "UPDATE_FILTERING",
    "EventRegistration",
    "RegistrationLine",
    "contact_step",
    "register_events",
]

Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class RegistrationLine:
    kind: str  # service endpoint, step, image
    name: str
    outcome: Outcome
    dry_run: bool = False
    changed: tuple[str, ...] = ()  # the columns an update sets (never their values)

    def line(self) -> str:
        outcome = str(self.outcome)
        if self.dry_run and outcome != "unchanged":
            outcome = {"created": "would create", "updated": "would update"}[outcome]
        detail = f" ({', '.join(self.changed)})" if self.changed else ""
        return f"{outcome:<13} {self.kind:<17} {self.name}{detail}"


_BINDS = {
    "_eventhandler_value": ("eventhandler_serviceendpoint", "serviceendpoints"),
    "_sdkmessageid_value": ("sdkmessageid", "sdkmessages"),
    "_sdkmessagefilterid_value": ("sdkmessagefilterid", "sdkmessagefilters"),
}


def _body(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as a request body: ``_x_value`` lookups become ``@odata.bind``."""
    body: dict[str, Any] = {}
    for name, value in fields.items():
        if name in _BINDS:
            navigation, entity_set = _BINDS[name]
            body[f"{navigation}@odata.bind"] = f"/{entity_set}({value})"
        elif name != "statecode" or value != 0:
            body[name] = value
    return body


def _columns(text: Any) -> set[str]:
    return {part.strip().lower() for part in str(text or "").split(",") if part.strip()}


def _same(name: str, wanted: Any, found: Any) -> bool:
    if name in ("attributes", "filteringattributes"):
        return _columns(wanted) == _columns(found)
    if isinstance(wanted, str) and name.startswith("_"):
        return str(found).lower() == wanted.lower()
    return bool(found == wanted)


def _differences(wanted: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    return {n: v for n, v in wanted.items() if not _same(n, v, found.get(n))}


@dataclass(frozen=True)
class _Wanted:
    kind: str
    entity_set: str
    primary: str
    query: Query
    fields: Mapping[str, Any]
    on_create: Mapping[str, Any] = field(default_factory=dict)  # a bind to the parent
    secret: Mapping[str, Any] = field(default_factory=dict, repr=False)  # sent, never compared


class _Registrar:
    def __init__(
        self, client: DataverseClient, dry_run: bool, echo: Callable[[RegistrationLine], None]
    ) -> None:
        self.client, self.dry_run, self.echo = client, dry_run, echo
        self.lines: list[RegistrationLine] = []

    def ensure(self, wanted: _Wanted) -> str:
        """The row's id (a placeholder in a dry run that would create it)."""
        fields = wanted.fields
        columns = [wanted.primary, *(n for n in fields if not n.startswith("_"))]
        columns += [n for n in fields if n.startswith("_")]
        found = self.client.first(wanted.query.select(*dict.fromkeys(columns)))
        name = str(fields["name"])
        if found is None:
            row_id = str(uuid.uuid4())
            if not self.dry_run:
                body = {**_body(fields), **wanted.on_create, **wanted.secret}
                row_id = str(self.client.create(wanted.entity_set, body).id)
            self._say(RegistrationLine(wanted.kind, name, "created", self.dry_run))
            return row_id
        row_id = str(found[wanted.primary])
        changes = _differences(fields, found)
        if not changes and not wanted.secret:
            self._say(RegistrationLine(wanted.kind, name, "unchanged", self.dry_run))
            return row_id
        body = {**_body(changes), **wanted.secret}
        if "statecode" in changes:
            body["statecode"], body["statuscode"] = 0, 1  # Enabled
        if not self.dry_run:
            self.client.update(wanted.entity_set, row_id, body)
        shown = {n.removeprefix("_").removesuffix("_value") for n in changes} | set(wanted.secret)
        line = RegistrationLine(wanted.kind, name, "updated", self.dry_run, tuple(sorted(shown)))
        self._say(line)
        return row_id

    def _say(self, line: RegistrationLine) -> None:
        self.lines.append(line)
        self.echo(line)


def _sdk_ids(client: DataverseClient, spec: StepSpec, messages: dict[str, str]) -> tuple[str, str]:
    """The SDK message's id and its filter's on the step's table, looked up by name."""
    if spec.message not in messages:
        query = Query("sdkmessages").select("sdkmessageid").where(eq("name", spec.message))
        found = client.first(query)
        if found is None:
            raise ProvisionError(f"Dataverse has no SDK message named {spec.message}")
        messages[spec.message] = str(found["sdkmessageid"])
    message_id = messages[spec.message]
    query = Query("sdkmessagefilters").select("sdkmessagefilterid")
    query = query.where(
        and_(
            eq("_sdkmessageid_value", uuid.UUID(message_id)),
            eq("primaryobjecttypecode", spec.table),
        )
    )
    table_filter = client.first(query)
    if table_filter is None:
        hint = " (run `cityzen dataverse provision` first)" if spec.table != TABLE else ""
        raise ProvisionError(
            f"Dataverse has no {spec.message} message filter for the {spec.table} table{hint}"
        )
    return message_id, str(table_filter["sdkmessagefilterid"])


def _check_columns(client: DataverseClient, columns: tuple[str, ...]) -> None:
    """Every column of the case image exists: a missing one would stop the registration halfway
    (Dataverse refuses an image naming an unknown column), after the endpoint was written."""
    known = client.metadata.entity(TABLE, refresh=True).attributes
    missing = [name for name in columns if name not in known]
    if missing:
        raise ProvisionError(
            f"the {TABLE} table has no column {', '.join(missing)}: run"
            " `cityzen dataverse provision` first"
        )


def register_events(
    client: DataverseClient,
    config: EventRegistration,
    *,
    dry_run: bool = False,
    update_key: bool = False,
    echo: Callable[[RegistrationLine], None] = lambda line: None,
) -> list[RegistrationLine]:
    """Create or update the endpoint, its steps (``STEPS``) and their images; one line per
    object."""
    messages: dict[str, str] = {}
    _check_columns(client, config.image_columns)  # before any write
    sdk = [(spec, _sdk_ids(client, spec, messages)) for spec in config.steps]
    registrar = _Registrar(client, dry_run, echo)
    named = eq("name", ENDPOINT_NAME)
    found = client.first(Query("serviceendpoints").select("issaskeyset").where(named))
    # Without a key (the emulator's embedded queue) there is nothing to send.
    unset = found is None or not found.get("issaskeyset")
    send_key = bool(config.sas_key) and (unset or update_key)
    endpoint = registrar.ensure(
        _Wanted(
            "service endpoint",
            "serviceendpoints",
            "serviceendpointid",
            Query("serviceendpoints").where(named),
            endpoint_fields(config),
            secret={"saskey": config.sas_key} if send_key else {},
        )
    )
    for spec, (message_id, filter_id) in sdk:
        fields = step_fields(spec, endpoint, message_id, filter_id)
        mine = and_(eq("name", fields["name"]), eq("_eventhandler_value", uuid.UUID(endpoint)))
        step = registrar.ensure(
            _Wanted(
                "step",
                "sdkmessageprocessingsteps",
                "sdkmessageprocessingstepid",
                Query("sdkmessageprocessingsteps").where(mine),
                fields,
            )
        )
        of_step = eq("_sdkmessageprocessingstepid_value", uuid.UUID(step))
        registrar.ensure(
            _Wanted(
                f"image of {spec.message}",
                "sdkmessageprocessingstepimages",
                "sdkmessageprocessingstepimageid",
                Query("sdkmessageprocessingstepimages").where(
                    and_(of_step, eq("entityalias", spec.image_alias))
                ),
                image_fields(spec, config),
                on_create={
                    "sdkmessageprocessingstepid@odata.bind": f"/sdkmessageprocessingsteps({step})"
                },
            )
        )
    return registrar.lines

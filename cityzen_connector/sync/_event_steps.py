"""What ``register-events`` registers: the service endpoint's fields, and the steps on it with
their post-images (``STEPS``), named as the ServiceEndpoint, SdkMessageProcessingStep and
SdkMessageProcessingStepImage table references (Microsoft Learn) name their columns. The
registrar (``_event_registration``) compares these with what Dataverse holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cityzen_connector.mapping import CASE_STATUS_COLUMNS, CONVERSATION

__all__ = [
    "ENDPOINT_NAME",
    "IMAGE_ALIAS",
    "IMAGE_COLUMNS",
    "MESSAGE_IMAGE_ALIAS",
    "MESSAGE_IMAGE_COLUMNS",
    "PROFILE_IMAGE_ALIAS",
    "STEPS",
    "TABLE",
    "UPDATE_FILTERING",
    "EventRegistration",
    "StepSpec",
    "contact_step",
    "endpoint_fields",
    "image_fields",
    "step_fields",
]

ENDPOINT_NAME = "cityzen-case-events"
TABLE = "incident"
IMAGE_ALIAS = "status"
# The case table's columns a status needs: mapping's one list, which cases reads too.
IMAGE_COLUMNS = CASE_STATUS_COLUMNS
UPDATE_FILTERING = ("statecode", "statuscode", "ownerid")
MESSAGE_IMAGE_ALIAS = "message"
_C = CONVERSATION
MESSAGE_IMAGE_COLUMNS = (
    _C.subject,
    _C.text,
    "regardingobjectid",
    _C.direction,
    _C.visible,
    _C.message_id,
    "statecode",
    "ownerid",
    "createdby",
    "createdon",
    "versionnumber",
)


@dataclass(frozen=True)
class StepSpec:
    """One step on the endpoint: a message on a table, its filtering columns (Update), and its
    post-image."""

    table: str
    message: str
    image_alias: str
    image_columns: tuple[str, ...]
    filtering: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"CityZen case events: {self.message} of {self.table}"


STEPS = (
    StepSpec(TABLE, "Create", IMAGE_ALIAS, IMAGE_COLUMNS),
    StepSpec(TABLE, "Update", IMAGE_ALIAS, IMAGE_COLUMNS, UPDATE_FILTERING),
    StepSpec(_C.table, "Create", MESSAGE_IMAGE_ALIAS, MESSAGE_IMAGE_COLUMNS),
)
PROFILE_IMAGE_ALIAS = "profile"


def contact_step(table: str, columns: tuple[str, ...], key_column: str) -> StepSpec:
    """The contact's Update, filtered on the profile's columns, with a post-image of them, its
    key and its row version: an agent's change of a citizen's record reaches the portal's copy
    (``cityzen_connector.citizens``) as a case's change reaches its history."""
    image = (*columns, key_column, "versionnumber")
    return StepSpec(table, "Update", PROFILE_IMAGE_ALIAS, image, columns)


_IMAGE_PROPERTY = {"Create": "Id", "Update": "Target"}  # see emulator/_registrations.py


@dataclass(frozen=True)
class EventRegistration:
    """Where Dataverse posts: the Service Bus namespace (FQDN), the queue, the SAS policy."""

    namespace: str
    queue: str
    sas_key_name: str
    sas_key: str = field(repr=False)  # a secret: in no repr, no line, no log
    # The case post-image's columns: IMAGE_COLUMNS and the mappings' submission id column.
    image_columns: tuple[str, ...] = IMAGE_COLUMNS
    # The contact's Update step (``contact_step``) when the mappings have a profile.
    contact: StepSpec | None = None

    @property
    def steps(self) -> tuple[StepSpec, ...]:
        return STEPS if self.contact is None else (*STEPS, self.contact)

    @property
    def namespace_address(self) -> str:
        host = self.namespace.removeprefix("sb://").strip("/")
        return f"sb://{host}/"

    @property
    def solution_namespace(self) -> str:
        return self.namespace.removeprefix("sb://").strip("/").split(".", 1)[0]


def endpoint_fields(config: EventRegistration) -> dict[str, Any]:
    return {
        "name": ENDPOINT_NAME,
        "description": "CityZen connector: each change of a case, posted to its queue",
        "contract": 2,  # Queue
        "connectionmode": 1,  # Normal
        "authtype": 2,  # SAS Key
        "namespaceaddress": config.namespace_address,
        "namespaceformat": 2,  # Namespace Address
        "solutionnamespace": config.solution_namespace,
        "path": config.queue,
        "messageformat": 2,  # Json
        "userclaim": 1,  # None
        "saskeyname": config.sas_key_name,
    }


def step_fields(spec: StepSpec, endpoint: str, message_id: str, filter_id: str) -> dict[str, Any]:
    what = "case" if spec.table == TABLE else "message"
    what = "contact" if spec.image_alias == PROFILE_IMAGE_ALIAS else what
    fields: dict[str, Any] = {
        "name": spec.name,
        "description": f"Posts the {what} to the case-events queue (register-events)",
        "stage": 40,  # Post-operation
        "mode": 1,  # Asynchronous
        "rank": 1,
        "supporteddeployment": 0,  # Server Only
        "asyncautodelete": True,
        "filteringattributes": ",".join(spec.filtering) if spec.filtering else None,
        "statecode": 0,
        "_eventhandler_value": endpoint,
        "_sdkmessageid_value": message_id,
        "_sdkmessagefilterid_value": filter_id,
    }
    return fields


def image_fields(spec: StepSpec, config: EventRegistration) -> dict[str, Any]:
    """The step's post-image; a case step's columns are the configured ones (with the
    submission id column), the conversation step's its own."""
    columns = config.image_columns if spec.table == TABLE else spec.image_columns
    return {
        "name": spec.image_alias,
        "entityalias": spec.image_alias,
        "imagetype": 1,  # PostImage
        "messagepropertyname": _IMAGE_PROPERTY[spec.message],
        "attributes": ",".join(dict.fromkeys(columns)),
    }

"""Open311 GeoReport v2 wire shapes, with mySociety's service request updates.

Field names, order and meaning are the specification's (https://wiki.open311.org/GeoReport_v2,
"API Methods"); the updates are FixMyStreet's extension (mySociety, "Open311 FMS - Complete
Spec", "GET Service Request Updates" / "POST Service Request Update"). Every list answer is a
JSON array of these objects, or in XML a root element holding one element per object (the root
and item names are in ``XML_NAMES``). Dates are ISO 8601 with their offset (spec,
"Date/time format").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from ._problems import CATALOGUE, CatalogueEntry, ProblemCode

Datatype = Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
Open311Status = Literal["open", "closed"]
# An update's status: open or closed, or one of mySociety's additional states (lower-case, as
# FixMyStreet reads them).
Open311UpdateStatus = Literal["open", "closed", "fixed", "in_progress", "duplicate"]
_FROZEN = ConfigDict(frozen=True)


class Open311Service(BaseModel):
    """GET services: one sub-theme as a service ("GET Service List", response fields)."""

    model_config = _FROZEN

    service_code: str
    service_name: str
    description: str
    metadata: bool = Field(description="true: GET services/{service_code} lists attributes.")
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str = Field(description="The theme (its title).")


class Open311Value(BaseModel):
    model_config = _FROZEN

    key: str
    name: str


class Open311Attribute(BaseModel):
    """One attribute of a service definition ("GET Service Definition", response fields)."""

    model_config = _FROZEN

    variable: bool
    code: str
    datatype: Datatype
    required: bool
    datatype_description: str
    order: int
    description: str
    values: tuple[Open311Value, ...] = ()


class Open311ServiceDefinition(BaseModel):
    model_config = _FROZEN

    service_code: str
    attributes: tuple[Open311Attribute, ...]


class Open311Created(BaseModel):
    """POST requests, answered with the request's id ("POST Service Request", response)."""

    model_config = _FROZEN

    service_request_id: str
    service_notice: str = ""
    account_id: str | None = None


class Open311Queued(BaseModel):
    """POST requests, answered with a token while the request is not yet a case (spec: "the
    token ... can be used to call GET service_request_id from a token")."""

    model_config = _FROZEN

    token: str


class Open311TokenView(BaseModel):
    """GET tokens/{token}: the token, and the request's id once there is one."""

    model_config = _FROZEN

    token: str
    service_request_id: str | None = None


class Open311Request(BaseModel):
    """GET requests and GET requests/{id}: one service request ("GET Service Requests")."""

    model_config = _FROZEN

    service_request_id: str
    status: Open311Status
    status_notes: str | None = None
    service_name: str
    service_code: str
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    requested_datetime: datetime
    updated_datetime: datetime | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class Open311Update(BaseModel):
    """GET servicerequestupdates: a status change or an agent's public reply (mySociety)."""

    model_config = _FROZEN

    update_id: str
    service_request_id: str
    status: Open311UpdateStatus
    updated_datetime: datetime
    description: str
    media_url: str | None = None
    external_status_code: str | None = Field(
        None, description="The status vocabulary's code (mappings/status.toml), e.g. in_progress."
    )


class Open311UpdateAccepted(BaseModel):
    """POST servicerequestupdates: the update's id (mySociety)."""

    model_config = _FROZEN

    update_id: str


class Open311Error(BaseModel):
    """One error ("Errors"): the HTTP status as ``code``, and a description (here in English,
    then French)."""

    model_config = _FROZEN

    code: int
    description: str


class Open311Endpoint(BaseModel):
    model_config = _FROZEN

    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: tuple[str, ...]


class Open311Discovery(BaseModel):
    """GET discovery (https://wiki.open311.org/Service_Discovery)."""

    model_config = _FROZEN

    changeset: datetime
    contact: str
    key_service: str
    endpoints: tuple[Open311Endpoint, ...]


class Open311Services(RootModel[tuple[Open311Service, ...]]):
    pass


class Open311Requests(RootModel[tuple[Open311Request, ...]]):
    pass


class Open311CreatedList(RootModel[tuple[Open311Created | Open311Queued, ...]]):
    pass


class Open311Tokens(RootModel[tuple[Open311TokenView, ...]]):
    pass


class Open311Updates(RootModel[tuple[Open311Update, ...]]):
    pass


class Open311UpdatesAccepted(RootModel[tuple[Open311UpdateAccepted, ...]]):
    pass


class Open311Errors(RootModel[tuple[Open311Error, ...]]):
    pass


# XML: the root element and the element of each item, as the specification's examples show.
XML_NAMES: dict[str, tuple[str, str | None]] = {
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "requests": ("service_requests", "request"),
    "tokens": ("service_requests", "request"),
    "updates": ("service_request_updates", "request_update"),
    "errors": ("errors", "error"),
    "discovery": ("discovery", None),
}
# Lists inside an object, and the element of each of their items.
XML_ITEMS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint"}
XML_ITEMS_FORMATS = "format"


def _reuse(code: ProblemCode) -> CatalogueEntry:
    return CATALOGUE[code]


# GeoReport errors' texts: the problem catalogue's where it has one, and the few GeoReport's
# own ("Errors" of each method: a wrong jurisdiction_id, a missing or invalid api_key, an
# unknown service_code). Keys are stable codes, for the docs and the tests; the wire has the
# HTTP status as ``code`` and these texts as ``description``.
CATALOGUE_OPEN311: Mapping[str, CatalogueEntry] = MappingProxyType(
    {
        "invalid_parameter": _reuse(ProblemCode.INVALID_PARAMETER),
        "validation_failed": CatalogueEntry(
            400, "The request is not valid.", "La demande n’est pas valide."
        ),
        "outside_territory": CatalogueEntry(
            400,
            _reuse(ProblemCode.OUTSIDE_TERRITORY).en,
            _reuse(ProblemCode.OUTSIDE_TERRITORY).fr,
        ),
        "jurisdiction_not_found": CatalogueEntry(
            404,
            "This jurisdiction_id is not served here.",
            "Ce jurisdiction_id n’est pas desservi ici.",
        ),
        "api_key_invalid": CatalogueEntry(
            403,
            "The api_key is missing, unknown or revoked.",
            "La clé api_key est absente, inconnue ou révoquée.",
        ),
        "service_not_found": CatalogueEntry(
            404, "No such service_code.", "Ce service_code n’existe pas."
        ),
        "not_found": _reuse(ProblemCode.NOT_FOUND),
        "request_closed": _reuse(ProblemCode.REQUEST_CLOSED),
        "payload_too_large": _reuse(ProblemCode.PAYLOAD_TOO_LARGE),
        "unsupported_media_type": _reuse(ProblemCode.UNSUPPORTED_MEDIA_TYPE),
        "service_unavailable": _reuse(ProblemCode.SERVICE_UNAVAILABLE),
        "internal_error": _reuse(ProblemCode.INTERNAL_ERROR),
    }
)


_TEXT = Field(max_length=200)
_SERVICE_CODE = r"^[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}$"


class Open311RequestForm(BaseModel):
    """POST requests, form-encoded ("POST Service Request", arguments). Attributes are
    ``attribute[code]`` fields (``attribute[code][]`` repeated for a multivaluelist)."""

    model_config = ConfigDict(
        frozen=True,
        extra="allow",
        json_schema_extra={
            "patternProperties": {
                r"^attribute\[[a-z][a-z0-9_]{0,63}\](\[\])?$": {"type": "string", "maxLength": 2000}
            },
            "additionalProperties": False,
        },
    )

    api_key: str = Field(max_length=200, description="The app's key (403 when missing or wrong).")
    service_code: str = Field(pattern=_SERVICE_CODE)
    jurisdiction_id: str | None = Field(None, max_length=100)
    lat: float | None = Field(None, ge=-90, le=90, description="WGS84; with long.")
    long: float | None = Field(None, ge=-180, le=180, description="WGS84; with lat.")
    address_string: str | None = Field(None, max_length=200)
    address_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    email: str | None = Field(None, max_length=254)
    device_id: str | None = _TEXT
    deviceid: str | None = Field(None, max_length=200, description="FixMyStreet's device_id.")
    account_id: str | None = _TEXT
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=2000)
    media_url: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^https?://[!-~]+$",
        description="May be repeated (FixMyStreet's several photos); never fetched.",
    )


class Open311UpdateForm(BaseModel):
    """POST servicerequestupdates, form-encoded (mySociety, "POST Service Request Update")."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: str = Field(max_length=200)
    service_request_id: str = Field(max_length=36)
    update_id: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=1, max_length=2000)
    updated_datetime: str | None = Field(None, max_length=40)
    jurisdiction_id: str | None = Field(None, max_length=100)
    status: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    title: str | None = _TEXT
    media_url: str | None = Field(
        None,
        max_length=1000,
        pattern=r"^https?://[!-~]+$",
        description="May be repeated (FixMyStreet's several photos); never fetched.",
    )
    account_id: str | None = _TEXT
    service_code: str | None = Field(None, max_length=200, description="Read, ignored.")
    email_alerts_requested: str | None = Field(None, max_length=10, description="Ignored.")

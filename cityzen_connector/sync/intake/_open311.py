"""An Open311 request filed through the same intake as the portal's (``submit``), and the
record that lets its client app follow it.

The app is a channel of its own (``channel = open311``, the case's origin). Its citizen is
named by what the app sends: the contact is keyed by the e-mail address (else the phone
number), never by a name, so two reports with the same address reach one contact; a contact
that merely resembles another is flagged on the case, never merged (mappings/contact.toml,
``lookalike``). A report with neither is filed under the app's own anonymous contact.

Each request the app filed has a small record in the app's own partition: what GET requests
answers besides the status (service, address, point, media URL, description), no name, e-mail
or phone. Another app never reads it: every read goes through the caller's own partition.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.mapping import identity_key
from cityzen_connector.models import FormValue
from cityzen_connector.store import Record

from ._errors import SubmissionNotFoundError, unavailable_as_503
from ._open311_keys import ApiKeyInfo
from ._submit import IngestPorts, SubmissionInput, submit

# The issuer of Open311 citizens' pseudonymous identity (RFC 2606: .invalid never resolves).
OPEN311_ISSUER = "https://open311.invalid/georeport/v2"
# How long an app can follow what it filed (GET requests, updates).
OPEN311_RETENTION = timedelta(days=400)
_PORTAL = CallerIdentity.trusted_portal("open311")


# An app's record of a request it filed (its key: the request's id).
FiledRequest = Record


def requests_partition(key_id: str) -> str:
    return f"open311-requests-{key_id}"


@dataclass(frozen=True)
class Open311Filing:
    """A POST requests form, read (``api.open311``) but not yet validated against the form."""

    theme: str
    sub_theme: str
    subject: str
    description: str = ""
    fields: Mapping[str, FormValue] = field(default_factory=dict)
    location: Mapping[str, Any] | None = None
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    media_url: str | None = None
    address_id: str | None = None


def _citizen(filing: Open311Filing, key: ApiKeyInfo, pepper: bytes) -> dict[str, Any]:
    # The e-mail (else the phone) names the person; the same text the contact column keeps.
    who = (
        f"email:{filing.email.strip().lower()}"
        if filing.email
        else f"phone:{filing.phone.strip()}"
        if filing.phone
        else f"anonymous:{key.key_id}"
    )
    citizen: dict[str, Any] = {
        "issuer": OPEN311_ISSUER,
        "sub": identity_key(OPEN311_ISSUER, who, pepper=pepper),
    }
    for name, value in (
        ("given_name", filing.first_name),
        ("family_name", filing.last_name),
        ("email", filing.email),
        ("phone", filing.phone),
    ):
        if value:
            citizen[name] = value
    return citizen


@unavailable_as_503
def file_open311(
    filing: Open311Filing, key: ApiKeyInfo, ports: IngestPorts
) -> tuple[uuid.UUID, Record]:
    """File one request for the app ``key``: validated, queued and recorded as ``submit`` does
    for the portal (same errors), then remembered for the app. Nothing stays on refusal."""
    submission_id = uuid.uuid4()
    body: dict[str, Any] = {
        "id": str(submission_id),
        "theme": filing.theme,
        "sub_theme": filing.sub_theme,
        "subject": filing.subject,
        "description": filing.description,
        "channel": "open311",
        "fields": dict(filing.fields),
        "citizen": _citizen(filing, key, ports.identity_key),
    }
    if filing.location:
        body["location"] = dict(filing.location)
    now = ports.clock()
    location = filing.location or {}
    team = ports.catalog.route(
        filing.theme, filing.sub_theme, citycode=location.get("citycode")
    ).team
    value = {
        "theme": filing.theme,
        "sub_theme": filing.sub_theme,
        "requested_at": now.isoformat(),
        "team": team,
        "description": filing.description,
        "address": location.get("label"),
        "address_id": filing.address_id,
        "zipcode": location.get("postcode"),
        "lat": location.get("latitude"),
        "long": location.get("longitude"),
        "media_url": filing.media_url,
    }
    partition = requests_partition(key.key_id)
    # The record first (create-only), then the submission; a refusal removes the record, so
    # the app never follows a request that does not exist, nor loses one that does.
    record = ports.store.put(
        partition, str(submission_id), value, create_only=True, expires_at=now + OPEN311_RETENTION
    )
    try:
        submit(SubmissionInput(body=body), _PORTAL, ports)
    except BaseException:
        ports.store.delete(partition, str(submission_id))
        raise
    return submission_id, record


@unavailable_as_503
def filed_by_app(request_id: str, key: ApiKeyInfo, ports: IngestPorts) -> Record:
    """The app's record of a request it filed; ``SubmissionNotFoundError`` for any other id
    (another app's request reads as one that does not exist)."""
    try:
        parsed = uuid.UUID(request_id)
    except (ValueError, TypeError, AttributeError):
        raise SubmissionNotFoundError("no such request") from None
    record = ports.store.get(requests_partition(key.key_id), str(parsed))
    if record is None:
        raise SubmissionNotFoundError("no such request")
    return record


@unavailable_as_503
def filed_by_token(token: str, keys: Sequence[ApiKeyInfo], ports: IngestPorts) -> Record:
    """The record of the request ``token`` names, whichever active app filed it: GET tokens
    is asked without an api_key (GeoReport v2, "GET service_request_id from a token", lists
    jurisdiction_id only; FixMyStreet's client sends none), the random token is the capability.
    ``SubmissionNotFoundError`` when no active app filed it. One store read per app (a few)."""
    for key in keys:
        if key.active:
            try:
                return filed_by_app(token, key, ports)
            except SubmissionNotFoundError:
                continue
    raise SubmissionNotFoundError("no such request")


@unavailable_as_503
def filed_requests(key: ApiKeyInfo, ports: IngestPorts) -> list[Record]:
    """Every request the app filed still followed, oldest first."""
    records = ports.store.query(requests_partition(key.key_id))
    return sorted(records, key=lambda r: (str(r.value.get("requested_at")), r.key))


def portal_view() -> CallerIdentity:
    """Who reads an app's request once ``filed_by_app`` proved it is the app's: the intake's
    status read sees it as the trusted portal would."""
    return _PORTAL

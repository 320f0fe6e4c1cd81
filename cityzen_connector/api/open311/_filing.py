"""A POST requests form as an Open311 filing ("POST Service Request", arguments).

``service_code`` names the sub-theme; the location is ``lat`` and ``long`` together, or
``address_string``, or ``address_id`` (the spec: "lat & long both required if no
address_string or address_id"); attributes are converted to the form's types and then checked
by the portal's own form validation when the filing is submitted. The subject of the case is
the service's name (GeoReport has none); ``media_url`` is kept for the app and, when it fits,
added to the description the agent reads.
"""

from __future__ import annotations

import re
from typing import Any

from cityzen_connector.models import FormValue
from cityzen_connector.sync.intake import IngestPorts, Open311Filing

from ._errors import GeoReportError
from ._form import Form
from ._services import form_value, split_code

POST_ARGUMENTS = frozenset(
    {
        *("jurisdiction_id", "api_key", "service_code", "lat", "long", "address_string"),
        *("address_id", "email", "device_id", "account_id", "first_name", "last_name"),
        *("phone", "description", "media_url"),
        # FixMyStreet's name for device_id (Open311.pm, use_service_as_deviceid): ignored too.
        "deviceid",
    }
)
_COORDINATE = re.compile(r"^-?[0-9]{1,3}(\.[0-9]{1,15})?$")
MEDIA_URL = re.compile(r"^https?://[!-~]{1,1000}$")
_ADDRESS_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
MAX_DESCRIPTION = 2000


def _point(form: Form, problems: list[str]) -> dict[str, float]:
    lat, long = form.get("lat"), form.get("long")
    if lat is None and long is None:
        return {}
    if lat is None or long is None:
        problems.append("lat/long: both or neither")
        return {}
    point = {}
    for name, text, bound in (("latitude", lat, 90), ("longitude", long, 180)):
        if not _COORDINATE.match(text) or abs(float(text)) > bound:
            problems.append(f"{name[:3] if name == 'latitude' else 'long'}: a WGS84 degree")
        else:
            point[name] = float(text)
    return point


def _service(
    form: Form, ports: IngestPorts, problems: list[str]
) -> tuple[tuple[str, str] | None, str, dict[str, Any]]:
    """The sub-theme named, its title, and the attributes as the form's values."""
    catalog = ports.catalog
    code = form.get("service_code")
    codes = split_code(code) if code else None
    theme = catalog.themes.get(codes[0]) if codes else None
    if codes is None or theme is None or codes[1] not in theme.sub_themes:
        problems.append(
            "service_code: required" if code is None else "service_code: no such service"
        )
        return None, "", {}
    declared = {f.name: f for f in catalog.form(*codes)}
    fields: dict[str, Any] = {}
    for name, given in form.attributes.items():
        if isinstance(given, list):
            # No form field here takes several values (no multivaluelist).
            problems.append(f"attribute[{name}]: one value expected")
        elif given != "":
            value: FormValue = form_value(declared.get(name), given)
            fields[name] = value
    return codes, theme.sub_themes[codes[1]].title, fields


def with_photos(text: str, photos: tuple[str, ...]) -> str:
    """The text and, each on its line, the photos' URLs that fit in the case's description (the
    connector never fetches them: an agent opens them if they wish)."""
    for url in photos:
        line = f"\n\nPhoto : {url}" if text else f"Photo : {url}"
        if len(text) + len(line) <= MAX_DESCRIPTION:
            text += line
    return text


def filing_of(form: Form, ports: IngestPorts) -> Open311Filing:
    """The filing, or ``GeoReportError`` listing every argument that is wrong (names only)."""
    problems: list[str] = []
    codes, subject, fields = _service(form, ports, problems)
    location: dict[str, Any] = dict(_point(form, problems))
    if form.get("address_string") is not None:
        location["label"] = form.get("address_string")
    address_id = form.get("address_id")
    if address_id is not None:
        if _ADDRESS_ID.match(address_id):
            location["geocoder_id"] = address_id
        else:
            problems.append("address_id: 1 to 64 letters, digits or _ . : -")
    if not location and not problems:
        problems.append("lat/long, address_string or address_id: one is required")
    photos = form.every("media_url")
    if any(not MEDIA_URL.match(url) for url in photos):
        problems.append("media_url: an http(s) URL of 1,000 characters at most")
    if problems:
        raise GeoReportError("validation_failed", *problems)
    assert codes is not None
    media_url = photos[0] if photos else None
    description = with_photos((form.get("description") or "").strip(), photos)
    return Open311Filing(
        theme=codes[0],
        sub_theme=codes[1],
        subject=subject,
        description=description,
        fields=fields,
        location=location or None,
        email=form.get("email"),
        phone=form.get("phone"),
        first_name=form.get("first_name"),
        last_name=form.get("last_name"),
        media_url=media_url,
        address_id=address_id,
    )

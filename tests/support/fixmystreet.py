"""A FixMyStreet Open311 client, as mySociety's ``perllib/Open311.pm`` behaves (read, then
written again in Python; nothing copied), over the in-process world.

What it does that matters to a server:
- XML always (its endpoints are ``services.xml``, ``requests.xml``,
  ``servicerequestupdates.xml``), parsed as ``XML::Simple`` with ``ForceArray`` on the item
  tags, ``GroupTags`` folding ``<attributes><attribute>`` into a list, ``SuppressEmpty =>
  undef``, the root element dropped;
- ``jurisdiction_id`` on every call when the body has one; ``api_key`` on every POST but, of
  the GETs, only on ``servicerequestupdates`` (tokens and requests are asked without it);
- POSTs form-encoded by ``HTTP::Request::Common`` (no charset parameter), a list value (several
  ``media_url`` with "multi photos") as the same name repeated;
- the answer to POST requests read as ``request[0].service_request_id``, else its ``token``
  followed with ``GET tokens/{token}.xml`` until it names an id;
- dates as ``DateTime::Format::W3CDTF`` writes them (``Z`` for UTC, ``+hh:mm`` otherwise) and
  an update's date compared, as UTC text, with the window it asked for (``check_date``);
- an error answer read as ``error[].code`` and ``error[].description``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml

from cityzen_connector.api import ApiResponse
from tests.support.open311 import BASE, App

# Open311.pm, _get_xml_object: the tags folded into lists (and forced to be lists).
GROUP_TAGS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "service_request_updates": "request_update",
    "groups": "group",
}
_FORCED = frozenset(GROUP_TAGS.values())
_W3CDTF = re.compile(
    r"^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?"
    r"(Z|[+-]\d\d:\d\d)?)?)?)?$"
)


def _content(element: Element) -> Any:
    children = list(element)
    if not children:
        return element.text or None  # SuppressEmpty => undef
    out: dict[str, Any] = {}
    for child in children:
        if child.tag in GROUP_TAGS:
            items = [_content(c) for c in child if c.tag == GROUP_TAGS[child.tag]]
            out[child.tag] = items if len(child) else None
        elif child.tag in _FORCED:
            out.setdefault(child.tag, []).append(_content(child))
        elif child.tag in out:  # XML::Simple makes a repeated tag a list
            previous = out[child.tag]
            out[child.tag] = [*(previous if isinstance(previous, list) else [previous])]
            out[child.tag].append(_content(child))
        else:
            out[child.tag] = _content(child)
    return out


def xml_simple(body: bytes) -> Any:
    """The answer as ``XML::Simple`` gives it to FixMyStreet (``undef`` when it is not XML)."""
    try:
        root = SafeXml.fromstring(body)
    except SafeXml.ParseError:
        return None
    return _content(root)


def w3cdtf_parse(text: str) -> datetime:
    """``DateTime::Format::W3CDTF->parse_datetime``: a floating time without an offset."""
    found = _W3CDTF.match(text)
    if found is None:
        raise ValueError(f"Invalid W3CDTF datetime string ({text})")
    year, month, day, hour, minute, second, fraction, zone = found.groups()
    tz: timezone | None = None
    if zone == "Z":
        tz = UTC
    elif zone:
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    micro = round(float(fraction) * 1_000_000) if fraction else 0
    return datetime(
        int(year), int(month or 1), int(day or 1), int(hour or 0), int(minute or 0),
        int(second or 0), micro, tzinfo=tz,
    )  # fmt: skip


def w3cdtf_format(moment: datetime) -> str:
    """``DateTime::Format::W3CDTF->format_datetime`` of a whole-second time."""
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    offset = moment.utcoffset()
    if offset is None:
        return base
    if moment.tzinfo is UTC:
        return base + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{base}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# Open311.pm, map_state (without the body's extended statuses).
_STATES = {
    "fixed": "fixed - council",
    "not councils responsibility": "not responsible",
    "no further action": "unable to fix",
    "open": "confirmed",
}


def map_state(incoming: str, *, extended_statuses: bool = False) -> str:
    state = incoming.lower().replace("_", " ")
    if state == "closed":
        return "closed" if extended_statuses else "fixed - council"
    return _STATES.get(state, state)


@dataclass
class FixMyStreet:
    """One FixMyStreet body's Open311 configuration: endpoint, jurisdiction, api key."""

    app: App
    jurisdiction: str | None = None
    polls: int = 5  # O311_POLLING_MAX_TRIES
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    error: str = ""

    @property
    def api_key(self) -> str:
        return self.app.key

    def _request(self, method: str, path: str, params: dict[str, Any]) -> Any:
        params = dict(params)
        if self.jurisdiction:
            params["jurisdiction_id"] = self.jurisdiction
        if method == "POST":
            params["api_key"] = self.api_key
        self.calls.append((method, path, params))
        world = self.app.world
        if method == "GET":
            response = world.request("GET", f"{BASE}/{path}", key=False, query=params)
        else:
            body = urlencode(params, doseq=True).encode("utf-8")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            response = world.request("POST", f"{BASE}/{path}", body, headers, key=False)
        if 200 <= response.status < 300:
            self.error = ""
            return response.body
        self.error = self._process_error(response)
        return None

    @staticmethod
    def _process_error(response: ApiResponse) -> str:
        found = xml_simple(response.body)
        lines = [
            f"{e.get('code') or '???'}: {e.get('description') or 'unknown error'}"
            for e in (found or {}).get("error", [])
        ]
        return "\n".join(lines) or "unknown error"

    def _xml(self, method: str, path: str, params: dict[str, Any] | None = None) -> Any:
        body = self._request(method, path, params or {})
        return xml_simple(body) if body is not None else None

    # The methods FixMyStreet calls.

    def get_service_list(self) -> Any:
        return self._xml("GET", "services.xml")

    def get_service_meta_info(self, service_code: str) -> Any:
        return self._xml("GET", f"services/{service_code}.xml")

    def send_service_request(self, params: dict[str, Any], *, on_poll: Any = None) -> str | int:
        """The id FixMyStreet keeps as the report's ``external_id``, or 0 (it sends again)."""
        found = self._xml("POST", "requests.xml", params)
        if not found or not found.get("request"):
            return 0
        first = found["request"][0]
        if first.get("service_request_id"):
            return str(first["service_request_id"])
        token = first.get("token")
        if not token:
            return 0
        for _ in range(self.polls):
            if on_poll is not None:
                on_poll()
            request_id = self.get_service_request_id_from_token(token)
            if request_id:
                return request_id
        return 0

    def get_service_request_id_from_token(self, token: str) -> str | int:
        found = self._xml("GET", f"tokens/{token}.xml")
        if found and found.get("request") and found["request"][0].get("service_request_id"):
            return str(found["request"][0]["service_request_id"])
        return 0

    def get_service_requests(self, report_ids: list[str]) -> Any:
        found = self._xml("GET", "requests.xml", {"service_request_id": ",".join(report_ids)})
        return (found or {}).get("request")

    def get_service_request_updates(self, start: datetime, end: datetime) -> list[Any] | None:
        params = {
            "api_key": self.api_key,
            "start_date": w3cdtf_format(start),
            "end_date": w3cdtf_format(end),
        }
        found = self._xml("GET", "servicerequestupdates.xml", params)
        if found is None:
            return None
        updates: list[Any] = found.get("request_update") or []
        return updates

    def post_service_request_update(self, params: dict[str, Any]) -> str | int:
        found = self._xml("POST", "servicerequestupdates.xml", params)
        if found and found.get("request_update"):
            update_id = found["request_update"][0].get("update_id")
            if isinstance(update_id, str) and update_id:
                return update_id
        return 0


def in_window(update: dict[str, Any], start: datetime, end: datetime) -> bool:
    """``UpdatesBase::check_date``: the update's date parsed, written in UTC and compared as
    text with the window's own W3CDTF texts; an update whose date does not parse is skipped."""
    try:
        moment = w3cdtf_parse(update.get("updated_datetime") or "")
    except ValueError:
        return False
    if moment.tzinfo is None:
        return False  # floating: FixMyStreet would read it in its own time zone
    text = w3cdtf_format(moment.astimezone(UTC))
    return w3cdtf_format(start) <= text <= w3cdtf_format(end)

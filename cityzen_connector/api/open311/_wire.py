"""Open311 answers in JSON or XML, and the GeoReport error list.

The format is the resource's suffix (GeoReport v2, "Format Support": ``/services.xml``,
``/services.json``). XML is written by hand from the models' data, so nothing a client or an
agent typed can become markup: every text is escaped (``&``, ``<``, ``>``) and characters XML
1.0 cannot hold (section 2.2, ``Char``: most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
dropped; element names are ours only. The XML declaration names UTF-8 ("Encoding": "the root
element must be preceded with the XML declaration including the encoding attribute").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from cityzen_connector.models import (
    CATALOGUE_OPEN311,
    XML_ITEMS,
    XML_ITEMS_FORMATS,
    XML_NAMES,
    Open311Error,
)

from .._http import ApiResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-]
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def xml_text(value: object) -> str:
    """A value as XML character data: ISO dates, lower-case booleans, escaped text."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, datetime):
        text = value.isoformat()
    else:
        text = str(value)
    return _NOT_XML.sub("", text).translate(_ESCAPES)


def _element(name: str, value: Any, out: list[str]) -> None:
    if value is None:
        out.append(f"<{name}/>")
    elif isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _element(key, item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        item_name = XML_ITEMS.get(name, XML_ITEMS_FORMATS)
        out.append(f"<{name}>")
        for item in value:
            _element(item_name, item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{xml_text(value)}</{name}>")


def to_xml(kind: str, payload: Any) -> bytes:
    """``payload`` (JSON-ready data) under the root element of ``kind`` (``XML_NAMES``)."""
    root, item = XML_NAMES[kind]
    out = ['<?xml version="1.0" encoding="utf-8"?>']
    if item is None:
        _element(root, payload, out)
    else:
        out.append(f"<{root}>")
        for entry in payload:
            _element(item, entry, out)
        out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def _data(payload: BaseModel | Sequence[BaseModel]) -> Any:
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json")
    return [item.model_dump(mode="json") for item in payload]


def answer(
    kind: str,
    payload: BaseModel | Sequence[BaseModel],
    fmt: str,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    data = _data(payload)
    if fmt == "xml":
        body = to_xml(kind, data)
    else:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return ApiResponse(status, body, {"Content-Type": CONTENT_TYPES[fmt], **(headers or {})})


def describe(code: str, detail: str | None = None) -> str:
    """An error's description: English, then French (the catalogue's texts), a detail naming a
    parameter or rule (never a value) before them when there is one."""
    entry = CATALOGUE_OPEN311[code]
    text = f"{entry.en} / {entry.fr}"
    return f"{detail} -- {text}" if detail else text


def errors(
    code: str,
    fmt: str,
    details: Iterable[str | None] = (None,),
    headers: Mapping[str, str] | None = None,
) -> ApiResponse:
    """The GeoReport error list ("Errors": each with the HTTP status as its code)."""
    status = CATALOGUE_OPEN311[code].status
    listed = [Open311Error(code=status, description=describe(code, d)) for d in details]
    if not listed:
        listed = [Open311Error(code=status, description=describe(code))]
    return answer("errors", listed, fmt, status=status, headers=headers)


def format_of(params: dict[str, str]) -> str:
    """The suffix asked for; the route only matches ``json`` and ``xml``."""
    fmt = params.get("format", "json").lower()
    return fmt if fmt in FORMATS else "json"

"""A feed's bytes → well-labelled UTF-8 XML, or the reason it is refused, before any parser.

Encoding. Servers and CMSs often disagree with their own bytes: an XML declaration saying
ISO-8859-1 over UTF-8 bytes (an old template on a UTF-8 database), or UTF-8 declared over
Windows-1252 bytes. The text is decoded once, here, by these rules, then handed to the parser
as UTF-8 with a matching declaration, so that "é" never becomes "Ã©":

1. a byte-order mark, or the first bytes of a UTF-16/32 document without one, decide (XML 1.0,
   appendix F);
2. bytes that are valid UTF-8 are UTF-8, whatever is declared: non-ASCII text in another
   encoding is almost never valid UTF-8 by accident, while the reverse mislabelling is common;
3. otherwise the declared charset (HTTP ``Content-Type`` first, as RFC 7303 section 3.2 says,
   then the XML declaration), when Python knows it and it decodes the bytes;
4. otherwise Windows-1252, the superset of ISO-8859-1 that French CMSs actually write.

Hostile XML. Entity declarations are what the "billion laughs" expansion and external entities
(XXE: reading a local file or an intranet URL into the feed) need; no real feed declares one.
A document declaring any ``<!ENTITY`` (outside CDATA) is refused outright, before a parser sees
it (as defusedxml's ``forbid_entities`` does). A plain ``<!DOCTYPE>`` (RSS 0.91's) is allowed:
feedparser removes it and never fetches its DTD. The HTML named entities RSS 0.91 feeds use
(``&eacute;``), undefined in XML, become character references so a strict parser accepts them.
"""

from __future__ import annotations

import codecs
import html.entities
import re
from dataclasses import dataclass, field

__all__ = ["Decoded", "Refused", "decode_feed"]

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# XML 1.0 appendix F.1, "without a byte order mark": '<?' in each wide encoding.
_WIDE = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARATION = re.compile(r"""^\s*<\?xml\b[^>]*?\?>""")
_DECLARED = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._-]{1,40})""", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(r"<!ENTITY", re.IGNORECASE)
# Searched everywhere but in CDATA sections (an article about XML may quote a declaration
# there; a DTD cannot hide in one, CDATA is not allowed before the root element).
_CDATA = re.compile(r"<!\[CDATA\[.*?\]\]>", re.DOTALL)
_NAMED_REFERENCE = re.compile(r"&([A-Za-z][A-Za-z0-9]{1,31});")
_XML_PREDEFINED = frozenset({"amp", "lt", "gt", "quot", "apos"})
FALLBACK = "windows-1252"


@dataclass(frozen=True)
class Decoded:
    """UTF-8 XML with ``encoding="utf-8"`` declared; ``encoding``: what the bytes really were;
    ``relabelled``: it differs from what was declared."""

    xml: bytes = field(repr=False)
    encoding: str
    relabelled: bool


@dataclass(frozen=True)
class Refused:
    """Not handed to a parser. ``reason`` is a short log-safe code."""

    reason: str


def decode_feed(body: bytes, content_type: str | None) -> Decoded | Refused:
    declared = _declared(body, content_type)
    encoding, text = _decode(body, declared)
    if text is None:
        return Refused("encoding")
    if _ENTITY_DECLARATION.search(_CDATA.sub("", text)):
        return Refused("entity_declaration")
    text = _NAMED_REFERENCE.sub(_numeric_reference, _DECLARATION.sub("", text, count=1))
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n' + text.lstrip("\ufeff")).encode("utf-8")
    relabelled = declared is not None and codecs.lookup(declared).name != encoding
    return Decoded(xml, encoding, relabelled)


def _declared(body: bytes, content_type: str | None) -> str | None:
    """The charset the HTTP header, else the XML declaration, names (if Python knows it)."""
    candidates = []
    if content_type and (found := _CHARSET.search(content_type)):
        candidates.append(found.group(1))
    if found_xml := _DECLARED.match(body[:512]):
        candidates.append(found_xml.group(1).decode("ascii"))
    for name in candidates:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return None


def _decode(body: bytes, declared: str | None) -> tuple[str, str | None]:
    for mark, encoding in _BOMS:
        if body.startswith(mark):
            return encoding, _try(body[len(mark) :], encoding)
    for start, encoding in _WIDE:
        if body.startswith(start):
            return encoding, _try(body, encoding)
    if (text := _try(body, "utf-8")) is not None:
        return "utf-8", text
    wide = declared is None or declared.startswith("utf-")
    if declared and not wide and (text := _try(body, declared)) is not None:
        return declared, text
    return FALLBACK, _try(body, FALLBACK) or body.decode("latin-1")


def _try(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _numeric_reference(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_PREDEFINED or name not in html.entities.name2codepoint:
        return match.group(0)
    return f"&#{html.entities.name2codepoint[name]};"

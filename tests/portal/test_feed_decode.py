"""Bytes before the parser: wrongly labelled encodings read right, hostile DTDs refused."""

from __future__ import annotations

import codecs

import pytest

from cityzen_connector.portal._feed_decode import Decoded, Refused, decode_feed
from cityzen_connector.portal._feed_parse import ParsedFeed, parse_feed
from tests.portal.feeds import item, rss

TITLE = "Fête de l’été à Noël : œuvres & châteaux"
TITLE_XML = TITLE.replace("&", "&amp;")
URL = "https://www.valmont.example.fr/rss.xml"


def titles(body: bytes, content_type: str | None = None) -> list[str]:
    decoded = decode_feed(body, content_type)
    assert isinstance(decoded, Decoded), decoded
    parsed = parse_feed(decoded, URL)
    assert isinstance(parsed, ParsedFeed), parsed
    return [entry["title"] for entry in parsed.entries]


def test_declared_iso_8859_1_over_utf_8_bytes_reads_as_utf_8() -> None:
    body = rss(item("Fête de la musique"), encoding="ISO-8859-1").encode("utf-8")
    assert titles(body) == ["Fête de la musique"]  # not "FÃªte"
    decoded = decode_feed(body, None)
    assert isinstance(decoded, Decoded)
    assert (decoded.encoding, decoded.relabelled) == ("utf-8", True)


def test_declared_utf_8_over_windows_1252_bytes_reads_as_windows_1252() -> None:
    body = rss(item(TITLE_XML), encoding="UTF-8").encode("windows-1252")
    assert titles(body) == [TITLE]


def test_an_http_charset_saying_utf_8_over_latin_1_bytes_is_corrected_too() -> None:
    body = rss(item("Théâtre"), encoding="utf-8").encode("iso-8859-1")
    assert titles(body, "application/rss+xml; charset=utf-8") == ["Théâtre"]


def test_a_correct_latin_9_declaration_is_honoured() -> None:
    # ISO-8859-15 has the euro sign at 0xA4, where ISO-8859-1 has "¤".
    body = rss(item("Tarif : 5 €"), encoding="ISO-8859-15").encode("iso-8859-15")
    assert titles(body) == ["Tarif : 5 €"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_wide_encodings_and_byte_order_marks(codec: str) -> None:
    declared = "utf-8" if codec == "utf-8-sig" else "utf-16"
    text = rss(item(TITLE_XML), encoding=declared)
    body = text.encode(codec)
    if codec == "utf-16-le":  # no BOM: recognised by its first bytes (XML 1.0 appendix F)
        assert not body.startswith(codecs.BOM_UTF16_LE)
    assert titles(body) == [TITLE]


def test_html_named_entities_of_old_rss_are_read() -> None:
    body = rss(item("Th&eacute;&acirc;tre &amp; danse")).encode()
    assert titles(body) == ["Théâtre & danse"]


BILLION_LAUGHS = """<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
"""
XXE_FILE = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
XXE_URL = '<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://169.254.169.254/latest"> %remote;]>\n'


@pytest.mark.parametrize(
    ("prolog", "title"),
    [(BILLION_LAUGHS, "&lol3;"), (XXE_FILE, "&xxe;"), (XXE_URL, "Actualité")],
    ids=["billion-laughs", "xxe-file", "xxe-parameter-entity"],
)
def test_entity_declarations_are_refused_before_any_parser(prolog: str, title: str) -> None:
    body = rss(item(title), prolog=prolog).encode()
    assert decode_feed(body, None) == Refused("entity_declaration")


def test_an_entity_declaration_hidden_in_utf_16_is_found_too() -> None:
    body = rss(item("&xxe;"), prolog=XXE_FILE, encoding="utf-16").encode("utf-16")
    assert decode_feed(body, None) == Refused("entity_declaration")


def test_a_plain_doctype_is_allowed_and_its_dtd_never_fetched() -> None:
    netscape = (
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://127.0.0.1:9/rss-0.91.dtd">\n'
    )
    body = rss(item("Conseil municipal"), prolog=netscape).encode()
    assert titles(body) == ["Conseil municipal"]  # port 9 (discard) would fail a fetch


def test_an_article_quoting_a_declaration_in_cdata_is_accepted() -> None:
    quoted = '<![CDATA[<p>En XML, on écrit <code><!ENTITY nom "valeur"></code>.</p>]]>'
    body = rss(item("Atelier XML", description=quoted)).encode()
    assert titles(body) == ["Atelier XML"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (rss(item()).encode()[:-40], "malformed"),  # cut in the middle
        (b"<html><body><h1>Maintenance</h1></body></html>", "not_a_feed"),
        (b"", "malformed"),
        (b'{"items": []}', "malformed"),
    ],
    ids=["truncated", "html-page", "empty", "json"],
)
def test_what_is_not_a_well_formed_feed_is_refused(body: bytes, reason: str) -> None:
    decoded = decode_feed(body, None)
    assert isinstance(decoded, Decoded)
    assert parse_feed(decoded, URL) == Refused(reason)


def test_an_invalid_utf_16_body_is_refused() -> None:
    assert decode_feed(codecs.BOM_UTF16_LE + b"\x00\xd8", None) == Refused("encoding")

"""Every value a field's pattern in the OpenAPI document admits, the models accept: a client that
generates values from the document is never refused (schemathesis found each of these)."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.models import Citizen, Submission, email_address, phone_to_e164
from cityzen_connector.models._text import (
    EMAIL_PATTERN,
    FILLED_LINE_PATTERN,
    PHONE_PATTERN,
    TEXT_PATTERN,
    clean_text,
)

CITIZEN = Citizen.model_json_schema()
SUBMISSION = Submission.model_json_schema()


def _pattern(schema: dict[str, Any]) -> str:
    branches = schema.get("anyOf", [schema])
    return next(b["pattern"] for b in branches if "pattern" in b)


def _text(pattern: str, max_size: int = 60) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True).filter(lambda s: len(s) <= max_size)


@settings(max_examples=200, deadline=None)
@given(_text(PHONE_PATTERN))
def test_a_phone_the_document_admits_is_read(phone: str) -> None:
    assert phone_to_e164(phone).startswith("+")


@settings(max_examples=200, deadline=None)
@given(_text(EMAIL_PATTERN, 254))
def test_an_email_the_document_admits_is_read(email: str) -> None:
    assert email_address(email)


@settings(max_examples=200, deadline=None)
@given(_text(FILLED_LINE_PATTERN, 100))
def test_a_required_line_the_document_admits_is_not_blank_once_cleaned(line: str) -> None:
    assert clean_text(line, multiline=False)


@settings(max_examples=200, deadline=None)
@given(_text(TEXT_PATTERN, 200))
def test_a_text_the_document_admits_is_cleaned_not_refused(text: str) -> None:
    clean_text(text, multiline=True)


@settings(max_examples=200, deadline=None)
@given(_text(_pattern(CITIZEN["properties"]["birthdate"])).filter(lambda d: int(d[8:]) <= 28))
def test_a_birth_date_the_document_admits_is_accepted(birthdate: str) -> None:
    # (Days past the 28th are left to format: date, which knows each month's length.)
    citizen = Citizen.model_validate({"issuer": "https://a", "sub": "s", "birthdate": birthdate})
    assert citizen.birthdate is not None


def test_the_issuer_pattern_reads_whitespace_as_pydantic_does() -> None:
    # "\s" is not the same class in pydantic's regex engine and ECMA-262: U+0085 (NEL) passed
    # the document and was refused by the server.
    pattern = CITIZEN["properties"]["issuer"]["pattern"]
    assert re.match(pattern, "https://example.fr/")
    assert not re.match(pattern, "https://\x85example.fr")
    assert "\\s" not in pattern


def test_text_fields_show_their_rules_as_patterns() -> None:
    for name in ("subject", "description"):
        assert "pattern" in SUBMISSION["properties"][name]

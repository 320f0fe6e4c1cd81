"""Text hygiene shared by the wire models: what a citizen may type, and phone numbers.

Text is kept as text: markup such as ``<script>`` is stored verbatim (Dataverse and the portal
escape on display), but characters that can hide or reorder what an agent reads are refused:
C0/C1 control characters (except tab and line breaks in multi-line fields) and the Unicode
bidirectional overrides behind "Trojan Source" (CVE-2021-42574). Error messages never repeat
the value, which may be personal data.

Below all of these, one rule holds for every string a client sends, free text or not, member
names included: it must be Unicode text. JSON's ``"\\ud800"`` escape decodes to a lone UTF-16
surrogate, which is not a Unicode scalar value: RFC 8259 section 8.2 calls the behaviour of
software receiving one "unpredictable", and no UTF-8 encoder accepts it (RFC 3629 section 3),
so it could be neither hashed, stored, queued nor sent to Dataverse. ``text_errors`` applies
the rule to a whole JSON document; ``clean_text`` applies it to each field it cleans.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from pydantic_core import PydanticCustomError

from ._field_errors import MAX_FIELD_ERRORS, FieldError, field_path

# C0 and C1 controls; multi-line fields additionally allow \t \n \r.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates and the BOM / zero-width no-break space.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# The field code of the rule (French in the catalogue of field codes) and its English text.
INVALID_TEXT = "invalid_text"
_NOT_TEXT = "not Unicode text: a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape)"

# The same rules as JSON Schema patterns (ECMA-262, no look-around), for the OpenAPI document:
# what ``clean_text`` accepts, and, for a field that must not be empty, at least one character
# that trimming keeps (``str.strip``'s whitespace). ``api._contract`` uses them for form fields.
_NOT_IN_LINE = r"\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff"
_NOT_IN_TEXT = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff"
_STRIPPED = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
LINE_PATTERN = f"^[^{_NOT_IN_LINE}]*$"
FILLED_LINE_PATTERN = f"^[^{_NOT_IN_LINE}]*[^{_NOT_IN_LINE}{_STRIPPED}][^{_NOT_IN_LINE}]*$"
TEXT_PATTERN = f"^[^{_NOT_IN_TEXT}]*$"
FILLED_TEXT_PATTERN = f"^[^{_NOT_IN_TEXT}]*[^{_NOT_IN_TEXT}{_STRIPPED}][^{_NOT_IN_TEXT}]*$"
# Phone numbers the document promises to accept: E.164 (French numbers with their 9 digits) or
# a French national number, pairs of digits optionally separated. ``phone_to_e164`` accepts a
# few more spellings (brackets, "(0)", a 00 prefix), which the description names.
PHONE_PATTERN = (
    r"^(\+(33[1-9][0-9]{8}|[124-9][0-9]{7,14}|3[0-24-9][0-9]{6,13})"
    r"|0[1-9]([ .-]?[0-9]{2}){4})$"
)
# E-mail addresses the document promises to accept: ``_EMAIL`` below with a local part of at
# most 64 characters (three dot-separated atoms of up to 20), without look-around.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,20}"
EMAIL_PATTERN = (
    f"^{_ATOM}(\\.{_ATOM}){{0,2}}@([A-Za-z0-9]([A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\\.)+"
    "[A-Za-z]{2,63}$"
)

# E.164 is at most 15 digits after "+" (ITU-T E.164 §6.1).
_E164_MAX_DIGITS = 15
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 .\-()]{6,24}$")
_FRENCH_NATIONAL = re.compile(r"^0[1-9][0-9]{8}$")


def is_text(value: str) -> bool:
    """True when ``value`` is Unicode text: it holds no lone UTF-16 surrogate."""
    return _SURROGATE.search(value) is None


def text_errors(
    document: object, *, location: Sequence[str | int] = (), limit: int = MAX_FIELD_ERRORS
) -> list[FieldError]:
    """An ``invalid_text`` error for each member name and string of a JSON document that is not
    Unicode text, in document order (the first ``limit``). The location of a bad member name
    shows ``?`` for the character: a problem document must itself be valid UTF-8."""
    errors: list[FieldError] = []
    stack: list[tuple[object, tuple[str | int, ...]]] = [(document, tuple(location))]
    while stack and len(errors) < limit:
        value, path = stack.pop()
        if isinstance(value, str):
            if not is_text(value):
                errors.append(FieldError.of(field_path(path), INVALID_TEXT, _NOT_TEXT))
        elif isinstance(value, dict):
            children: list[tuple[object, tuple[str | int, ...]]] = []
            for key, child in value.items():
                if isinstance(key, str) and not is_text(key):
                    children.append((key, (*path, key)))  # reported as a string at its place
                children.append((child, (*path, key)))
            stack.extend(reversed(children))
        elif isinstance(value, list):
            stack.extend(reversed([(child, (*path, i)) for i, child in enumerate(value)]))
    return errors


def clean_text(value: str, *, multiline: bool) -> str:
    """Return ``value`` NFC-normalised and trimmed, or raise ``ValueError`` without echoing it."""
    if not is_text(value):
        # A ValueError with our field code, so pydantic reports it as ``invalid_text``.
        raise PydanticCustomError(INVALID_TEXT, _NOT_TEXT)
    pattern = _CONTROL if multiline else _CONTROL_SINGLE_LINE
    if pattern.search(value):
        raise ValueError("control characters are not allowed")
    if _INVISIBLE.search(value):
        raise ValueError("bidirectional control characters are not allowed")
    # NFC so that "é" typed two ways compares equal; lengths are checked after this.
    return unicodedata.normalize("NFC", value).strip()


def phone_to_e164(value: str, *, default_country_code: str = "33") -> str:
    """Normalise a phone number to E.164 (``+33612345678``); French national numbers assumed.

    Accepts ``06 12 34 56 78``, ``06.12.34.56.78``, ``+33 6 12 34 56 78``, ``+33 (0)6 12 34 56 78``
    and ``0033 6 12 34 56 78``. Raises ``ValueError`` (without the number) otherwise.
    """
    raw = value.strip()
    if not _PHONE_ALLOWED.match(raw):
        raise ValueError("not a phone number")
    raw = raw.replace("(0)", "")
    digits = re.sub(r"[^0-9]", "", raw)
    if raw.startswith("+"):
        international = digits
    elif digits.startswith("00"):
        international = digits[2:]
    elif _FRENCH_NATIONAL.match(digits):
        international = default_country_code + digits[1:]
    else:
        raise ValueError("not a phone number")
    if international.startswith("33") and len(international) != 11:
        # French numbers are 9 digits after the country code (ARCEP numbering plan).
        raise ValueError("not a phone number")
    if not 8 <= len(international) <= _E164_MAX_DIGITS or international.startswith("0"):
        raise ValueError("not a phone number")
    return "+" + international


# A pragmatic subset of RFC 5322 addr-spec: dot-atom local part and a dotted domain with a
# letter TLD. Quoted local parts and IP-literal domains are refused on purpose: portals never
# need them and they are a common vector for header injection downstream.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_EMAIL_LOCAL_MAX = 64  # RFC 5321 §4.5.3.1.1


def email_address(value: str) -> str:
    """Trim and validate an e-mail address (domain lower-cased); ``ValueError`` without echo."""
    candidate = value.strip()
    local, _, domain = candidate.rpartition("@")
    if len(local) > _EMAIL_LOCAL_MAX or not _EMAIL.match(candidate):
        raise ValueError("not an e-mail address")
    # The domain is case-insensitive (RFC 5321 §2.4); the local part is kept as given.
    return f"{local}@{domain.lower()}"

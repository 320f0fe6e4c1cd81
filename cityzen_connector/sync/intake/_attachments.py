"""Attachments as received: limits, the type read from the bytes, a safe file name, a scan hook.

The declared type (a ``Content-Type`` part header, a file extension) is never trusted: a file
is accepted only when its first bytes are the signature of an accepted format. Signatures:
JPEG ``FF D8 FF`` (ITU T.81 Annex B), PNG's 8-byte signature (RFC 2083 section 3.1), PDF
``%PDF-`` (ISO 32000-1 section 7.5.2), WebP ``RIFF....WEBP`` (RFC 9649 section 2.5), HEIC/HEIF
an ISO BMFF ``ftyp`` box whose brands name HEIF (ISO/IEC 23008-12 annex B).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from cityzen_connector.models import FieldError

from ._errors import InvalidSubmissionError, PayloadTooLargeError, UnsupportedFileTypeError

JPEG, PNG, PDF, WEBP, HEIC, HEIF = (
    "image/jpeg",
    "image/png",
    "application/pdf",
    "image/webp",
    "image/heic",
    "image/heif",
)
EXTENSIONS: dict[str, tuple[str, ...]] = {
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    PDF: (".pdf",),
    WEBP: (".webp",),
    HEIC: (".heic",),
    HEIF: (".heif",),
}
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"heif"})
_MAX_NAME = 200
_UNSAFE = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')


def sniff(data: bytes) -> str | None:
    """The media type the bytes prove, or ``None`` for anything we do not recognise."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return _sniff_heif(data)


def _sniff_heif(data: bytes) -> str | None:
    # ISO BMFF: a 32-bit big-endian box size, then "ftyp", major brand, minor version, brands.
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data) or size % 4:
        return None
    brands = [data[8:12]] + [data[i : i + 4] for i in range(16, size, 4)]
    if any(brand in _HEIC_BRANDS for brand in brands):
        return HEIC
    if any(brand in _HEIF_BRANDS for brand in brands):
        return HEIF
    return None


def safe_file_name(name: str | None, media_type: str) -> str:
    """A file name safe to show agents and to use for a note: no path, no control characters,
    bounded, and ending with an extension of the type the bytes proved."""
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]  # "C:\\Users\\x\\photo.jpg", "../../etc/passwd"
    text = _UNSAFE.sub("_", "".join(ch for ch in text if ch.isprintable()))
    text = " ".join(text.split()).strip(" .")
    extensions = EXTENSIONS.get(media_type, ())
    stem, dot, ext = text.rpartition(".")
    if dot and "." + ext.lower() in extensions:
        text, suffix = stem.strip(" ."), "." + ext.lower()
    else:
        suffix = extensions[0] if extensions else ""
    text = text[: _MAX_NAME - len(suffix)].strip(" .") or "piece-jointe"
    return text + suffix


@dataclass(frozen=True)
class ScanVerdict:
    clean: bool
    reason: str = ""


class AttachmentScanner(Protocol):
    """A malware scan before a file is kept. In Azure, Microsoft Defender for Storage scans the
    blobs on upload (see docs/api.md); an in-line scanner can be plugged here."""

    def scan(self, data: bytes, media_type: str) -> ScanVerdict: ...


class NoScan:
    """Local mode: nothing to scan with; every file passes."""

    def scan(self, data: bytes, media_type: str) -> ScanVerdict:
        return ScanVerdict(clean=True)


@dataclass(frozen=True)
class AttachmentLimits:
    max_count: int = 5
    max_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 20 * 1024 * 1024
    types: frozenset[str] = frozenset(EXTENSIONS)


@dataclass(frozen=True)
class IncomingFile:
    """A file as it arrived: its bytes and the name the sender gave (untrusted)."""

    data: bytes = field(repr=False)
    file_name: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CheckedFile:
    data: bytes = field(repr=False)
    file_name: str = field(repr=False)
    media_type: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def check_files(
    files: Sequence[IncomingFile],
    limits: AttachmentLimits,
    scanner: AttachmentScanner,
    *,
    location: str = "attachments",
) -> tuple[CheckedFile, ...]:
    """Apply the limits, read each type from its bytes, name it safely and scan it."""
    if len(files) > limits.max_count:
        problem = FieldError.of(location, "too_many", f"at most {limits.max_count} attachments")
        raise InvalidSubmissionError([problem])
    total = sum(len(f.data) for f in files)
    if total > limits.max_total_bytes:
        raise PayloadTooLargeError(f"attachments exceed {limits.max_total_bytes} bytes in total")
    checked = []
    empty = [
        FieldError.of(f"{location}.{i}", "empty_file", "the file is empty")
        for i, f in enumerate(files)
        if not f.data
    ]
    if empty:
        raise InvalidSubmissionError(empty)
    for index, incoming in enumerate(files):
        if len(incoming.data) > limits.max_bytes:
            raise PayloadTooLargeError(f"attachment {index} exceeds {limits.max_bytes} bytes")
        media_type = sniff(incoming.data)
        if media_type is None or media_type not in limits.types:
            raise UnsupportedFileTypeError(f"attachment {index} is not an accepted type of file")
        verdict = scanner.scan(incoming.data, media_type)
        if not verdict.clean:
            problem = FieldError.of(f"{location}.{index}", "rejected_by_scan", "file refused")
            raise InvalidSubmissionError([problem])
        checked.append(
            CheckedFile(
                data=incoming.data,
                file_name=safe_file_name(incoming.file_name, media_type),
                media_type=media_type,
                sha256=hashlib.sha256(incoming.data).hexdigest(),
            )
        )
    return tuple(checked)


def parse_types(value: str, known: Collection[str] = tuple(EXTENSIONS)) -> frozenset[str]:
    """The ``api_attachment_types`` setting as a set; unknown types are a configuration error."""
    types = frozenset(item.strip().lower() for item in value.split(",") if item.strip())
    unknown = sorted(types - set(known))
    if unknown:
        # Names the accepted types, not the given ones: a configuration error shows no value.
        raise ValueError("each type must be one with a signature check: " + ", ".join(known))
    return types

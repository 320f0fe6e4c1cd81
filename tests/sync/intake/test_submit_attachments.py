"""Attachments: the type read from the bytes, safe names, limits and the scanning hook."""

from __future__ import annotations

import pytest

from cityzen_connector.identity import CallerIdentity
from cityzen_connector.sync.intake import (
    AttachmentLimits,
    IncomingFile,
    InvalidSubmissionError,
    NoScan,
    PayloadTooLargeError,
    ScanVerdict,
    SubmissionInput,
    UnsupportedFileTypeError,
    check_files,
    parse_types,
    safe_file_name,
    sniff,
    submit,
)
from tests.support.world import EXE, HEIC, JPEG, PDF, PNG, WEBP, make_world, submission, upload


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (PDF, "application/pdf"),
        (WEBP, "image/webp"),
        (HEIC, "image/heic"),
        (b"\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1" + b"\x00" * 8, "image/heif"),
        (EXE, None),
        (b"<html><script>", None),
        (b"", None),
        (b"RIFF\x00\x00\x00\x00WAVE", None),  # RIFF, but audio
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00isommp42", None),  # an MP4 video
        (b"\xff\xff\xff\xffftypheic", None),  # box size beyond the data
        (b"\x89PNG\r\n", None),  # truncated signature
    ],
)
def test_type_is_read_from_the_bytes(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("trou.jpg", "image/jpeg", "trou.jpg"),
        ("TROU.JPEG", "image/jpeg", "TROU.jpeg"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\x\\plan.png", "image/png", "plan.png"),
        ("facture.pdf.exe", "application/pdf", "facture.pdf.exe.pdf"),
        ("photo.png", "image/jpeg", "photo.png.jpg"),  # the bytes decide
        ('a<b>:"c|?*.jpg', "image/jpeg", "a_b___c___.jpg"),
        ("\x00\x1b[31mrouge\u202e.jpg", "image/jpeg", "[31mrouge.jpg"),
        ("   ...   ", "image/jpeg", "piece-jointe.jpg"),
        (None, "image/png", "piece-jointe.png"),
        ("é" * 300 + ".jpg", "image/jpeg", "é" * 196 + ".jpg"),
    ],
)
def test_file_names_are_made_safe(name: str | None, media_type: str, expected: str) -> None:
    assert safe_file_name(name, media_type) == expected


def test_limits_on_count_size_and_total() -> None:
    limits = AttachmentLimits(max_count=2, max_bytes=100, max_total_bytes=150)
    with pytest.raises(InvalidSubmissionError) as caught:
        check_files([IncomingFile(JPEG)] * 3, limits, NoScan())
    assert caught.value.errors[0].code == "too_many"
    with pytest.raises(PayloadTooLargeError):
        check_files([IncomingFile(JPEG + b"\x00" * 100)], limits, NoScan())
    with pytest.raises(PayloadTooLargeError):
        check_files([IncomingFile(JPEG), IncomingFile(JPEG + b"\x00" * 60)], limits, NoScan())
    with pytest.raises(InvalidSubmissionError) as caught:
        check_files([IncomingFile(b"")], limits, NoScan())
    assert caught.value.errors[0].code == "empty_file"


def test_types_outside_the_configured_list_are_refused_even_when_recognised() -> None:
    limits = AttachmentLimits(types=parse_types("image/jpeg"))
    assert check_files([IncomingFile(JPEG)], limits, NoScan())[0].media_type == "image/jpeg"
    with pytest.raises(UnsupportedFileTypeError):
        check_files([IncomingFile(PDF, "plan.pdf")], limits, NoScan())
    with pytest.raises(ValueError, match="signature check: image/jpeg") as info:
        parse_types("image/jpeg, image/gif")
    assert "image/gif" not in str(info.value)  # a configuration error names no given value


class RefuseEicar:
    """A scanner that refuses files carrying the EICAR test string."""

    def __init__(self) -> None:
        self.scanned: list[str] = []

    def scan(self, data: bytes, media_type: str) -> ScanVerdict:
        self.scanned.append(media_type)
        return ScanVerdict(clean=b"EICAR" not in data, reason="EICAR test file")


def test_a_file_the_scanner_refuses_is_a_422_and_nothing_is_stored() -> None:
    scanner = RefuseEicar()
    world = make_world(scanner=scanner)
    body = submission(attachments=[upload(PNG), upload(JPEG + b"EICAR")])
    with pytest.raises(InvalidSubmissionError) as caught:
        submit(SubmissionInput(body=body), CallerIdentity.trusted_portal(), world.ingest)
    assert caught.value.errors[0].field == "attachments.1"
    assert caught.value.errors[0].code == "rejected_by_scan"
    assert scanner.scanned == ["image/png", "image/jpeg"]
    assert world.queued() == []
    assert world.blob_names() == set()


def test_a_disguised_executable_is_refused_whatever_its_name_and_declared_type() -> None:
    world = make_world()
    disguised = {**upload(EXE, "photo.jpg"), "media_type": "image/jpeg"}
    with pytest.raises(UnsupportedFileTypeError):
        submit(
            SubmissionInput(body=submission(attachments=[disguised])),
            CallerIdentity.trusted_portal(),
            world.ingest,
        )
    assert world.queued() == []
    assert world.blob_names() == set()

"""A note's ``filesize`` ("File Size (Bytes)", read-only; "Note (Annotation) table/entity
reference", Microsoft Learn): Dataverse sets it from the file in ``documentbody``, the decoded
bytes, not the base64 text."""

from __future__ import annotations

import base64
import json

from cityzen_connector.emulator import EmulatorApp

from .activities import created
from .conftest import call


def test_a_note_s_file_size_is_its_decoded_bytes_and_follows_an_update(app: EmulatorApp) -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    note = {"filename": "a.png", "documentbody": base64.b64encode(data).decode()}
    status, headers, payload = call(app, "POST", "annotations", note)
    assert status == 204, payload
    path = f"annotations({created(headers)})"
    status, _, payload = call(app, "GET", path, query="$select=filesize,filename")
    assert json.loads(payload)["filesize"] == len(data)
    call(app, "PATCH", path, {"documentbody": base64.b64encode(b"abc").decode()})
    status, _, payload = call(app, "GET", path, query="$select=filesize")
    assert json.loads(payload)["filesize"] == 3


def test_a_note_without_a_file_has_no_size(app: EmulatorApp) -> None:
    status, headers, payload = call(app, "POST", "annotations", {"notetext": "RAS"})
    assert status == 204, payload
    status, _, payload = call(
        app, "GET", f"annotations({created(headers)})", query="$select=filesize"
    )
    assert json.loads(payload)["filesize"] is None

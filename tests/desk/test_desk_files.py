"""The files a citizen filed with the request (notes on the case, as the pipeline writes them)
are listed in the desk's case view — name, type, size — and the agent opens one through the
desk API: its bytes, its type, as an attachment the browser never renders or sniffs; a note
that is not that case's is a 404, and the log names no file."""

from __future__ import annotations

import logging
import uuid

import pytest

from .conftest import Desk, filed_photo, problem_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 300
PDF = b"%PDF-1.7\n" + b"0" * 50


def test_the_case_view_lists_the_photos_filed_with_the_request(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    first = filed_photo(desk, ticket, "nid de poule.png", PNG, "image/png")
    second = filed_photo(desk, ticket, "plan.pdf", PDF, "application/pdf")
    shown = desk.call("GET", f"/cases/{ticket}").json()
    # (Filed in the same second: the emulator's clock is fixed, so no order is asserted.)
    assert sorted((f["id"], f["name"], f["type"], f["size"]) for f in shown["files"]) == sorted(
        [
            (first, "nid de poule.png", "image/png", len(PNG)),
            (second, "plan.pdf", "application/pdf", len(PDF)),
        ]
    )
    assert shown["messages"] == []  # files on the case are not messages
    assert "documentbody" not in str(shown)  # never the bytes
    assert "iVBOR" not in str(shown)


def test_the_agent_opens_a_photo_as_an_attachment_never_sniffed(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    note = filed_photo(desk, ticket, "rue des Lilas n°3.png", PNG, "image/png")
    opened = desk.call("GET", f"/cases/{ticket}/files/{note}")
    assert opened.status_code == 200, opened.text
    assert opened.content == PNG
    assert opened.headers["Content-Type"] == "image/png"
    assert opened.headers["Content-Length"] == str(len(PNG))
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert opened.headers["Cache-Control"] == "no-store"
    disposition = opened.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="rue des Lilas n_3.png"')
    assert "filename*=UTF-8''rue%20des%20Lilas%20n%C2%B03.png" in disposition  # RFC 8187


def test_a_file_of_a_type_the_browser_would_run_is_handed_over_as_bytes(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    page = b"<script>alert(1)</script>"
    note = filed_photo(desk, ticket, 'x".html', page, "text/html")
    opened = desk.call("GET", f"/cases/{ticket}/files/{note}")
    assert opened.status_code == 200, opened.text
    assert opened.headers["Content-Type"] == "application/octet-stream"
    assert "sandbox" in opened.headers["Content-Security-Policy"]
    assert opened.headers["Content-Disposition"].startswith('attachment; filename="x_.html"')


def test_a_message_s_file_opens_from_its_case(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    sent = desk.call(
        "POST",
        f"/cases/{ticket}/reply",
        files={"message": (None, '{"text": "Le plan."}'), "file": ("plan.png", PNG, "image/png")},
    )
    assert sent.status_code == 201, sent.text
    [message] = desk.call("GET", f"/cases/{ticket}").json()["messages"]
    [attached] = message["attachments"]
    opened = desk.call("GET", f"/cases/{ticket}/files/{attached['id']}")
    assert opened.status_code == 200, opened.text
    assert opened.content == PNG


@pytest.mark.parametrize(
    "which", ["another case's", "a message of another case", "no note", "not an id"]
)
def test_a_note_that_is_not_on_that_case_is_not_found(desk: Desk, which: str) -> None:
    ticket, other = desk.emulator.new_case(), desk.emulator.new_case()
    if which == "another case's":
        note = filed_photo(desk, other, "autre.png", PNG, "image/png")
    elif which == "a message of another case":
        files = {"message": (None, '{"text": "a"}'), "file": ("b.png", PNG, "image/png")}
        assert desk.call("POST", f"/cases/{other}/reply", files=files).status_code == 201
        [message] = desk.call("GET", f"/cases/{other}").json()["messages"]
        note = message["attachments"][0]["id"]
    elif which == "no note":
        note = str(uuid.uuid4())
    else:
        note = "..%2F..%2Fetc"
    response = desk.call("GET", f"/cases/{ticket}/files/{note}")
    problem_of(response, 404, "not_found")
    assert PNG not in response.content


def test_opening_a_file_on_an_unknown_case_or_by_post_is_refused(desk: Desk) -> None:
    ticket = desk.emulator.new_case()
    note = filed_photo(desk, ticket, "a.png", PNG, "image/png")
    problem_of(desk.call("GET", f"/cases/CAS-99999-NOPE00/files/{note}"), 404, "not_found")
    refused = desk.call("POST", f"/cases/{ticket}/files/{note}")
    problem_of(refused, 405, "method_not_allowed")
    assert refused.headers["Allow"] == "GET"
    problem_of(desk.call("GET", f"/cases/{ticket}/files/{note}", token=None), 401, "unauthorized")


def test_the_log_of_an_opened_file_names_no_file(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    ticket = desk.emulator.new_case()
    note = filed_photo(desk, ticket, "Zoé Diallo carte.png", PNG, "image/png")
    with caplog.at_level(logging.DEBUG):
        assert desk.call("GET", f"/cases/{ticket}/files/{note}").status_code == 200
        desk.call("GET", f"/cases/{ticket}")
    ours = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith("cityzen_connector")
    )
    assert "GET /desk/api/cases/{ticket}/files/{file} -> 200" in ours
    for secret in ("Zoé", "Diallo", "carte", note):
        assert secret not in ours

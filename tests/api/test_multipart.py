"""The multipart/form-data reader: what mobile apps send, and what it refuses."""

from __future__ import annotations

import pytest

from cityzen_connector.api import MultipartError, parse_multipart
from tests.support.schema_check import check_response
from tests.support.world import JPEG, World, multipart, submission

CT = "multipart/form-data; boundary=b"


def body(*parts: bytes, end: bytes = b"--b--\r\n") -> bytes:
    return b"".join(b"--b\r\n" + p + b"\r\n" for p in parts) + end


def test_parts_names_files_and_types() -> None:
    raw = body(
        b'Content-Disposition: form-data; name="submission"\r\n\r\n{"a":1}',
        b'Content-Disposition: form-data; name="attachments"; filename="a b.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--not-a-boundary",
    )
    first, second = parse_multipart(raw, CT)
    assert (first.name, first.data, first.filename) == ("submission", b'{"a":1}', None)
    assert second.filename == "a b.jpg"
    assert second.content_type == "image/jpeg"
    assert second.data == b"\xff\xd8\xff\r\n--not-a-boundary"


def test_rfc_8187_file_names_and_quoted_boundaries() -> None:
    raw = body(
        b'Content-Disposition: form-data; name="f"; filename="x.jpg"; '
        b"filename*=UTF-8''%C3%A9t%C3%A9.jpg\r\n\r\nDATA"
    )
    [part] = parse_multipart(raw, 'multipart/form-data; boundary="b"')
    assert part.filename == "été.jpg"


def test_preamble_epilogue_and_transport_padding_are_allowed() -> None:
    raw = (
        b"preamble\r\n--b  \r\n"
        b'Content-Disposition: form-data; name="x"\r\n\r\nv\r\n--b--\r\nepilogue'
    )
    assert parse_multipart(raw, CT)[0].data == b"v"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"", CT),
        (b'--b\r\nContent-Disposition: form-data; name="x"\r\n\r\nv', CT),  # never closed
        (body(b'Content-Disposition: form-data; name="x"\r\n\r\nv'), "multipart/form-data"),
        (
            body(b'Content-Disposition: form-data; name="x"\r\n\r\nv'),
            "multipart/form-data; boundary=" + "b" * 80,
        ),
        (body(b'Content-Disposition: attachment; name="x"\r\n\r\nv'), CT),
        (body(b"Content-Disposition: form-data\r\n\r\nv"), CT),  # no name
        (body(b"no colon here\r\n\r\nv"), CT),
        (body(b'Content-Disposition: form-data; name="x"; name="y"\r\n\r\nv'), CT),
        (
            body(b'Content-Disposition: form-data; name="x"\r\nContent-Disposition: x\r\n\r\nv'),
            CT,
        ),
        (body(b"Content-Disposition: form-data; name=\"x\"; filename*=latin-1''%E9\r\n\r\nv"), CT),
        (body(b"Content-Disposition: form-data; name=\"x\"; filename*=UTF-8''%FF\r\n\r\nv"), CT),
        (body(b"X: " + b"a" * 9000 + b"\r\nContent-Disposition: form-data; name=x\r\n\r\nv"), CT),
        (body(*[b'Content-Disposition: form-data; name="x"\r\n\r\nv'] * 40), CT),
        (
            body(b'Content-Disposition: form-data; name="x"\r\n\r\nv').replace(
                b"--b\r\n", b"--bX\r\n"
            ),
            CT,
        ),
    ],
)
def test_malformed_bodies_are_refused(raw: bytes, content_type: str) -> None:
    with pytest.raises(MultipartError):
        parse_multipart(raw, content_type)


def test_through_the_api_a_multipart_needs_one_submission_part(world: World) -> None:
    data, content_type = multipart(submission(), [("a.jpg", JPEG)])
    twice = data.replace(b"--xYzZy--", b"--xYzZy\r\nContent-Disposition: form-data; "
                         b'name="submission"\r\n\r\n{}\r\n--xYzZy--')  # fmt: skip
    for raw in (twice, data.replace(b'name="submission"', b'name="other"')):
        response = world.request("POST", "/v1/requests", raw, {"Content-Type": content_type})
        check_response("POST", "/v1/requests", response)
        assert response.status == 422
    broken = world.request("POST", "/v1/requests", data[:-12], {"Content-Type": content_type})
    check_response("POST", "/v1/requests", broken)
    assert broken.status == 400
    assert world.queued() == []
    assert world.blob_names() == set()


def test_the_submission_part_must_be_json(world: World) -> None:
    data, content_type = multipart(submission(), [])
    xml = data.replace(b"Content-Type: application/json", b"Content-Type: application/xml")
    response = world.request("POST", "/v1/requests", xml, {"Content-Type": content_type})
    assert response.status == 415
    untyped = data.replace(b"Content-Type: application/json\r\n", b"")
    assert (
        world.request("POST", "/v1/requests", untyped, {"Content-Type": content_type}).status == 202
    )

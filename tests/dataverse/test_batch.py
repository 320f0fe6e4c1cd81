"""``$batch``: encoder and decoder against the shapes of Microsoft's documented samples
("Execute batch operations using the Web API"), results mapped back to their operations."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    ChangeSet,
    DataverseConnectionError,
    Headers,
    HttpRequest,
    HttpResponse,
    InvalidRequestError,
    Query,
    ThrottledError,
    UnexpectedResponseError,
    ValidationError,
    WriteResult,
    decode_batch,
    encode_batch,
    eq,
    ops,
)
from cityzen_connector.testing import FakeClock

from .conftest import ROOT, ScriptedTransport, error_reply, make_client

TASK1 = "a59c24e3-fadf-ec11-bb3d-000d3a35bd52"
TASK2 = "a69c24e3-fadf-ec11-bb3d-000d3a35bd52"
ACCOUNT = "ccd5c1b9-f2df-ec11-bb3d-000d3a35bd52"


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


# Microsoft's change-set success sample, with [Organization URI] filled in.
CHANGESET_OK = crlf(f"""--batchresponse_156da4b8-cd2c-4d2f-b4a0-b2a1b2b0e0f8
Content-Type: multipart/mixed; boundary=changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc

--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: {ROOT}tasks({TASK1})
OData-EntityId: {ROOT}tasks({TASK1})


--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 2

HTTP/1.1 204 No Content
OData-Version: 4.0
Location: {ROOT}tasks({TASK2})
OData-EntityId: {ROOT}tasks({TASK2})


--changesetresponse_ff83b4f1-ab48-430c-b81c-926a2c596abc--
--batchresponse_156da4b8-cd2c-4d2f-b4a0-b2a1b2b0e0f8
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 200 OK
Content-Type: application/json; odata.metadata=minimal; odata.streaming=true
OData-Version: 4.0

{{
  "@odata.context": "{ROOT}$metadata#tasks(subject)",
  "value": [
    {{"@odata.etag": "W/\\"77180907\\"", "subject": "Task 1 in batch", "activityid": "{TASK1}"}},
    {{"@odata.etag": "W/\\"77180910\\"", "subject": "Task 2 in batch", "activityid": "{TASK2}"}}
  ]
}}
--batchresponse_156da4b8-cd2c-4d2f-b4a0-b2a1b2b0e0f8--
""")
OK_TYPE = "multipart/mixed; boundary=batchresponse_156da4b8-cd2c-4d2f-b4a0-b2a1b2b0e0f8"

# Microsoft's change-set failure sample: one error part answers the whole change set.
CHANGESET_FAILED = crlf("""--batchresponse_d14a3b8a-2a3c-4c4b-9b3a-7b2c9c0a9f11
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 400 Bad Request
REQ_ID: 5ecd1cb3-1730-4ffc-909c-d44c22270026
Content-Type: application/json; odata.metadata=minimal
OData-Version: 4.0

{"error":{"code":"0x8004431a","message":"Invalid value for property priority (1200)."}}
--batchresponse_d14a3b8a-2a3c-4c4b-9b3a-7b2c9c0a9f11--
""")
FAILED_TYPE = "multipart/mixed; boundary=batchresponse_d14a3b8a-2a3c-4c4b-9b3a-7b2c9c0a9f11"

# continue-on-error: every operation answered, the bad one with its own error.
CONTINUED = crlf(f"""--batchresponse_5f9a8c2d
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 204 No Content
OData-Version: 4.0
OData-EntityId: {ROOT}tasks({TASK1})


--batchresponse_5f9a8c2d
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 400 Bad Request
Content-Type: application/json; odata.metadata=minimal
OData-Version: 4.0

{{"error":{{"code":"0x80044331","message":"A validation error occurred."}}}}
--batchresponse_5f9a8c2d
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 204 No Content
OData-Version: 4.0
OData-EntityId: {ROOT}tasks({TASK2})


--batchresponse_5f9a8c2d--
""")


def batch_reply(body: bytes, content_type: str, **headers: str) -> HttpResponse:
    return HttpResponse(200, Headers({"Content-Type": content_type, **headers}), body)


NO_CONTENT_BATCH = HttpResponse(
    200,
    Headers({"Content-Type": "multipart/mixed; boundary=b"}),
    crlf("--b\nContent-Type: application/http\n\nHTTP/1.1 204 No Content\n\n\n--b--\n"),
)


def documented_items() -> list[ChangeSet | object]:
    bind = f"/accounts({ACCOUNT})"
    return [
        ChangeSet([
            ops.create("tasks", {"subject": "Task 1 in batch",
                                 "regardingobjectid_account_task@odata.bind": bind}),
            ops.create("tasks", {"subject": "Task 2 in batch",
                                 "regardingobjectid_account_task@odata.bind": bind}),
        ]),
        ops.query(
            Query("tasks")
            .select("subject")
            .where(eq("_regardingobjectid_value", uuid.UUID(ACCOUNT)))
        ),
    ]  # fmt: skip


def test_encoder_writes_the_documented_request_shape() -> None:
    client = make_client(ScriptedTransport())
    ids = iter(range(100, 200))
    body = encode_batch(
        client,
        documented_items(),
        boundary="batch_B",
        new_id=lambda: f"id{next(ids)}",  # type: ignore[arg-type]
    ).decode()
    assert "\n" not in body.replace("\r\n", "")  # CRLF line ends only
    text = body.replace("\r\n", "\n")
    assert text.startswith("--batch_B\nContent-Type: multipart/mixed; boundary=changeset_id100\n\n")
    assert text.count("--changeset_id100\nContent-Type: application/http\n"
                      "Content-Transfer-Encoding: binary\nContent-ID: ") == 2  # fmt: skip
    assert f"Content-ID: 1\n\nPOST {ROOT}tasks HTTP/1.1\n" in text
    assert f"Content-ID: 2\n\nPOST {ROOT}tasks HTTP/1.1\n" in text
    assert "Content-Type: application/json; charset=utf-8\n" in text
    assert '"regardingobjectid_account_task@odata.bind": "/accounts(' in text
    assert "--changeset_id100--\n" in text
    assert (
        f"--batch_B\nContent-Type: application/http\nContent-Transfer-Encoding: binary\n\n"
        f"GET {ROOT}tasks?$select=subject"
        f"&$filter=_regardingobjectid_value%20eq%20{ACCOUNT} HTTP/1.1\n"
    ) in text
    assert text.endswith("--batch_B--\n")
    assert "Authorization" not in text  # the token travels once, on the outer request


def test_decoder_reads_the_documented_change_set_success() -> None:
    parts = decode_batch(OK_TYPE, CHANGESET_OK)
    assert [(p.response.status, p.content_id, p.in_change_set) for p in parts] == [
        (204, "1", True), (204, "2", True), (200, None, False),
    ]  # fmt: skip
    assert parts[0].response.headers["odata-entityid"].endswith(f"({TASK1})")
    assert json.loads(parts[2].response.body)["value"][1]["subject"] == "Task 2 in batch"


def test_client_maps_documented_success_back_to_each_operation(clock: FakeClock) -> None:
    transport = ScriptedTransport(batch_reply(CHANGESET_OK, OK_TYPE))
    client = make_client(transport, clock=clock)
    result = client.execute_batch(documented_items())
    assert result.ok
    first, second, query = result.results
    assert isinstance(first.value, WriteResult)
    assert str(first.value.id) == TASK1
    assert isinstance(second.value, WriteResult)
    assert str(second.value.id) == TASK2
    assert [r["subject"] for r in query.value.records] == ["Task 1 in batch", "Task 2 in batch"]
    sent = transport.sent[0]
    assert sent.url == ROOT + "$batch"
    assert sent.headers["Content-Type"].startswith("multipart/mixed; boundary=batch_")
    assert sent.headers["Authorization"].startswith("Bearer ")
    assert "Prefer" not in sent.headers


def test_change_set_answered_in_another_order_is_matched_by_content_id(clock: FakeClock) -> None:
    swapped = (
        CHANGESET_OK.replace(b"Content-ID: 1", b"Content-ID: X")
        .replace(b"Content-ID: 2", b"Content-ID: 1")
        .replace(b"Content-ID: X", b"Content-ID: 2")
    )
    client = make_client(ScriptedTransport(batch_reply(swapped, OK_TYPE)), clock=clock)
    first, second, _ = client.execute_batch(documented_items()).results
    assert str(first.value.id) == TASK2
    assert str(second.value.id) == TASK1


def test_failed_change_set_marks_every_operation_and_stops_the_batch(clock: FakeClock) -> None:
    client = make_client(ScriptedTransport(batch_reply(CHANGESET_FAILED, FAILED_TYPE)), clock=clock)
    result = client.execute_batch(documented_items())
    assert not result.ok
    first, second, query = result.results
    assert isinstance(first.error, ValidationError)
    assert first.error.code == "0x8004431a"
    assert first.error.request_id == "5ecd1cb3-1730-4ffc-909c-d44c22270026"
    assert isinstance(second.error, ValidationError)  # atomic: neither took effect
    assert second.error.message == first.error.message
    assert query.response is None
    assert query.error is None
    with pytest.raises(ValidationError):
        result.raise_for_error()


def test_continue_on_error_isolates_the_bad_operation(clock: FakeClock) -> None:
    answer = batch_reply(
        CONTINUED,
        "multipart/mixed; boundary=batchresponse_5f9a8c2d",
        **{"Preference-Applied": "odata.continue-on-error"},
    )
    transport = ScriptedTransport(answer)
    client = make_client(transport, clock=clock)
    items = [ops.create("tasks", {"subject": s}) for s in ("a", "b", "c")]
    result = client.execute_batch(items, continue_on_error=True)
    assert transport.sent[0].headers["Prefer"] == "odata.continue-on-error"
    assert [r.ok for r in result.results] == [True, False, True]
    assert isinstance(result.results[1].error, ValidationError)
    assert str(result.results[2].value.id) == TASK2


def test_create_only_conflict_inside_a_batch_is_already_exists(clock: FakeClock) -> None:
    body = crlf("""--b
Content-Type: application/http
Content-Transfer-Encoding: binary

HTTP/1.1 412 Precondition Failed
Content-Type: application/json; odata.metadata=minimal

{"error":{"code":"","message":"A record with matching key values already exists."}}
--b--
""")
    client = make_client(
        ScriptedTransport(batch_reply(body, "multipart/mixed; boundary=b")), clock=clock
    )
    req = ops.upsert("contacts", uuid.UUID(int=1), {"lastname": "x"}, mode="create_only")
    result = client.execute_batch([req])
    assert isinstance(result.results[0].error, AlreadyExistsError)


def test_batch_of_1001_operations_is_refused_before_any_call() -> None:
    transport = ScriptedTransport()
    client = make_client(transport)
    items = [ops.delete("tasks", uuid.UUID(int=i)) for i in range(1001)]
    with pytest.raises(InvalidRequestError, match="at most 1000"):
        client.execute_batch(items)
    with pytest.raises(InvalidRequestError, match="at most 1000"):
        client.execute_batch([ChangeSet(items[:600]), ChangeSet(items[600:])])
    assert transport.sent == []


@pytest.mark.parametrize(
    "items",
    [[], [ChangeSet([ops.delete("tasks", uuid.UUID(int=1))]), "not a request"]],
)
def test_malformed_batches_are_refused(items: list[object]) -> None:
    with pytest.raises(InvalidRequestError):
        make_client(ScriptedTransport()).execute_batch(items)  # type: ignore[arg-type]


def test_change_sets_refuse_reads_and_emptiness() -> None:
    with pytest.raises(InvalidRequestError, match="GET"):
        ChangeSet([ops.retrieve("tasks", uuid.UUID(int=1))])
    with pytest.raises(InvalidRequestError):
        ChangeSet([])


def test_only_safe_batches_are_repeated_on_connection_errors(clock: FakeClock) -> None:
    safe = [ops.upsert("contacts", {"cz_portalid": "p1"}, {"lastname": "x"})]
    unsafe = [ops.create("contacts", {"lastname": "x"})]
    ok = NO_CONTENT_BATCH
    transport = ScriptedTransport(DataverseConnectionError("reset"), ok)
    assert make_client(transport, clock=clock).execute_batch(safe).ok
    transport = ScriptedTransport(DataverseConnectionError("reset"), ok)
    with pytest.raises(DataverseConnectionError):
        make_client(transport, clock=clock).execute_batch(unsafe)
    assert len(transport.sent) == 1


def test_a_throttled_batch_waits_retry_after(clock: FakeClock) -> None:
    ok = NO_CONTENT_BATCH
    transport = ScriptedTransport(error_reply(429, "0x80072322", "slow down", Retry_After="3"), ok)
    make_client(transport, clock=clock).execute_batch([ops.create("tasks", {"subject": "a"})])
    assert clock.slept == [3.0]
    transport = ScriptedTransport(error_reply(429, "0x80072322", "slow", Retry_After="999"))
    client = make_client(transport, clock=clock)
    with pytest.raises(ThrottledError):
        client.execute_batch([ops.create("tasks", {"subject": "a"})])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/html", b"<html>proxy error</html>"),
        ("multipart/mixed", b"--x\n\nHTTP/1.1 200 OK\n\n--x--"),
        ("multipart/mixed; boundary=b", b"no delimiter here"),
        (
            "multipart/mixed; boundary=b",
            b"--b\nContent-Type: application/http\n\nnot a status\n--b--",
        ),
    ],
)
def test_unreadable_batch_responses_are_typed_errors(
    clock: FakeClock, content_type: str, body: bytes
) -> None:
    transport = ScriptedTransport(HttpResponse(200, Headers({"Content-Type": content_type}), body))
    with pytest.raises(UnexpectedResponseError):
        make_client(transport, clock=clock).execute_batch([ops.delete("tasks", uuid.UUID(int=1))])


def test_http_request_repr_hides_token_and_body() -> None:
    request = HttpRequest(
        "POST", ROOT, Headers({"Authorization": "Bearer abc"}), b'{"email": "a@b"}'
    )
    assert "abc" not in repr(request)
    assert "a@b" not in repr(request)


@given(st.binary(max_size=400), st.sampled_from(["b", "batchresponse_1"]))
@settings(max_examples=200, deadline=None)
def test_decoder_never_fails_untyped_on_garbage(body: bytes, boundary: str) -> None:
    framed = b"--" + boundary.encode() + b"\r\n" + body + b"\r\n--" + boundary.encode() + b"--"
    for candidate in (body, framed):
        try:
            parts = decode_batch(f"multipart/mixed; boundary={boundary}", candidate)
        except UnexpectedResponseError:
            continue
        assert all(100 <= p.response.status <= 999 for p in parts)

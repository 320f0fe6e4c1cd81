"""CreateMultiple / UpsertMultiple: chunks, bounded parallelism, isolating a bad record."""

from __future__ import annotations

import json
import threading
import uuid

import pytest

from cityzen_connector.dataverse import (
    Headers,
    HttpRequest,
    HttpResponse,
    InvalidRequestError,
    TransientServerError,
    ValidationError,
    bulk_request,
)
from cityzen_connector.testing import FakeClock

from .conftest import ROOT, ScriptedTransport, error_reply, make_client, reply


def ids_for(request: HttpRequest) -> HttpResponse:
    targets = json.loads(request.body or b"{}")["Targets"]
    return reply(200, {"Ids": [str(uuid.UUID(int=int(t["cz_n"]))) for t in targets]})


def records(n: int) -> list[dict[str, object]]:
    return [{"cz_n": i, "lastname": f"name {i}"} for i in range(n)]


def test_bulk_request_wire_shape() -> None:
    request = bulk_request("CreateMultiple", "contacts", "contact", [{"lastname": "a"}])
    assert (request.method, request.path) == (
        "POST",
        "contacts/Microsoft.Dynamics.CRM.CreateMultiple",
    )
    assert request.body == {
        "Targets": [{"@odata.type": "Microsoft.Dynamics.CRM.contact", "lastname": "a"}]
    }
    assert not request.safe_to_repeat
    assert bulk_request("UpsertMultiple", "contacts", "contact", []).safe_to_repeat


def test_upsert_multiple_names_each_row_by_alternate_key() -> None:
    # As in Microsoft's UpsertMultiple reference example.
    request = bulk_request(
        "UpsertMultiple", "sample_examples", "sample_example",
        [{"sample_name": "sample record 0000001", "sample_keyattribute": "0000001"}],
        key_columns=["sample_keyattribute"],
    )  # fmt: skip
    assert request.path == "sample_examples/Microsoft.Dynamics.CRM.UpsertMultiple"
    assert request.body == {
        "Targets": [
            {
                "@odata.type": "Microsoft.Dynamics.CRM.sample_example",
                "sample_name": "sample record 0000001",
                "sample_keyattribute": "0000001",
                "@odata.id": "sample_examples(sample_keyattribute='0000001')",
            }
        ]
    }


def test_records_are_chunked_and_ids_kept_in_input_order(clock: FakeClock) -> None:
    transport = ScriptedTransport(ids_for, ids_for, ids_for)
    client = make_client(transport, clock=clock, max_concurrency=1)
    result = client.create_multiple("contacts", "contact", records(250), chunk_size=100)
    assert result.ok
    assert result.ids == tuple(uuid.UUID(int=i) for i in range(250))
    sizes = [len(json.loads(r.body or b"")["Targets"]) for r in transport.sent]
    assert sizes == [100, 100, 50]
    assert all(
        r.url == ROOT + "contacts/Microsoft.Dynamics.CRM.CreateMultiple" for r in transport.sent
    )


def test_default_chunk_size_comes_from_the_config(clock: FakeClock) -> None:
    transport = ScriptedTransport(ids_for, ids_for)
    client = make_client(transport, clock=clock, bulk_chunk_size=3, max_concurrency=1)
    client.create_multiple("contacts", "contact", records(5))
    assert len(transport.sent) == 2


def test_parallelism_follows_the_dop_hint_and_never_exceeds_it(clock: FakeClock) -> None:
    lock = threading.Lock()
    state = {"in_flight": 0, "peak": 0}
    two_in_flight = threading.Barrier(2, timeout=5)

    class Parallel:
        def send(self, request: HttpRequest, *, timeout: float) -> HttpResponse:
            if "WhoAmI" in request.url:
                body = {"UserId": str(uuid.UUID(int=1)), "BusinessUnitId": str(uuid.UUID(int=2)),
                        "OrganizationId": str(uuid.UUID(int=3))}  # fmt: skip
                return HttpResponse(200, Headers({"x-ms-dop-hint": "2"}), json.dumps(body).encode())
            with lock:
                state["in_flight"] += 1
                state["peak"] = max(state["peak"], state["in_flight"])
            try:
                two_in_flight.wait()  # proves two chunks really run at once
                return ids_for(request)
            finally:
                with lock:
                    state["in_flight"] -= 1

    client = make_client(Parallel(), clock=clock, max_concurrency=5)
    client.who_am_i()
    assert client.limiter.limit == 2
    result = client.create_multiple("contacts", "contact", records(60), chunk_size=10)
    assert result.ok
    assert len(result.ids) == 60
    assert state["peak"] == 2


def test_a_bad_record_is_isolated_through_batch_continue_on_error(clock: FakeClock) -> None:
    def batch(request: HttpRequest) -> HttpResponse:
        assert request.headers["Prefer"] == "odata.continue-on-error"
        parts = request.body.decode().split("POST ")[1:] if request.body else []
        out = []
        for index, part in enumerate(parts):
            if "poison" in part:
                status, extra = (
                    "400 Bad Request",
                    (
                        "Content-Type: application/json\r\n\r\n"
                        '{"error":{"code":"0x80044331","message":"A validation error occurred."}}'
                    ),
                )
            else:
                status = "204 No Content"
                extra = f"OData-EntityId: {ROOT}contacts({uuid.UUID(int=100 + index)})\r\n\r\n"
            out.append(
                f"--r\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 {status}\r\n{extra}\r\n"
            )
        body = ("".join(out) + "--r--\r\n").encode()
        return HttpResponse(200, Headers({"Content-Type": "multipart/mixed; boundary=r"}), body)

    rows = [{"lastname": "a"}, {"lastname": "poison"}, {"lastname": "c"}]
    transport = ScriptedTransport(
        error_reply(400, "0x80044331", "A validation error occurred."), batch
    )
    client = make_client(transport, clock=clock)
    result = client.create_multiple("contacts", "contact", rows)
    assert not result.ok
    assert set(result.errors) == {1}
    assert isinstance(result.errors[1], ValidationError)
    assert result.ids == (uuid.UUID(int=100), None, uuid.UUID(int=102))
    assert result.batch_fallbacks == 1


def test_tables_without_the_bulk_message_are_remembered(clock: FakeClock) -> None:
    ok = HttpResponse(
        200,
        Headers({"Content-Type": "multipart/mixed; boundary=r"}),
        f"--r\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n"
        f"OData-EntityId: {ROOT}cz_things({uuid.UUID(int=9)})\r\n\r\n\r\n--r--\r\n".encode(),
    )
    not_found = error_reply(
        404, "0x80060888", "Resource not found for the segment 'CreateMultiple'."
    )
    transport = ScriptedTransport(not_found, ok, ok)
    client = make_client(transport, clock=clock)
    first = client.create_multiple("cz_things", "cz_thing", [{"cz_name": "a"}])
    second = client.create_multiple("cz_things", "cz_thing", [{"cz_name": "b"}])
    assert first.ids == second.ids == (uuid.UUID(int=9),)
    assert [r.url.rsplit("/", 1)[-1] for r in transport.sent] == [
        "Microsoft.Dynamics.CRM.CreateMultiple", "$batch", "$batch",
    ]  # fmt: skip


def test_a_transient_failure_is_reported_not_replayed(clock: FakeClock) -> None:
    storm = [error_reply(503, "", "unavailable") for _ in range(10)]
    transport = ScriptedTransport(*storm)
    client = make_client(transport, clock=clock)
    result = client.create_multiple("contacts", "contact", records(3))
    # CreateMultiple is not safe to repeat after a 503: reported, never sent twice.
    assert len(transport.sent) == 1
    assert set(result.errors) == {0, 1, 2}
    assert all(isinstance(e, TransientServerError) for e in result.errors.values())


def test_upsert_multiple_needs_its_key_in_every_record(clock: FakeClock) -> None:
    transport = ScriptedTransport()
    client = make_client(transport, clock=clock)
    with pytest.raises(InvalidRequestError, match="key_columns"):
        client.upsert_multiple(
            "contacts",
            "contact",
            [{"cz_portalid": "a"}, {"lastname": "b"}],
            key_columns=["cz_portalid"],
        )
    with pytest.raises(InvalidRequestError):
        client.create_multiple("contacts", "bad name", [{"a": 1}])
    with pytest.raises(InvalidRequestError):
        client.create_multiple("contacts", "contact", ["not a record"])  # type: ignore[list-item]
    with pytest.raises(InvalidRequestError):
        client.create_multiple("contacts", "contact", [{"a": 1}], chunk_size=5000)
    assert transport.sent == []


def test_upsert_multiple_is_repeated_after_a_503(clock: FakeClock) -> None:
    # UpsertMultiple answers 204 No Content: no ids come back.
    transport = ScriptedTransport(error_reply(503, "", "busy"), reply(204))
    client = make_client(transport, clock=clock)
    result = client.upsert_multiple(
        "contacts", "contact", [{"cz_portalid": "p"}], key_columns=["cz_portalid"]
    )
    assert result.ok
    assert result.ids == (None,)
    assert len(transport.sent) == 2


def test_empty_input_sends_nothing(clock: FakeClock) -> None:
    transport = ScriptedTransport()
    assert make_client(transport, clock=clock).create_multiple("contacts", "contact", []).ids == ()
    assert transport.sent == []

"""What a type checker must see on the client's surface. Never run: ``test_typing.py`` checks it
with mypy --strict (an ``assert_type`` that fails, or a ``type: ignore`` that is no longer
needed, is an error)."""

from __future__ import annotations

import uuid
from typing import assert_type

from cityzen_connector._types import JsonObject
from cityzen_connector.dataverse import (
    BatchResult,
    ChangeSet,
    ColumnSpec,
    DataverseClient,
    DataverseRequest,
    Expect,
    OperationResult,
    Page,
    Query,
    RetryPolicy,
    WriteResult,
    bulk_request,
    create_column_request,
    create_key_request,
    entity_definition_request,
    eq,
    insert_option_value_request,
    interpret,
    ops,
)
from cityzen_connector.dataverse import HttpResponse as Response

ID = uuid.UUID(int=1)


def builders_say_what_their_response_means() -> None:
    assert_type(ops.create("contacts", {}), DataverseRequest[WriteResult])
    assert_type(ops.update("contacts", ID, {}), DataverseRequest[WriteResult])
    assert_type(ops.upsert("contacts", ID, {}), DataverseRequest[WriteResult])
    assert_type(ops.retrieve("contacts", ID), DataverseRequest[JsonObject])
    assert_type(ops.delete("contacts", ID), DataverseRequest[None])
    assert_type(ops.associate("a", ID, "n", "b", ID, service_root="x"), DataverseRequest[None])
    assert_type(ops.disassociate("a", ID, "n"), DataverseRequest[None])
    assert_type(ops.query(Query("contacts")), DataverseRequest[Page])
    assert_type(ops.fetch_xml("contacts", "<fetch />"), DataverseRequest[Page])
    assert_type(ops.action("Act"), DataverseRequest[JsonObject])
    assert_type(ops.function("Fn"), DataverseRequest[JsonObject])
    assert_type(ops.who_am_i(), DataverseRequest[JsonObject])
    assert_type(
        bulk_request("CreateMultiple", "contacts", "contact", []), DataverseRequest[JsonObject]
    )
    assert_type(entity_definition_request("contact"), DataverseRequest[JsonObject])
    assert_type(
        create_column_request("contact", ColumnSpec("cz_x", "string", "X")),
        DataverseRequest[WriteResult],
    )
    assert_type(create_key_request("contact", "k", "K", ["c"]), DataverseRequest[WriteResult])
    assert_type(insert_option_value_request("t", "c", "x"), DataverseRequest[JsonObject])


def execute_returns_that_type(client: DataverseClient, response: Response) -> None:
    assert_type(client.execute(ops.create("contacts", {})), WriteResult)
    assert_type(client.execute(ops.retrieve("contacts", ID)), JsonObject)
    assert_type(client.execute(ops.query(Query("contacts"))), Page)
    assert_type(client.execute(ops.fetch_xml("contacts", "<fetch />")).paging_cookie, str | None)
    assert_type(client.execute(ops.delete("contacts", ID)), None)
    assert_type(interpret(ops.query(Query("contacts")), response), Page)
    raw = DataverseRequest("GET", "teams", "teams", Expect.COLLECTION, safe_to_repeat=True)
    assert_type(raw, DataverseRequest[Page])
    assert_type(client.execute(raw), Page)


def the_type_and_the_reading_cannot_disagree() -> None:
    DataverseRequest[Page]("GET", "x", "op", Expect.RECORD, True)  # type: ignore[arg-type]
    wrong: DataverseRequest[Page] = ops.retrieve("contacts", ID)  # type: ignore[assignment]
    del wrong


def copies_keep_their_type(client: DataverseClient) -> None:
    assert_type(client.with_correlation_id("m"), DataverseClient)
    assert_type(client.with_retry(RetryPolicy.NO_RETRY), DataverseClient)
    assert_type(client.with_caller(None), DataverseClient)
    request = ops.create("contacts", {})
    assert_type(request.with_headers({"a": "b"}), DataverseRequest[WriteResult])
    assert_type(request.with_prefer("odata.include-annotations=*"), DataverseRequest[WriteResult])
    assert_type(Query("contacts").select("x").where(eq("x", 1)).top(1), Query)


def batches_take_any_request(client: DataverseClient) -> None:
    result = client.execute_batch(
        [ops.query(Query("teams")), ChangeSet([ops.create("a", {}), ops.delete("b", ID)])]
    )
    assert_type(result, BatchResult)
    first = result.results[0]
    assert_type(first, OperationResult[object])
    assert_type(first.value, object)

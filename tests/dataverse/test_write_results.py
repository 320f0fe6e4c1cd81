"""Which row a write touched, header by header, read from the replies Microsoft Learn shows:

- "Create a table row using the Web API": Basic create answers ``204`` with ``OData-EntityId``;
  Create with data returned answers ``201`` with the row, and "the OData-EntityId header
  containing the URI to the created record is not returned".
- "Update and delete table rows using the Web API", Update with data returned: ``200`` with
  the row, no ``OData-EntityId``.
- "Use Upsert to Create or Update a record", Use Web API: by alternate key, ``204`` with
  ``OData-EntityId: …/example_records(example_key1=2,example_key2=2)`` (the key, "identical for
  Create or Update"), or ``201``/``200`` with the row's primary key when asked for it.
- "Execute batch operations using the Web API": each change-set part carries its own reply.

The replies below are those examples, [Organization URI] filled in.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from cityzen_connector.dataverse import (
    ChangeSet,
    DataverseRequest,
    Headers,
    HttpResponse,
    WriteResult,
    interpret,
    ops,
)

from .conftest import ROOT, ScriptedTransport, make_client
from .test_batch import batch_reply, crlf

ACCOUNT = "d6f193fc-ce85-e611-80d8-00155d2a68de"
RECORD = "ef0d112e-d70e-ed11-82e5-00224822577b"
KEY = {"example_key1": 3, "example_key2": 3}
ENTITY_JSON = "application/json; odata.metadata=minimal"


def answer(status: int, body: object = None, **headers: str) -> HttpResponse:
    named = {name.replace("_", "-"): value for name, value in headers.items()}
    if body is not None:
        named["Content-Type"] = ENTITY_JSON
    raw = b"" if body is None else json.dumps(body).encode()
    return HttpResponse(status, Headers({"OData-Version": "4.0", **named}), raw)


# "Create with data returned": 201, no OData-EntityId, the primary key in the row.
CREATED_ACCOUNT = answer(
    201,
    {
        "@odata.context": f"{ROOT}$metadata#accounts/$entity",
        "@odata.etag": 'W/"536530"',
        "accountid": ACCOUNT,
        "name": "Sample Account",
        "createdon": "2016-09-28T22:57:53Z",
    },
    Preference_Applied="return=representation",
)


def upserted(status: int) -> HttpResponse:
    """ "Create/Update with upsert and return=representation preference" ($select=the key)."""
    return answer(
        status,
        {
            "@odata.context": f"{ROOT}$metadata#example_records(example_recordid)/$entity",
            "@odata.etag": 'W/"71004878"',
            "example_recordid": RECORD,
        },
        ETag='W/"71004878"',
    )


def keyed_upsert(**options: object) -> DataverseRequest[WriteResult]:
    return ops.upsert("example_records", KEY, {"example_name": "3:3"}, **options)  # type: ignore[arg-type]


def test_create_with_data_returned_takes_the_id_from_the_primary_key_column() -> None:
    request = ops.create(
        "accounts", {"name": "Sample Account"}, return_record=True, primary_id="accountid"
    )
    result = interpret(request, CREATED_ACCOUNT)
    assert result.id == uuid.UUID(ACCOUNT)
    assert result.created is True
    assert result.entity_url is None
    assert result.key is None
    assert result.record is not None
    assert result.record["name"] == "Sample Account"


def test_without_the_primary_id_column_a_returned_row_gives_no_id_rather_than_a_guess() -> None:
    request = ops.create("accounts", {"name": "Sample Account"}, return_record=True)
    assert interpret(request, CREATED_ACCOUNT).id is None


def test_update_with_data_returned_is_200_not_created() -> None:
    reply = answer(
        200,
        {"@odata.etag": 'W/"536537"', "accountid": ACCOUNT, "name": "Updated Sample Account"},
        Preference_Applied="return=representation",
    )
    request = ops.update(
        "accounts", ACCOUNT, {"name": "Updated"}, return_record=True, primary_id="accountid"
    )
    result = interpret(request, reply)
    assert (result.id, result.created) == (uuid.UUID(ACCOUNT), False)


def test_basic_create_reads_the_guid_url() -> None:
    reply = answer(204, OData_EntityId=f"{ROOT}accounts(7eb682f1-ca75-e511-80d4-00155d2a68d1)")
    result = interpret(ops.create("accounts", {"name": "Sample Account"}), reply)
    assert result.id == uuid.UUID("7eb682f1-ca75-e511-80d4-00155d2a68d1")
    assert result.created is True  # a POST only creates
    assert result.key is None


def test_upsert_by_alternate_key_answers_the_key_not_an_id() -> None:
    """ "Create with upsert" and "Update with upsert": the same 204, the key URL."""
    reply = answer(204, OData_EntityId=f"{ROOT}example_records(example_key1=2,example_key2=2)")
    result = interpret(keyed_upsert(primary_id="example_recordid"), reply)
    assert result.id is None
    assert result.key == {"example_key1": 2, "example_key2": 2}
    assert result.created is None  # "the response doesn't tell you whether it created a record"
    assert result.entity_url == f"{ROOT}example_records(example_key1=2,example_key2=2)"


@pytest.mark.parametrize(("status", "created"), [(201, True), (200, False)])
def test_upsert_by_alternate_key_with_data_returned_gives_the_id_and_whether_created(
    status: int, created: bool
) -> None:
    request = keyed_upsert(return_record=True, primary_id="example_recordid")
    result = interpret(request, upserted(status))
    assert (result.id, result.created, result.key) == (uuid.UUID(RECORD), created, None)


@pytest.mark.parametrize(
    ("mode", "created"), [("create_only", True), ("update_only", False), ("upsert", None)]
)
def test_a_204_upsert_is_created_only_where_the_request_allowed_nothing_else(
    mode: str, created: bool | None
) -> None:
    """ "Perform conditional operations using the Web API", Limit upsert operations:
    ``If-None-Match: *`` only creates (412 otherwise), ``If-Match: *`` only updates (404)."""
    reply = answer(204, OData_EntityId=f"{ROOT}example_records(example_key1=3,example_key2=3)")
    assert interpret(keyed_upsert(mode=mode), reply).created is created


@pytest.mark.parametrize(
    ("segment", "key"),
    [
        ("cz_identitykey='O''Brien%20%C3%A9'", {"cz_identitykey": "O'Brien é"}),
        ("cz_portalid='a,b=c)',cz_tenant=12", {"cz_portalid": "a,b=c)", "cz_tenant": 12}),
        ("cz_amount=12.50,cz_on=2024-05-01", {"cz_amount": Decimal("12.50"),
                                              "cz_on": date(2024, 5, 1)}),
        ("cz_at=2024-05-01T08:00:00Z,cz_ok=true", {"cz_at": datetime(2024, 5, 1, 8, tzinfo=UTC),
                                                   "cz_ok": True}),
        (f"parentcustomerid={ACCOUNT}", {"parentcustomerid": uuid.UUID(ACCOUNT)}),
    ],
)  # fmt: skip
def test_key_urls_are_read_back_into_the_key_that_addressed_the_row(
    segment: str, key: dict[str, object]
) -> None:
    reply = answer(204, OData_EntityId=f"{ROOT}contacts({segment})")
    result = interpret(ops.upsert("contacts", {"cz_identitykey": "x"}, {}), reply)
    assert (result.id, result.key) == (None, key)


def test_a_key_naming_the_primary_key_column_is_the_id() -> None:
    reply = answer(204, OData_EntityId=f"{ROOT}accounts(accountid={ACCOUNT})")
    result = interpret(ops.upsert("accounts", ACCOUNT, {}, primary_id="accountid"), reply)
    assert result.id == uuid.UUID(ACCOUNT)


def test_an_unreadable_url_is_neither_id_nor_key() -> None:
    reply = answer(204, OData_EntityId=f"{ROOT}accounts(name=Contoso)")
    result = interpret(ops.upsert("accounts", {"name": "x"}, {}), reply)
    assert (result.id, result.key) == (None, None)


# A change set as the pipeline sends it: a contact upserted by key with its row returned, a
# case created-only by key with its row returned, a note upserted by key without.
CHANGE_SET = crlf(f"""--batchresponse_a
Content-Type: multipart/mixed; boundary=changesetresponse_b

--changesetresponse_b
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 1

HTTP/1.1 201 Created
Content-Type: application/json; odata.metadata=minimal
ETag: W/"71004878"
Preference-Applied: return=representation
OData-Version: 4.0

{{"@odata.context":"{ROOT}$metadata#contacts(contactid)/$entity","@odata.etag":"W/\\"71004878\\"","contactid":"{RECORD}"}}
--changesetresponse_b
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 2

HTTP/1.1 201 Created
Content-Type: application/json; odata.metadata=minimal
Preference-Applied: return=representation
OData-Version: 4.0

{{"@odata.etag":"W/\\"71004880\\"","incidentid":"{ACCOUNT}","ticketnumber":"CAS-01234-A1B2C3"}}
--changesetresponse_b
Content-Type: application/http
Content-Transfer-Encoding: binary
Content-ID: 3

HTTP/1.1 204 No Content
OData-Version: 4.0
OData-EntityId: {ROOT}annotations(cz_noteid='n-1')


--changesetresponse_b--
--batchresponse_a--
""")


def test_change_set_parts_are_read_like_single_replies() -> None:
    contact = ops.upsert(
        "contacts", {"cz_identitykey": "k"}, {}, return_record=True, primary_id="contactid"
    )
    case = ops.upsert(
        "incidents",
        {"cz_submissionid": "s"},
        {"customerid_contact@odata.bind": "$1"},
        mode="create_only",
        return_record=True,
        primary_id="incidentid",
    )
    note = ops.upsert("annotations", {"cz_noteid": "n-1"}, {}, mode="create_only")
    transport = ScriptedTransport(
        batch_reply(CHANGE_SET, "multipart/mixed; boundary=batchresponse_a")
    )
    result = make_client(transport).execute_batch([ChangeSet([contact, case, note])])
    values = [r.value for r in result.results]
    assert all(isinstance(v, WriteResult) for v in values)
    written = [v for v in values if isinstance(v, WriteResult)]
    assert [(w.id, w.created, w.key) for w in written] == [
        (uuid.UUID(RECORD), True, None),
        (uuid.UUID(ACCOUNT), True, None),
        (None, True, {"cz_noteid": "n-1"}),
    ]
    assert written[1].record is not None
    assert written[1].record["ticketnumber"] == "CAS-01234-A1B2C3"

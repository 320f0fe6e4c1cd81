"""Exact wire shapes of every single operation, as in Microsoft Learn's Web API examples."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, date, datetime

import pytest
import responses
from responses import matchers

from cityzen_connector.dataverse import (
    AlreadyExistsError,
    DataverseClient,
    DataverseRequest,
    Expand,
    Expect,
    InvalidRequestError,
    NotFoundError,
    Query,
    RequestsTransport,
    UnexpectedResponseError,
    eq,
    gt,
    in_,
)

from .conftest import ORG, ROOT, TOKEN, ScriptedTransport, make_client

CID = "00000000-0000-0000-0000-0000000000c1"
ACCOUNT = "00000000-0000-0000-0000-0000000000a1"


def _sent(wire: responses.RequestsMock, index: int = 0) -> responses.Call:
    return wire.calls[index]


def test_create_sends_json_and_reads_the_id_from_odata_entityid(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.post(
        ROOT + "contacts",
        status=204,
        headers={"OData-EntityId": f"{ROOT}contacts({CID})"},
        match=[matchers.json_params_matcher({"firstname": "Zoé", "lastname": "O'Brien"})],
    )
    result = client.create("contacts", {"firstname": "Zoé", "lastname": "O'Brien"})
    assert result.id == uuid.UUID(CID)
    headers = _sent(wire).request.headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/json"
    assert headers["OData-MaxVersion"] == "4.0"
    assert headers["OData-Version"] == "4.0"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert uuid.UUID(headers["x-ms-client-request-id"])
    assert "Prefer" not in headers
    assert "Zoé".encode() in _sent(wire).request.body  # UTF-8, not \\u escapes


def test_create_with_representation_returns_the_record(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.post(
        ROOT + "contacts?$select=fullname,contactid",
        status=201,
        # "Create with data returned": no OData-EntityId, the primary key in the row.
        json={"@odata.etag": 'W/"1"', "contactid": CID, "fullname": "Zoé Martin"},
    )
    result = client.create(
        "contacts",
        {"fullname": "Zoé Martin"},
        return_record=True,
        select=["fullname", "contactid"],
        suppress_duplicate_detection=False,
        primary_id="contactid",
    )
    assert result.id == uuid.UUID(CID)
    assert result.created is True
    assert result.record == {"@odata.etag": 'W/"1"', "contactid": CID, "fullname": "Zoé Martin"}
    headers = _sent(wire).request.headers
    assert headers["Prefer"] == "return=representation"
    assert headers["MSCRM.SuppressDuplicateDetection"] == "false"


def test_retrieve_by_composite_alternate_key_with_select_and_expand(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    url = (
        ROOT + "contacts(cz_portalid='a''b',cz_tenant=12)"
        "?$select=fullname&$expand=parentcustomerid_account($select=name)"
    )
    wire.get(url, json={"fullname": "x"})
    record = client.retrieve(
        "contacts",
        {"cz_portalid": "a'b", "cz_tenant": 12},
        select=["fullname"],
        expand=[Expand("parentcustomerid_account", select=("name",))],
    )
    assert record == {"fullname": "x"}
    assert _sent(wire).request.url == url
    assert _sent(wire).request.method == "GET"
    assert "Content-Type" not in _sent(wire).request.headers


def test_update_never_creates_and_returns_nothing(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.patch(
        ROOT + f"contacts({CID})", status=204, match=[matchers.header_matcher({"If-Match": "*"})]
    )
    client.update("contacts", CID, {"telephone1": "0102030405"})
    assert json.loads(_sent(wire).request.body) == {"telephone1": "0102030405"}


def test_update_of_a_missing_row_is_not_found(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    # Microsoft's 404 example carries an empty code.
    wire.patch(
        ROOT + f"contacts({CID})",
        status=404,
        json={"error": {"code": "", "message": "Entity 'contact' With Id = ... Does Not Exist"}},
    )
    with pytest.raises(NotFoundError) as caught:
        client.update("contacts", CID, {"telephone1": "1"})
    assert caught.value.status == 404
    assert caught.value.code == ""


@pytest.mark.parametrize(
    ("mode", "header", "value"),
    [
        ("upsert", None, None),
        ("create_only", "If-None-Match", "*"),
        ("update_only", "If-Match", "*"),
    ],
)
def test_upsert_modes_by_alternate_key(
    wire: responses.RequestsMock,
    client: DataverseClient,
    mode: str,
    header: str | None,
    value: str | None,
) -> None:
    # "Use Upsert to Create or Update a record": the key URL, not the row's GUID.
    wire.patch(
        ROOT + "incidents(cz_submissionid='S-1')",
        status=204,
        headers={"OData-EntityId": f"{ROOT}incidents(cz_submissionid='S-1')"},
    )
    result = client.upsert("incidents", {"cz_submissionid": "S-1"}, {"title": "t"}, mode=mode)  # type: ignore[arg-type]
    assert (result.id, result.key) == (None, {"cz_submissionid": "S-1"})
    headers = _sent(wire).request.headers
    assert ("If-Match" in headers, "If-None-Match" in headers) == (
        header == "If-Match",
        header == "If-None-Match",
    )
    if header:
        assert headers[header] == value


def test_create_only_upsert_of_an_existing_row_is_already_exists(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    # Microsoft's example: 412 with an empty code and this message.
    wire.patch(
        ROOT + f"contacts({CID})",
        status=412,
        json={
            "error": {"code": "", "message": "A record with matching key values already exists."}
        },
    )
    with pytest.raises(AlreadyExistsError):
        client.upsert("contacts", CID, {"firstname": "a"}, mode="create_only")


def test_delete_and_missing_ok(wire: responses.RequestsMock, client: DataverseClient) -> None:
    wire.delete(ROOT + f"contacts({CID})", status=204)
    wire.delete(
        ROOT + f"contacts({CID})", status=404, json={"error": {"code": "", "message": "gone"}}
    )
    client.delete("contacts", CID)
    client.delete("contacts", CID, missing_ok=True)
    wire.delete(ROOT + f"contacts({CID})", status=404, json={"error": {"code": "", "message": "x"}})
    with pytest.raises(NotFoundError):
        client.delete("contacts", CID)


def test_associate_collection_and_single_valued_and_disassociate(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    target = {"@odata.id": f"{ROOT}contacts({CID})"}
    wire.post(
        ROOT + f"accounts({ACCOUNT})/contact_customer_accounts/$ref",
        status=204,
        match=[matchers.json_params_matcher(target)],
    )
    wire.put(
        ROOT + f"incidents({CID})/customerid_contact/$ref",
        status=204,
        match=[matchers.json_params_matcher(target)],
    )
    wire.delete(ROOT + f"accounts({ACCOUNT})/contact_customer_accounts({CID})/$ref", status=204)
    wire.delete(ROOT + f"incidents({CID})/customerid_contact/$ref", status=204)
    client.associate("accounts", ACCOUNT, "contact_customer_accounts", "contacts", CID)
    client.associate("incidents", CID, "customerid_contact", "contacts", CID, single_valued=True)
    client.disassociate("accounts", ACCOUNT, "contact_customer_accounts", CID)
    client.disassociate("incidents", CID, "customerid_contact")


def test_query_escapes_literals_and_follows_next_links_lazily(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    first = (
        ROOT + "contacts?$select=fullname&$filter=(emailaddress1%20eq%20'o''brien%26co@x.fr')"
        "%20and%20(createdon%20gt%202024-05-01T08:00:00Z)&$orderby=createdon%20desc&$count=true"
    )
    next_link = ROOT + "contacts?$select=fullname&$skiptoken=%3Ccookie%20pagenumber=%222%22/%3E"
    wire.get(
        first,
        json={
            "value": [{"fullname": "a"}, {"fullname": "b"}],
            "@odata.count": 3,
            "@odata.nextLink": next_link,
        },
    )
    wire.get(next_link, json={"value": [{"fullname": "c"}]})
    query = (
        Query("contacts")
        .select("fullname")
        .where(
            eq("emailaddress1", "o'brien&co@x.fr")
            & gt("createdon", datetime(2024, 5, 1, 8, tzinfo=UTC))
        )
        .order_by("createdon", descending=True)
        .count()
    )
    rows = client.query(query, page_size=2)
    assert next(rows) == {"fullname": "a"}
    assert len(wire.calls) == 1  # lazy: page two not fetched yet
    assert [r["fullname"] for r in rows] == ["b", "c"]
    assert wire.calls[0].request.url == first  # exact encoding, not just equivalent params
    assert wire.calls[1].request.url == next_link
    assert wire.calls[0].request.headers["Prefer"] == "odata.maxpagesize=2"
    assert wire.calls[1].request.headers["Prefer"] == "odata.maxpagesize=2"


def test_next_link_to_another_host_is_refused_before_sending_the_token(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(ROOT + "contacts", json={"value": [], "@odata.nextLink": "https://evil.example/x"})
    pages = client.query_pages(Query("contacts"))
    next(pages)
    with pytest.raises(Exception, match="outside the service root"):
        next(pages)
    assert len(wire.calls) == 1


def test_who_am_i_and_function_parameters_as_aliases(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    ids = {
        "BusinessUnitId": "00000000-0000-0000-0000-000000000001",
        "UserId": "00000000-0000-0000-0000-000000000002",
        "OrganizationId": "00000000-0000-0000-0000-000000000003",
    }
    wire.get(ROOT + "WhoAmI", json={"@odata.context": ROOT + "$metadata#...", **ids})
    wire.get(
        ROOT + "GetTimeZoneCodeByLocalizedName(LocalizedStandardName=@LocalizedStandardName,"
        "LocaleId=@LocaleId)?@LocalizedStandardName='Romance%20Standard%20Time'&@LocaleId=1036",
        json={"TimeZoneCode": 105},
    )
    me = client.who_am_i()
    assert wire.calls[0].request.url == ROOT + "WhoAmI"
    assert str(me.user_id).endswith("2")
    result = client.call_function(
        "GetTimeZoneCodeByLocalizedName",
        {"LocalizedStandardName": "Romance Standard Time", "LocaleId": 1036},
    )
    assert result == {"TimeZoneCode": 105}


def test_bound_and_unbound_actions(wire: responses.RequestsMock, client: DataverseClient) -> None:
    wire.post(
        ROOT + "InsertOptionValue",
        json={"NewOptionValue": 727000000},
        match=[matchers.json_params_matcher({"AttributeLogicalName": "cz_theme", "Value": 1})],
    )
    wire.post(ROOT + f"incidents({CID})/Microsoft.Dynamics.CRM.cz_Escalate", status=204)
    assert client.call_action(
        "InsertOptionValue", {"AttributeLogicalName": "cz_theme", "Value": 1}
    ) == {"NewOptionValue": 727000000}
    assert client.call_action("cz_Escalate", bound_to=("incidents", CID)) == {}


def test_correlation_and_caller_headers(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(ROOT + f"contacts({CID})", json={})
    agent = "11111111-2222-3333-4444-555555555555"
    client.with_correlation_id("msg-42").with_caller(agent).retrieve("contacts", CID)
    headers = _sent(wire).request.headers
    assert headers["x-ms-correlation-request-id"] == "msg-42"
    assert headers["CallerObjectId"] == agent


def test_dates_and_date_only_values_in_bodies(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.patch(ROOT + f"contacts({CID})", status=204)
    client.update(
        "contacts",
        CID,
        {"birthdate": date(1990, 2, 3), "cz_seen": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)},
    )
    assert json.loads(_sent(wire).request.body) == {
        "birthdate": "1990-02-03",
        "cz_seen": "2024-01-02T03:04:05Z",
    }


def test_the_arr_affinity_cookie_is_not_sent_back(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(
        ROOT + "WhoAmI",
        json={"UserId": CID, "BusinessUnitId": CID, "OrganizationId": CID},
        headers={
            "Set-Cookie": "ARRAffinity=abc123; Path=/; HttpOnly; Domain=contoso.crm4.dynamics.com"
        },
    )
    wire.get(ROOT + "WhoAmI", json={"UserId": CID, "BusinessUnitId": CID, "OrganizationId": CID})
    client.who_am_i()
    client.who_am_i()
    assert "Cookie" not in wire.calls[1].request.headers
    assert ORG in ROOT


def test_annotations_and_page_size_from_the_config(wire: responses.RequestsMock) -> None:
    client = make_client(
        RequestsTransport(), include_annotations="OData.Community.Display.V1.FormattedValue",
        max_page_size=50,
    )  # fmt: skip
    wire.get(ROOT + "incidents", json={"value": []})
    assert list(client.query(Query("incidents"))) == []
    assert wire.calls[0].request.headers["Prefer"] == (
        'odata.maxpagesize=50,odata.include-annotations="OData.Community.Display.V1.FormattedValue"'
    )


def test_an_html_page_with_200_is_a_typed_error(
    wire: responses.RequestsMock, client: DataverseClient
) -> None:
    wire.get(ROOT + f"contacts({CID})", body="<html>login page</html>", content_type="text/html")
    with pytest.raises(UnexpectedResponseError, match="text/html"):
        client.retrieve("contacts", CID)


def test_an_overlong_url_is_refused_before_sending(client: DataverseClient) -> None:
    names = [f"n{i}" for i in range(3000)]
    with pytest.raises(InvalidRequestError, match="exceeds 32768"):
        list(client.query(Query("contacts").where(in_("lastname", names))))


def test_logs_carry_no_personal_data(
    wire: responses.RequestsMock, client: DataverseClient, caplog: pytest.LogCaptureFixture
) -> None:
    email = "jeanne.dupont@example.fr"
    url = ROOT + "contacts(emailaddress1='jeanne.dupont@example.fr')"
    wire.patch(url, status=503, json={"error": {"code": "", "message": "busy"}})
    wire.patch(url, status=204)
    with caplog.at_level(logging.DEBUG, logger="cityzen_connector.dataverse"):
        client.upsert(
            "contacts", {"emailaddress1": email}, {"lastname": "Dupont", "telephone1": "06"}
        )
    assert caplog.records  # the retry and the calls were logged...
    assert email not in caplog.text  # ...without the key, the body or the token
    assert "Dupont" not in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    "make",
    [
        lambda c: c.with_correlation_id("x\r\nAuthorization: Bearer stolen").who_am_i(),
        lambda c: c.update("contacts", CID, {"a": 1}, etag='W/"1"\r\nX-Evil: 1'),
        lambda c: c.with_caller("not-a-guid"),
        lambda c: c.execute(
            DataverseRequest("GET", "WhoAmI HTTP/1.1\r\nX: y", "raw", Expect.JSON, True)
        ),
    ],
)
def test_header_injection_is_refused_before_sending(make: object) -> None:
    transport = ScriptedTransport()  # nothing may reach it
    with pytest.raises(InvalidRequestError):
        make(make_client(transport))  # type: ignore[operator]
    assert transport.sent == []

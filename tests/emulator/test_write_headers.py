"""Which header names a written row, reply by reply, as Microsoft Learn shows them:

- "Create a table row using the Web API", Basic create: ``204 No Content`` with
  ``OData-EntityId: [Organization URI]/api/data/v9.2/accounts(<guid>)``; Create with data
  returned: ``201 Created``, the row in the body, and "the OData-EntityId header containing the
  URI to the created record is not returned";
- "Update and delete table rows using the Web API", Update with data returned: ``200 OK`` with
  ``Preference-Applied: return=representation`` and the row, no ``OData-EntityId``;
- "Use Upsert to Create or Update a record", Use Web API: an upsert by alternate key answers
  ``204 No Content`` with ``OData-EntityId: [Organization Uri]/api/data/v9.2/
  example_records(example_key1=2,example_key2=2)`` -- the KEY url, "identical for Create or
  Update" -- and with ``Prefer: return=representation`` ``201 Created`` or ``200 OK`` with the
  row (its primary key) and no ``OData-EntityId``.
"""

from __future__ import annotations

import re

from cityzen_connector.testing import FakeClock

from .conftest import Api
from .test_batch import ROOT, _batch, _changeset, _op

GUID = "00000000-0000-0000-0000-0000000000c1"
REPRESENTATION = {"Prefer": "return=representation"}


def _identity_key(api: Api, clock: FakeClock) -> None:
    column = api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {
            "@odata.type": "Microsoft.Dynamics.CRM.StringAttributeMetadata",
            "SchemaName": "cz_IdentityKey",
            "MaxLength": 64,
        },
    )
    assert column.status_code == 204, column.text
    key = api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]},
    )
    assert key.status_code == 204, key.text
    clock.advance(3)  # the index is Active


def test_basic_create_names_the_row_by_guid(api: Api) -> None:
    response = api.post("contacts", {"lastname": "Diallo"})
    assert response.status_code == 204
    assert re.fullmatch(
        re.escape(api.root) + r"contacts\([0-9a-f-]{36}\)", response.headers["OData-EntityId"]
    )


def test_create_with_data_returned_sends_no_entity_id_header(api: Api) -> None:
    response = api.post("contacts?$select=lastname", {"lastname": "Diallo"}, headers=REPRESENTATION)
    assert response.status_code == 201
    assert "OData-EntityId" not in response.headers
    assert "Location" not in response.headers
    assert response.headers["Preference-Applied"] == "return=representation"
    body = response.json()
    assert re.fullmatch(r"[0-9a-f-]{36}", body["contactid"])  # the primary key, unasked
    assert body["lastname"] == "Diallo"


def test_update_with_data_returned_sends_no_entity_id_header(api: Api) -> None:
    assert api.post("contacts", {"contactid": GUID, "lastname": "A"}).status_code == 204
    response = api.patch(
        f"contacts({GUID})?$select=lastname",
        {"lastname": "B"},
        headers={**REPRESENTATION, "If-Match": "*"},
    )
    assert response.status_code == 200
    assert "OData-EntityId" not in response.headers
    assert response.json()["contactid"] == GUID


def test_update_by_guid_names_the_row_by_guid(api: Api) -> None:
    assert api.post("contacts", {"contactid": GUID, "lastname": "A"}).status_code == 204
    response = api.patch(f"contacts({GUID})", {"lastname": "B"}, headers={"If-Match": "*"})
    assert response.status_code == 204
    assert response.headers["OData-EntityId"] == f"{api.root}contacts({GUID})"


def test_upsert_by_alternate_key_names_the_row_by_its_key_whether_created_or_not(
    api: Api, clock: FakeClock
) -> None:
    _identity_key(api, clock)
    created = api.patch("contacts(cz_identitykey='k-1')", {"lastname": "Diop"})
    updated = api.patch("contacts(cz_identitykey='k-1')", {"firstname": "Binta"})
    for response in (created, updated):
        assert response.status_code == 204
        assert response.headers["OData-EntityId"] == f"{api.root}contacts(cz_identitykey='k-1')"
        assert "Location" not in response.headers  # "identical for Create or Update"
        assert response.content == b""


def test_a_key_outside_ascii_is_percent_encoded_in_the_header(api: Api, clock: FakeClock) -> None:
    _identity_key(api, clock)
    response = api.patch("contacts(cz_identitykey='Zoé O''Hara')", {"lastname": "O'Hara"})
    assert response.status_code == 204
    expected = f"{api.root}contacts(cz_identitykey='Zo%C3%A9%20O''Hara')"
    assert response.headers["OData-EntityId"] == expected


def test_upsert_by_alternate_key_with_data_returned_is_201_then_200_without_header(
    api: Api, clock: FakeClock
) -> None:
    _identity_key(api, clock)
    url = "contacts(cz_identitykey='k-2')?$select=contactid"
    created = api.patch(url, {"lastname": "Diop"}, headers=REPRESENTATION)
    updated = api.patch(url, {"lastname": "Diop-Sow"}, headers=REPRESENTATION)
    assert (created.status_code, updated.status_code) == (201, 200)
    for response in (created, updated):
        assert "OData-EntityId" not in response.headers
        assert response.headers["ETag"] == response.json()["@odata.etag"]
    assert created.json()["contactid"] == updated.json()["contactid"]


def test_in_a_change_set_parts_carry_the_same_headers_and_content_ids_still_resolve(
    api: Api, clock: FakeClock
) -> None:
    """ "Execute batch operations using the Web API": each operation's reply is the reply it
    gets alone; ``$1`` names the row operation 1 wrote, whatever its reply carried."""
    _identity_key(api, clock)
    contact = _op(
        "PATCH", ROOT + "contacts(cz_identitykey='k-3')?$select=contactid", {"lastname": "Ba"}, "1"
    )
    contact = contact.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nPrefer: return=representation\r\n")
    case = _op(
        "POST",
        ROOT + "incidents",
        {"title": "Encombrants", "customerid_contact@odata.bind": "$1"},
        "2",
    )
    keyed = _op("PATCH", ROOT + "contacts(cz_identitykey='k-3')", {"firstname": "Awa"}, "3")
    response = _batch(api, [_changeset([contact, case, keyed])])
    assert response.status_code == 200, response.text
    parts = response.text.split("Content-ID: ")[1:]
    assert "HTTP/1.1 201 Created" in parts[0]
    assert "OData-EntityId" not in parts[0]
    assert "HTTP/1.1 204 No Content" in parts[1]
    assert re.search(r"OData-EntityId: \S+/incidents\([0-9a-f-]{36}\)", parts[1])
    assert f"OData-EntityId: {api.root}contacts(cz_identitykey='k-3')" in parts[2]
    contact_id = re.search(r'"contactid":"([0-9a-f-]{36})"', parts[0])
    assert contact_id
    cases = api.get("incidents?$select=_customerid_value").json()["value"]
    assert [c["_customerid_value"] for c in cases] == [contact_id.group(1)]

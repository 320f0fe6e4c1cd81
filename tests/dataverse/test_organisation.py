"""The client against an organisation: the emulator every run, a real one with ``pytest -m live``
(tests/support/live.py, docs/live.md).

Each test checks a reply shape the emulator answers from Microsoft Learn and the client relies
on: on the emulator it proves the client reads it, on a real organisation it proves Dataverse
answers it so. Rows are tagged (``target.tag`` at the start of a contact's ``lastname``, a
case's ``title``, a resolution's ``subject``) and deleted by that tag after each test.
"""

from __future__ import annotations

import uuid
from xml.sax.saxutils import quoteattr

import pytest

from cityzen_connector.dataverse import (
    ChangeSet,
    DataverseError,
    NotFoundError,
    Query,
    ops,
    startswith,
)
from tests.support.live import Target

FORMATTED = "@OData.Community.Display.V1.FormattedValue"
LOOKUP_TABLE = "@Microsoft.Dynamics.CRM.lookuplogicalname"
LOOKUP_PROPERTY = "@Microsoft.Dynamics.CRM.associatednavigationproperty"


def _contacts(target: Target, prefix: str, count: int) -> list[str]:
    """``count`` tagged contacts named ``<tag> <prefix> <n>``, created in one bulk request."""
    names = [f"{target.tag} {prefix} {n}" for n in range(count)]
    result = target.client.create_multiple("contacts", "contact", [{"lastname": n} for n in names])
    assert result.ok, result
    return names


def test_a_row_created_with_its_representation_is_named_by_its_primary_id(
    dataverse_target: Target,
) -> None:
    """ "Create with data returned": 201 with the row and no ``OData-EntityId``; the id comes
    from the row's primary key column."""
    client, lastname = dataverse_target.client, f"{dataverse_target.tag} Représentation"
    written = client.create(
        "contacts",
        {"lastname": lastname, "firstname": "Zoé"},
        return_record=True,
        select=["lastname"],
        primary_id="contactid",
    )
    reply = dataverse_target.wire.last
    assert reply.status == 201
    assert "OData-EntityId" not in reply.headers
    assert written.record is not None
    assert written.record["lastname"] == lastname
    assert written.id == uuid.UUID(str(written.record["contactid"]))
    assert written.created is True
    assert client.retrieve("contacts", written.id, select=["lastname"])["lastname"] == lastname


def test_a_plain_create_names_its_row_in_odata_entityid(dataverse_target: Target) -> None:
    """ "Basic create": 204 No Content with ``OData-EntityId: <service root>contacts(<id>)``."""
    client = dataverse_target.client
    written = client.create("contacts", {"lastname": f"{dataverse_target.tag} Simple"})
    reply = dataverse_target.wire.last
    assert reply.status == 204
    assert written.id is not None
    expected = f"{dataverse_target.service_root}contacts({written.id})"
    assert reply.headers["OData-EntityId"].lower() == expected.lower()


def test_an_upsert_by_alternate_key_is_answered_with_the_key_url(
    dataverse_target: Target,
) -> None:
    """ "Use Upsert to Create or Update a record": a PATCH by key answers 204 with the key URL
    (created or updated alike); asking for the row gives its id and 200 on an update. Needs
    the ``cz_identitykey`` key that ``cityzen dataverse provision`` creates."""
    client, tag = dataverse_target.client, dataverse_target.tag
    key = {"cz_identitykey": f"{tag}-key"}
    first = client.upsert("contacts", key, {"lastname": f"{tag} Clé"})
    reply = dataverse_target.wire.last
    assert reply.status == 204
    expected = f"{dataverse_target.service_root}contacts(cz_identitykey='{tag}-key')"
    assert reply.headers["OData-EntityId"].lower() == expected.lower()
    assert (first.id, first.key, first.created) == (None, key, None)

    second = client.upsert(
        "contacts", key, {"firstname": "Zoé"}, return_record=True, primary_id="contactid"
    )
    assert dataverse_target.wire.last.status == 200
    assert "OData-EntityId" not in dataverse_target.wire.last.headers
    assert second.created is False
    assert second.id == uuid.UUID(str(client.retrieve("contacts", key)["contactid"]))


def test_a_change_set_is_all_or_nothing(dataverse_target: Target) -> None:
    """ "Execute batch operations": a failing operation rolls its whole change set back."""
    client, lastname = dataverse_target.client, f"{dataverse_target.tag} Atomique"
    missing = uuid.uuid4()
    result = client.execute_batch(
        [
            ChangeSet(
                [
                    ops.create("contacts", {"lastname": lastname}),
                    ops.update("contacts", missing, {"lastname": f"{dataverse_target.tag} X"}),
                ]
            )
        ]
    )
    assert not result.ok
    assert any(isinstance(r.error, NotFoundError) for r in result.results)
    found = Query("contacts").select("contactid").where(startswith("lastname", lastname))
    assert list(client.query(found)) == []


def test_pages_follow_the_next_link_within_the_service_root(dataverse_target: Target) -> None:
    """ "Page results using OData": ``Prefer: odata.maxpagesize`` pages, each but the last with
    an absolute ``@odata.nextLink`` under the organisation URI the client called."""
    names = _contacts(dataverse_target, "Page", 5)
    query = (
        Query("contacts")
        .select("lastname")
        .where(startswith("lastname", f"{dataverse_target.tag} Page"))
        .order_by("lastname")
    )
    pages = list(dataverse_target.client.query_pages(query, page_size=2))
    assert [len(p.records) for p in pages] == [2, 2, 1]
    assert [r["lastname"] for p in pages for r in p.records] == names
    links = [p.next_link for p in pages]
    assert links[-1] is None
    root = dataverse_target.service_root.lower()
    assert all(link is not None and link.lower().startswith(root) for link in links[:-1])


def test_fetchxml_pages_with_the_paging_cookie(dataverse_target: Target) -> None:
    """ "Page results using FetchXml": each page but the last says more records and gives the
    cookie the next page is asked with."""
    names = _contacts(dataverse_target, "Fetch", 5)
    pattern = quoteattr(f"{dataverse_target.tag} Fetch%")
    xml = (
        "<fetch count='2'><entity name='contact'><attribute name='lastname' />"
        f"<filter><condition attribute='lastname' operator='like' value={pattern} /></filter>"
        "<order attribute='lastname' /></entity></fetch>"
    )
    client = dataverse_target.client
    page, number = client.execute(ops.fetch_xml("contacts", xml)), 1
    seen, cookies = [r["lastname"] for r in page.records], []
    while page.more_records:
        cookies.append(page.paging_cookie)
        number += 1
        page = client.execute(
            ops.fetch_xml("contacts", xml, page=number, paging_cookie=page.paging_cookie)
        )
        seen += [r["lastname"] for r in page.records]
    assert seen == names
    assert number == 3
    assert all(cookies)
    assert page.paging_cookie is None


def test_a_case_is_resolved_by_close_incident_and_described_by_formatted_values(
    dataverse_target: Target,
) -> None:
    """The incident table refuses ``statecode`` 1 by PATCH; ``CloseIncident`` resolves the
    case; ``Prefer: odata.include-annotations`` describes its state and its customer."""
    client, tag = dataverse_target.client, dataverse_target.tag
    contact = client.create("contacts", {"lastname": f"{tag} Client", "firstname": "Zoé"})
    assert contact.id is not None
    case = client.create(
        "incidents",
        {
            "title": f"{tag} Dossier",
            "customerid_contact@odata.bind": ops.ref("contacts", contact.id),
        },
    )
    assert case.id is not None
    with pytest.raises(DataverseError) as refused:
        client.update("incidents", case.id, {"statecode": 1, "statuscode": 5})
    assert (refused.value.status, refused.value.code) == (400, "0x80100005")

    resolution = {
        "subject": f"{tag} Résolu",
        "incidentid@odata.bind": f"/incidents({case.id})",
    }
    client.call_action("CloseIncident", {"IncidentResolution": resolution, "Status": -1})
    columns = ["statecode", "statuscode", "_customerid_value"]
    row = client.execute(
        ops.retrieve("incidents", case.id, select=columns).with_prefer(
            'odata.include-annotations="*"'
        )
    )
    assert dataverse_target.wire.last.headers["Preference-Applied"] == (
        'odata.include-annotations="*"'
    )
    assert (row["statecode"], row["statuscode"]) == (1, 5)  # Resolved, Problem Solved
    # Labels follow the organisation's language: present, whatever the words.
    assert row["statecode" + FORMATTED]
    assert row["statuscode" + FORMATTED]
    fullname = client.retrieve("contacts", contact.id, select=["fullname"])["fullname"]
    assert row["_customerid_value"] == str(contact.id)
    assert row["_customerid_value" + FORMATTED] == fullname
    assert row["_customerid_value" + LOOKUP_TABLE] == "contact"
    assert row["_customerid_value" + LOOKUP_PROPERTY] == "customerid_contact"


def test_replies_carry_what_the_client_reads_for_its_limits(dataverse_target: Target) -> None:
    """ "Send parallel requests": ``x-ms-dop-hint`` lowers the client's cap; every reply has a
    request id for support calls; the service protection headers are numbers where present."""
    client = dataverse_target.client
    client.who_am_i()
    reply = dataverse_target.wire.last
    hint = int(reply.headers["x-ms-dop-hint"])
    assert hint >= 1
    assert client.limiter.limit == min(client.config.max_concurrency, hint)
    assert reply.headers["x-ms-service-request-id"]
    for name in (
        "x-ms-ratelimit-burst-remaining-xrm-requests",
        "x-ms-ratelimit-time-remaining-xrm-requests",
    ):
        if name in reply.headers:
            assert int(reply.headers[name]) >= 0

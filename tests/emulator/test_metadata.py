"""Metadata reads and provisioning writes: columns, alternate keys (Pending → Active on the
injected clock), option values; and that they survive a restart."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

from cityzen_connector.emulator import EmulatorConfig, create_app, seed
from cityzen_connector.testing import FakeClock

from .conftest import Api, call

STRING = "Microsoft.Dynamics.CRM.StringAttributeMetadata"


def _add_identity_key(api: Api) -> None:
    column = api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {
            "@odata.type": STRING,
            "SchemaName": "cz_IdentityKey",
            "MaxLength": 64,
            "RequiredLevel": {"Value": "None"},
            "DisplayName": {"LocalizedLabels": [{"Label": "Clé", "LanguageCode": 1036}]},
        },
    )
    assert column.status_code == 204, column.text
    assert "/Attributes(" in column.headers["OData-EntityId"]
    key = api.post(
        "EntityDefinitions(LogicalName='contact')/Keys",
        {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]},
    )
    assert key.status_code == 204, key.text


def test_entity_set_name_is_resolved_the_way_sdks_do(api: Api) -> None:
    response = api.get(
        "EntityDefinitions?$select=LogicalName,EntitySetName,PrimaryIdAttribute"
        "&$filter=" + quote("LogicalName eq 'incident'")
    )
    assert response.status_code == 200
    [row] = response.json()["value"]
    assert row["EntitySetName"] == "incidents"
    assert row["PrimaryIdAttribute"] == "incidentid"
    one = api.get(
        "EntityDefinitions(LogicalName='subject')?$expand=Attributes($select=LogicalName)"
    )
    names = {a["LogicalName"] for a in one.json()["Attributes"]}
    assert {"title", "parentsubject", "subjectid"} <= names


def test_unknown_metadata_property_is_refused(api: Api) -> None:
    response = api.get("EntityDefinitions?$select=Nope")
    assert response.status_code == 400


def test_key_is_pending_then_active_and_usable(api: Api, clock: FakeClock) -> None:
    _add_identity_key(api)
    keys = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"]
    assert keys[0]["EntityKeyIndexStatus"] == "Pending"
    pending = api.patch("contacts(cz_identitykey='abc')", {"lastname": "Diop"})
    assert pending.status_code == 400
    assert pending.json()["error"]["code"] == "0x80060890"
    clock.advance(2.5)
    keys = api.get("EntityDefinitions(LogicalName='contact')/Keys").json()["value"]
    assert keys[0]["EntityKeyIndexStatus"] == "Active"
    created = api.patch("contacts(cz_identitykey='abc')", {"lastname": "Diop"})
    assert created.status_code == 204
    updated = api.patch("contacts(cz_identitykey='abc')", {"firstname": "Binta"})
    assert updated.status_code == 204
    rows = api.get("contacts?$select=fullname,cz_identitykey").json()["value"]
    assert [(r["fullname"], r["cz_identitykey"]) for r in rows] == [("Binta Diop", "abc")]
    assert api.get("contacts(cz_identitykey='abc')").json()["lastname"] == "Diop"
    missing = api.patch(
        "contacts(cz_identitykey='zzz')", {"lastname": "X"}, headers={"If-Match": "*"}
    )
    assert missing.status_code == 404
    bound = api.post(
        "incidents",
        {"title": "T", "customerid_contact@odata.bind": "contacts(cz_identitykey='abc')"},
    )
    assert bound.status_code == 204


def test_active_key_enforces_uniqueness(api: Api, clock: FakeClock) -> None:
    _add_identity_key(api)
    clock.advance(3)
    assert api.post("contacts", {"lastname": "A", "cz_identitykey": "k1"}).status_code == 204
    clash = api.post("contacts", {"lastname": "B", "cz_identitykey": "k1"})
    assert clash.status_code == 412
    assert clash.json()["error"]["code"] == "0x80060892"


def test_key_over_duplicate_rows_fails(api: Api, clock: FakeClock) -> None:
    api.post(
        "EntityDefinitions(LogicalName='account')/Attributes",
        {"@odata.type": STRING, "SchemaName": "cz_Siret", "MaxLength": 14},
    )
    api.post("accounts", {"name": "A", "cz_siret": "1"})
    api.post("accounts", {"name": "B", "cz_siret": "1"})
    api.post(
        "EntityDefinitions(LogicalName='account')/Keys",
        {"SchemaName": "cz_siret_key", "KeyAttributes": ["cz_siret"]},
    )
    clock.advance(3)
    key = api.get("EntityDefinitions(LogicalName='account')/Keys(LogicalName='cz_siret_key')")
    assert key.json()["EntityKeyIndexStatus"] == "Failed"


def test_column_creation_is_validated(api: Api) -> None:
    url = "EntityDefinitions(LogicalName='incident')/Attributes"
    attempts = [
        ({"SchemaName": "SubmissionId", "MaxLength": 36}, 400),  # no publisher prefix
        ({"SchemaName": "cz_SubmissionId"}, 400),  # strings need a MaxLength
        ({"SchemaName": "cz_SubmissionId", "MaxLength": 36}, 204),
        ({"SchemaName": "cz_SubmissionId", "MaxLength": 36}, 400),  # already exists
    ]
    for body, expected in attempts:
        assert api.post(url, {"@odata.type": STRING, **body}).status_code == expected, body


def test_typed_columns_validate_values(api: Api) -> None:
    for body in (
        {"@odata.type": "Microsoft.Dynamics.CRM.IntegerAttributeMetadata", "SchemaName": "cz_Age"},
        {
            "@odata.type": "Microsoft.Dynamics.CRM.DateTimeAttributeMetadata",
            "SchemaName": "cz_Seen",
            "Format": "DateOnly",
        },
        {
            "@odata.type": "Microsoft.Dynamics.CRM.DecimalAttributeMetadata",
            "SchemaName": "cz_Score",
        },
    ):
        assert (
            api.post("EntityDefinitions(LogicalName='contact')/Attributes", body).status_code == 204
        )
    assert api.post("contacts", {"cz_age": "old"}).status_code == 400
    assert api.post("contacts", {"cz_seen": "yesterday"}).status_code == 400
    good = api.post(
        "contacts?$select=cz_age,cz_seen,cz_score",
        {"cz_age": 41, "cz_seen": "2026-02-01", "cz_score": 2.5},
        headers={"Prefer": "return=representation"},
    )
    assert good.status_code == 201
    assert {k: good.json()[k] for k in ("cz_age", "cz_seen", "cz_score")} == {
        "cz_age": 41,
        "cz_seen": "2026-02-01",
        "cz_score": 2.5,
    }


def test_insert_option_value_then_use_it(api: Api) -> None:
    response = api.post(
        "InsertOptionValue",
        {
            "EntityLogicalName": "incident",
            "AttributeLogicalName": "caseorigincode",
            "Label": {"LocalizedLabels": [{"Label": "Portail citoyen", "LanguageCode": 1036}]},
        },
    )
    assert response.status_code == 200, response.text
    value = response.json()["NewOptionValue"]
    assert value == 100000000
    options = api.get(
        "EntityDefinitions(LogicalName='incident')/Attributes(LogicalName='caseorigincode')"
        "/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$expand=OptionSet"
    ).json()["OptionSet"]["Options"]
    assert any(o["Value"] == value for o in options)
    contact = api.post("contacts", {"lastname": "A"}).headers["OData-EntityId"].rsplit("/", 1)[1]
    created = api.post(
        "incidents",
        {"title": "T", "caseorigincode": value, "customerid_contact@odata.bind": contact},
    )
    assert created.status_code == 204, created.text


def test_custom_metadata_and_rows_survive_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    database = str(tmp_path / "dataverse.db")
    first = create_app(EmulatorConfig(database=database), clock=clock)
    seed(first)
    body = {"@odata.type": STRING, "SchemaName": "cz_IdentityKey", "MaxLength": 64}
    assert (
        call(first, "POST", "EntityDefinitions(LogicalName='contact')/Attributes", body)[0] == 204
    )
    keys = {"SchemaName": "cz_identitykey_key", "KeyAttributes": ["cz_identitykey"]}
    assert call(first, "POST", "EntityDefinitions(LogicalName='contact')/Keys", keys)[0] == 204
    clock.advance(5)
    assert call(first, "PATCH", "contacts(cz_identitykey='a')", {"lastname": "L"})[0] == 204
    first.close()
    second = create_app(EmulatorConfig(database=database), clock=clock)
    status, _, payload = call(second, "GET", "contacts(cz_identitykey='a')")
    assert status == 200
    assert json.loads(payload)["lastname"] == "L"
    assert seed(second) == 0
    second.close()


def test_alternate_key_values_with_accents_round_trip_over_http(api: Api, clock: FakeClock) -> None:
    _add_identity_key(api)
    clock.advance(3)
    assert (
        api.patch("contacts(cz_identitykey='Hélène-é')", {"lastname": "Ndiaye"}).status_code == 204
    )
    found = api.get("contacts(cz_identitykey='Hélène-é')?$select=lastname,cz_identitykey").json()
    assert (found["lastname"], found["cz_identitykey"]) == ("Ndiaye", "Hélène-é")
    listed = api.get("contacts?$filter=cz_identitykey eq 'Hélène-é'&$select=lastname").json()
    assert [r["lastname"] for r in listed["value"]] == ["Ndiaye"]


def test_composite_key_with_a_lookup_part(api: Api, clock: FakeClock) -> None:
    api.post(
        "EntityDefinitions(LogicalName='incident')/Attributes",
        {"@odata.type": STRING, "SchemaName": "cz_Reference", "MaxLength": 20},
    )
    key = api.post(
        "EntityDefinitions(LogicalName='incident')/Keys",
        {"SchemaName": "cz_ref_subject_key", "KeyAttributes": ["cz_reference", "subjectid"]},
    )
    assert key.status_code == 204
    clock.advance(3)
    contact = api.post("contacts", {"lastname": "K"}).headers["OData-EntityId"]
    subject = api.get("subjects?$filter=title eq 'Encombrants'").json()["value"][0]["subjectid"]
    url = f"incidents(cz_reference='R-1',subjectid={subject})"
    body = {"title": "Canapé", "customerid_contact@odata.bind": contact}
    assert api.patch(url, body).status_code == 204
    assert api.patch(url, {"title": "Canapé et matelas"}).status_code == 204
    rows = api.get("incidents?$select=title,cz_reference,_subjectid_value").json()["value"]
    assert [(r["title"], r["cz_reference"], r["_subjectid_value"]) for r in rows] == [
        ("Canapé et matelas", "R-1", subject)
    ]
    partial = api.get("incidents(cz_reference='R-1')")
    assert partial.status_code == 400
    assert partial.json()["error"]["code"] == "0x80060890"


def test_composite_key_upsert_with_a_missing_lookup_target_creates_nothing(
    api: Api, clock: FakeClock
) -> None:
    api.post(
        "EntityDefinitions(LogicalName='incident')/Attributes",
        {"@odata.type": STRING, "SchemaName": "cz_Reference", "MaxLength": 20},
    )
    api.post(
        "EntityDefinitions(LogicalName='incident')/Keys",
        {"SchemaName": "cz_ref_subject_key", "KeyAttributes": ["cz_reference", "subjectid"]},
    )
    clock.advance(3)
    contact = api.post("contacts", {"lastname": "K"}).headers["OData-EntityId"]
    missing = "00000000-0000-0000-0000-0000000000aa"
    response = api.patch(
        f"incidents(cz_reference='R-2',subjectid={missing})",
        {"title": "T", "customerid_contact@odata.bind": contact},
    )
    assert response.status_code == 404
    assert api.get("incidents").json()["value"] == []


def test_provisioning_while_reads_are_served_concurrently(api: Api) -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    def read(_: int) -> int:
        return api.get("contacts?$top=1").status_code

    def add(i: int) -> int:
        body = {"@odata.type": STRING, "SchemaName": f"cz_Extra{i}", "MaxLength": 10}
        return api.post("EntityDefinitions(LogicalName='contact')/Attributes", body).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        reads = pool.map(read, range(30))
        adds = pool.map(add, range(10))
        assert set(reads) == {200}
        assert set(adds) == {204}
    names = {
        a["LogicalName"]
        for a in api.get("EntityDefinitions(LogicalName='contact')/Attributes").json()["value"]
    }
    assert {f"cz_extra{i}" for i in range(10)} <= names

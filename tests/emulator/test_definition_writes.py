"""Creating and deleting tables, columns and keys, as Microsoft Learn and the Python SDK send them
("Create and update table definitions using the Web API", "ComplexEntityMetadata ComplexType",
"Work with alternate keys", the Web API Elastic Table Operations sample)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cityzen_connector.emulator import EmulatorApp, EmulatorConfig, create_app
from cityzen_connector.testing import FakeClock

from .conftest import Api, call

CRM = "Microsoft.Dynamics.CRM."


def _label(text: str) -> dict[str, Any]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1033}]}


def bank_account(prefix: str = "") -> dict[str, Any]:
    """The table of Learn's "Create table definitions" example (``prefix`` "Complex": as
    CreateEntities holds it)."""
    return {
        "@odata.type": f"{CRM}{prefix}EntityMetadata",
        "Attributes": [
            {
                "@odata.type": f"{CRM}{prefix}StringAttributeMetadata",
                "AttributeType": "String",
                "IsPrimaryName": True,
                "RequiredLevel": {"Value": "None"},
                "SchemaName": "new_AccountName",
                "FormatName": {"Value": "Text"},
                "MaxLength": 100,
                "DisplayName": _label("Account Name"),
            }
        ],
        "Description": _label("An entity to store information about customer bank accounts"),
        "DisplayCollectionName": _label("Bank Accounts"),
        "DisplayName": _label("Bank Account"),
        "HasActivities": False,
        "HasNotes": False,
        "IsActivity": False,
        "OwnershipType": "UserOwned",
        "SchemaName": "new_BankAccount",
    }


def test_a_table_is_created_as_learn_shows_it_and_holds_rows(api: Api) -> None:
    created = api.post("EntityDefinitions", bank_account())
    # "HTTP/1.1 204 No Content … OData-EntityId: [Organization URI]/api/data/v9.0/
    # EntityDefinitions(417129e1-207c-e511-80d2-00155d2a68d2)"
    assert created.status_code == 204, created.text
    definition = api.get(
        "EntityDefinitions(LogicalName='new_bankaccount')?$select=SchemaName,EntitySetName,"
        "PrimaryIdAttribute,PrimaryNameAttribute,IsCustomEntity,OwnershipType"
    ).json()
    assert created.headers["OData-EntityId"] == api.url(
        f"EntityDefinitions({definition['MetadataId']})"
    )
    assert {k: v for k, v in definition.items() if not k.startswith(("@", "Meta"))} == {
        "SchemaName": "new_BankAccount",
        "EntitySetName": "new_bankaccounts",
        "PrimaryIdAttribute": "new_bankaccountid",
        "PrimaryNameAttribute": "new_accountname",
        "IsCustomEntity": True,
        "OwnershipType": "UserOwned",
    }
    row = api.post("new_bankaccounts", {"new_accountname": "Compte courant"})
    assert row.status_code == 204, row.text
    read = api.get(row.headers["OData-EntityId"].split("/v9.2/")[1]).json()
    assert read["new_accountname"] == "Compte courant"
    # "For custom tables this value is Active or Inactive" (statecode); a user-owned table's
    # rows are owned by the caller.
    assert (read["statecode"], read["statuscode"]) == (0, 1)
    assert read["_ownerid_value"]
    too_long = api.post("new_bankaccounts", {"new_accountname": "x" * 101})
    assert too_long.status_code == 400  # MaxLength 100, as defined


def test_create_entities_takes_complex_entity_metadata(api: Api) -> None:
    # What Microsoft's Python SDK sends: Entities, a collection of ComplexEntityMetadata whose
    # columns are Complex<Type>AttributeMetadata.
    table = bank_account("Complex")
    table["Attributes"].append(
        {"@odata.type": f"{CRM}ComplexIntegerAttributeMetadata", "SchemaName": "new_Balance"}
    )
    created = api.post("CreateEntities", {"Entities": [table]})
    assert created.status_code == 204, created.text
    assert created.content == b""
    columns = api.get("EntityDefinitions(LogicalName='new_bankaccount')/Attributes").json()
    names = {c["LogicalName"]: c["SchemaName"] for c in columns["value"]}
    assert names["new_balance"] == "new_Balance"
    assert api.post("new_bankaccounts", {"new_balance": 12}).status_code == 204


def test_a_table_definition_it_cannot_hold_is_refused_by_name(api: Api) -> None:
    no_primary = bank_account()
    no_primary["Attributes"][0]["IsPrimaryName"] = False
    assert api.post("EntityDefinitions", no_primary).status_code == 400
    for change, named in (
        ({"IsActivityParty": True}, "activity party tables"),
        ({"HasActivities": True}, "activities of a table"),
        ({"TableType": "Elastic"}, "TableType Elastic"),
        ({"OwnershipType": "TeamOwned"}, "OwnershipType TeamOwned"),
    ):
        refused = api.post("EntityDefinitions", {**bank_account(), **change})
        assert refused.status_code == 400
        message = refused.json()["error"]["message"]
        assert "does not emulate" in message
        assert named in message
    # All or nothing: a CreateEntities with one bad table creates none.
    bad = {**bank_account("Complex"), "SchemaName": "new_Other", "IsActivityParty": True}
    both = api.post("CreateEntities", {"Entities": [bank_account("Complex"), bad]})
    assert both.status_code == 400
    assert api.get("EntityDefinitions(LogicalName='new_bankaccount')").status_code == 404
    assert api.post("EntityDefinitions", bank_account()).status_code == 204
    assert api.post("EntityDefinitions", bank_account()).status_code == 400  # exists


def test_created_tables_and_their_columns_survive_a_restart(tmp_path: Path) -> None:
    config = EmulatorConfig(database=str(tmp_path / "dataverse.db"))
    first = create_app(config, clock=FakeClock())
    assert call(first, "POST", "EntityDefinitions", bank_account())[0] == 204
    column = {
        "@odata.type": f"{CRM}MemoAttributeMetadata",
        "SchemaName": "new_Note",
        "MaxLength": 2000,
    }
    path = "EntityDefinitions(LogicalName='new_bankaccount')/Attributes"
    assert call(first, "POST", path, column)[0] == 204
    body = {"new_accountname": "A", "new_note": "kept"}
    assert call(first, "POST", "new_bankaccounts", body)[0] == 204
    first.close()
    second = create_app(config, clock=FakeClock())
    status, _, payload = call(second, "GET", "new_bankaccounts", query="$select=new_note")
    second.close()
    assert status == 200
    assert [r["new_note"] for r in json.loads(payload)["value"]] == ["kept"]


def test_deleting_a_table_forgets_it_and_its_rows(api: Api) -> None:
    api.post("EntityDefinitions", bank_account())
    api.post("new_bankaccounts", {"new_accountname": "gone"})
    # The Elastic Table Operations sample: "DELETE …/EntityDefinitions(LogicalName=
    # 'contoso_sensordata')" answered "HTTP/1.1 204 NoContent".
    deleted = api.delete("EntityDefinitions(LogicalName='new_bankaccount')")
    assert deleted.status_code == 204, deleted.text
    assert api.get("EntityDefinitions(LogicalName='new_bankaccount')").status_code == 404
    assert api.get("new_bankaccounts").status_code == 404
    api.post("EntityDefinitions", bank_account())
    assert api.get("new_bankaccounts").json()["value"] == []
    system = api.delete("EntityDefinitions(LogicalName='contact')")
    assert system.status_code == 400
    assert api.get("contacts").status_code == 200


def test_deleting_a_custom_column_removes_its_definition_and_values(api: Api) -> None:
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {"@odata.type": f"{CRM}StringAttributeMetadata", "SchemaName": "cz_Old", "MaxLength": 9},
    )
    api.post("contacts", {"lastname": "C", "cz_old": "value"})
    column = "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='cz_old')"
    assert api.delete(column, headers={"If-Match": "*"}).status_code == 204
    assert api.get(column).status_code == 404
    assert api.get("contacts?$select=cz_old").status_code == 400  # no longer a property
    api.post(
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {"@odata.type": f"{CRM}StringAttributeMetadata", "SchemaName": "cz_Old", "MaxLength": 9},
    )
    values = api.get("contacts?$select=cz_old&$filter=lastname eq 'C'").json()["value"]
    assert values[0].get("cz_old") is None  # the old value went with the old column
    system = api.delete(
        "EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='lastname')"
    )
    assert system.status_code == 400


def test_a_key_column_is_deleted_only_after_its_key(api: Api) -> None:
    entity = "EntityDefinitions(LogicalName='account')"
    api.post(
        f"{entity}/Attributes",
        {"@odata.type": f"{CRM}StringAttributeMetadata", "SchemaName": "cz_Ref", "MaxLength": 9},
    )
    key = api.post(f"{entity}/Keys", {"SchemaName": "cz_ref_key", "KeyAttributes": ["cz_ref"]})
    assert key.status_code == 204
    # The definition as the request named it, the key's id last ("Create and update column
    # definitions using the Web API" answers columns so).
    key_id = api.get(f"{entity}/Keys(LogicalName='cz_ref_key')").json()["MetadataId"]
    assert key.headers["OData-EntityId"] == api.url(f"{entity}/Keys({key_id})")
    column = f"{entity}/Attributes(LogicalName='cz_ref')"
    blocked = api.delete(column)
    assert blocked.status_code == 400
    assert "cz_ref_key" in blocked.json()["error"]["message"]
    # "Work with alternate keys": DeleteEntityKeyRequest "Deletes the specified alternate key".
    assert api.delete(f"{entity}/Keys({key_id})", headers={"If-Match": "*"}).status_code == 204
    assert api.get(f"{entity}/Keys").json()["value"] == []
    assert api.patch("accounts(cz_ref='K1')", {"name": "x"}).status_code == 400
    assert api.delete(column).status_code == 204


def test_bulk_delete_and_metadata_changes_are_refused_as_not_emulated(app: EmulatorApp) -> None:
    # Both documented messages; the Python SDK sends BulkDelete to delete a list of ids, and
    # RetrieveMetadataChanges for typed column definitions. A 501 naming them, never a 404
    # (which the SDK retries as "metadata not yet visible") nor a pretended success.
    status, _, payload = call(app, "POST", "BulkDelete", {"JobName": "purge", "QuerySet": []})
    assert status == 501
    message = json.loads(payload)["error"]["message"]
    assert "BulkDelete" in message
    assert "not emulated" in message
    status, _, payload = call(app, "GET", "RetrieveMetadataChanges(Query=@p1)", query="@p1=%7B%7D")
    assert status == 501
    assert "RetrieveMetadataChanges" in json.loads(payload)["error"]["message"]

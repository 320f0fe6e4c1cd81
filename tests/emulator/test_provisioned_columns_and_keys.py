"""Boolean columns can be provisioned, contact has gendercode, key lookups use an index."""

from __future__ import annotations

import json

from cityzen_connector.emulator import EmulatorApp

from .conftest import call

BOOLEAN = "Microsoft.Dynamics.CRM.BooleanAttributeMetadata"


def test_boolean_column_is_created_then_holds_true_and_false(app: EmulatorApp) -> None:
    status, _, _ = call(
        app,
        "POST",
        "EntityDefinitions(LogicalName='contact')/Attributes",
        {"@odata.type": BOOLEAN, "SchemaName": "cz_Flag", "DefaultValue": False},
    )
    assert status == 204
    status, headers, _ = call(app, "POST", "contacts", {"lastname": "t", "cz_flag": True})
    assert status == 204
    entity_id = {k.lower(): v for k, v in headers.items()}["odata-entityid"]
    url = entity_id.split("/api/data/v9.2/")[1]
    _, _, body = call(app, "GET", url, query="$select=cz_flag")
    assert json.loads(body)["cz_flag"] is True
    status, _, _ = call(app, "PATCH", url, {"cz_flag": "yes"})
    assert status == 400


def test_contact_gendercode_takes_documented_values_only(app: EmulatorApp) -> None:
    assert call(app, "POST", "contacts", {"lastname": "X", "gendercode": 2})[0] == 204
    assert call(app, "POST", "contacts", {"lastname": "Y", "gendercode": 7})[0] == 400


def test_alternate_key_lookups_use_an_index(app: EmulatorApp) -> None:
    # Upserts by key look rows up on every call: a table scan would make a backlog quadratic.
    store = app.store
    assert store.find("contact", {"lastname": "nobody"}) == []
    # Key values compare under the organisation's collation, and so does the index.
    plan = store._conn.execute(
        'EXPLAIN QUERY PLAN SELECT id FROM records INDEXED BY "ixci_contact_lastname" '
        "WHERE entity = ? AND json_extract(data, '$.\"lastname\"') COLLATE dataverse_ci_ai = ?",
        ["contact", "x"],
    ).fetchall()
    assert "USING INDEX ixci_contact_lastname" in str(plan)
    assert call(app, "POST", "contacts", {"lastname": "O'Hara"})[0] == 204
    assert len(store.find("contact", {"lastname": "O'Hara"})) == 1
    assert store.find("contact", {"bad name": "x"}) == []  # unusual names: unindexed path

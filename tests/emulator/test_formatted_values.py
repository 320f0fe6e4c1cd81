"""Formatted values and lookup annotations, asked for with ``Prefer: odata.include-annotations``
(Microsoft Learn, "Select columns using OData": "Formatted values" and "Lookup property data";
"Compose HTTP requests and handle errors": "Request annotations")."""

from __future__ import annotations

import re

from cityzen_connector.emulator import CALLER_ID

from .conftest import Api

FORMATTED = "OData.Community.Display.V1.FormattedValue"
LOGICAL_NAME = "Microsoft.Dynamics.CRM.lookuplogicalname"
NAVIGATION = "Microsoft.Dynamics.CRM.associatednavigationproperty"


def _new(api: Api, entity_set: str, body: dict[str, object]) -> str:
    response = api.post(entity_set, body)
    assert response.status_code == 204, response.text
    match = re.search(r"\(([0-9a-f-]{36})\)$", response.headers["OData-EntityId"])
    assert match
    return match.group(1)


def _case(api: Api) -> tuple[str, str]:
    contact = _new(api, "contacts", {"firstname": "Awa", "lastname": "Diallo"})
    case = _new(
        api,
        "incidents",
        {"title": "Nid-de-poule", "customerid_contact@odata.bind": f"/contacts({contact})"},
    )
    return contact, case


def test_formatted_values_label_choices_states_lookups_and_dates(api: Api) -> None:
    # Learn's example: "Prefer: odata.include-annotations="OData.Community.Display.V1.
    # FormattedValue"" answers "Preference-Applied: odata.include-annotations="OData.Community.
    # Display.V1.FormattedValue"" and, beside each value, "customertypecode@OData.Community.
    # Display.V1.FormattedValue": "Competitor", "_primarycontactid_value@…": "Susanna Stubberod
    # (sample)", "modifiedon@…": "4/7/2023 2:59 PM" — and no lookup annotation.
    contact, _ = _case(api)
    response = api.get(
        "incidents?$select=title,prioritycode,statecode,statuscode,_customerid_value,createdon",
        headers={"Prefer": f'odata.include-annotations="{FORMATTED}"'},
    )
    assert response.status_code == 200
    assert response.headers["Preference-Applied"] == f'odata.include-annotations="{FORMATTED}"'
    [row] = response.json()["value"]
    assert row["prioritycode@" + FORMATTED] == "Normal"
    assert row["statecode@" + FORMATTED] == "Active"
    assert row["statuscode@" + FORMATTED] == "In Progress"
    assert row["_customerid_value@" + FORMATTED] == "Awa Diallo"
    assert row["_customerid_value"] == contact
    assert row["createdon@" + FORMATTED] == "3/2/2026 9:00 AM"  # en-US, UTC: see emulator.md
    assert "title@" + FORMATTED not in row  # strings have no formatted value
    assert not [key for key in row if key.endswith(LOGICAL_NAME) or key.endswith(NAVIGATION)]


def test_lookup_annotations_name_the_table_and_the_navigation_property(api: Api) -> None:
    # Learn's example: "Prefer: odata.include-annotations="Microsoft.Dynamics.CRM.
    # associatednavigationproperty,Microsoft.Dynamics.CRM.lookuplogicalname"" answers
    # "_ownerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty": "ownerid",
    # "_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname": "systemuser".
    _case(api)
    wanted = f"{NAVIGATION},{LOGICAL_NAME}"
    response = api.get(
        "incidents?$select=title,_ownerid_value,_customerid_value",
        headers={"Prefer": f'odata.include-annotations="{wanted}"'},
    )
    assert response.headers["Preference-Applied"] == f'odata.include-annotations="{wanted}"'
    [row] = response.json()["value"]
    assert row["_ownerid_value@" + NAVIGATION] == "ownerid"
    assert row["_ownerid_value@" + LOGICAL_NAME] == "systemuser"
    assert row["_ownerid_value"] == CALLER_ID
    assert row["_customerid_value@" + NAVIGATION] == "customerid_contact"
    assert row["_customerid_value@" + LOGICAL_NAME] == "contact"
    assert not [key for key in row if key.endswith(FORMATTED)]


def test_all_annotations_on_a_retrieve_include_yes_no_dates_and_owner_names(api: Api) -> None:
    # "Use Prefer: odata.include-annotations="*" to include all annotations." Yes/no columns
    # read their own labels (contact donotemail: 1 "Do Not Allow", 0 "Allow").
    contact = _new(
        api,
        "contacts",
        {"firstname": "Awa", "lastname": "Diallo", "donotemail": True, "birthdate": "1990-05-17"},
    )
    response = api.get(
        f"contacts({contact})?$select=donotemail,birthdate,_ownerid_value,statuscode",
        headers={"Prefer": 'odata.include-annotations="*"'},
    )
    assert response.headers["Preference-Applied"] == 'odata.include-annotations="*"'
    body = response.json()
    assert body["donotemail@" + FORMATTED] == "Do Not Allow"
    assert body["birthdate@" + FORMATTED] == "5/17/1990"
    assert body["statuscode@" + FORMATTED] == "Active"
    assert body["_ownerid_value@" + FORMATTED] == "CityZen Connecteur"
    assert body["_ownerid_value@" + LOGICAL_NAME] == "systemuser"
    assert body["_ownerid_value@" + NAVIGATION] == "ownerid"
    # Learn's sample lists each annotation before the value it annotates.
    keys = list(body)
    assert keys.index("donotemail@" + FORMATTED) < keys.index("donotemail")


def test_without_the_preference_there_are_no_annotations(api: Api) -> None:
    contact, _ = _case(api)
    response = api.get(f"contacts({contact})?$select=statuscode,_ownerid_value")
    assert "Preference-Applied" not in response.headers
    assert [key for key in response.json() if "@" in key and not key.startswith("@odata.")] == []


def test_an_excluded_term_is_left_out_and_preferences_are_applied_together(api: Api) -> None:
    # OData 4.0, part 1, 8.2.8.4: a term prefixed with "-" is excluded. RFC 7240: one
    # Preference-Applied header lists every preference applied.
    _case(api)
    wanted = f"*,-{LOGICAL_NAME}"
    response = api.get(
        "incidents?$select=_ownerid_value",
        headers={"Prefer": f'odata.maxpagesize=10,odata.include-annotations="{wanted}"'},
    )
    assert response.headers["Preference-Applied"] == (
        f'odata.maxpagesize=10,odata.include-annotations="{wanted}"'
    )
    [row] = response.json()["value"]
    assert row["_ownerid_value@" + NAVIGATION] == "ownerid"
    assert "_ownerid_value@" + LOGICAL_NAME not in row


def test_return_representation_applies_annotations_too(api: Api) -> None:
    response = api.post(
        "contacts?$select=statecode",
        {"lastname": "Diallo"},
        headers={"Prefer": f'return=representation,odata.include-annotations="{FORMATTED}"'},
    )
    assert response.status_code == 201
    assert response.headers["Preference-Applied"] == (
        f'return=representation,odata.include-annotations="{FORMATTED}"'
    )
    assert response.json()["statecode@" + FORMATTED] == "Active"

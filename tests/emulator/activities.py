"""Helpers of the activity table tests: a custom activity defined as "Custom activities" and
"Create and update table definitions using the Web API" (Microsoft Learn) describe it, sent
through the Web API (never through our client: the emulator's tests must not share its
assumptions)."""

from __future__ import annotations

from typing import Any

from cityzen_connector.emulator import EmulatorApp

from .conftest import call

CRM = "Microsoft.Dynamics.CRM."


def label(text: str) -> dict[str, Any]:
    return {"LocalizedLabels": [{"Label": text, "LanguageCode": 1036}]}


def instant_message(**over: Any) -> dict[str, Any]:
    """Learn's example (``new_instantmessage``: IsActivity, HasNotes, HasActivities false,
    IsAvailableOffline, a primary column named Subject of 100 characters), as Web API JSON."""
    return {
        "@odata.type": f"{CRM}EntityMetadata",
        "SchemaName": "new_InstantMessage",
        "DisplayName": label("Instant Message"),
        "DisplayCollectionName": label("Instant Messages"),
        "OwnershipType": "UserOwned",
        "IsActivity": True,
        "HasActivities": False,
        "HasNotes": True,
        "IsAvailableOffline": True,
        "Attributes": [
            {
                "@odata.type": f"{CRM}StringAttributeMetadata",
                "SchemaName": "Subject",
                "IsPrimaryName": True,
                "RequiredLevel": {"Value": "None"},
                "MaxLength": 100,
                "DisplayName": label("Subject"),
            }
        ],
        **over,
    }


def direction_column() -> dict[str, Any]:
    """A local choice column ("Create a choice column")."""
    return {
        "@odata.type": f"{CRM}PicklistAttributeMetadata",
        "SchemaName": "new_Direction",
        "AttributeType": "Picklist",
        "AttributeTypeName": {"Value": "PicklistType"},
        "OptionSet": {
            "@odata.type": f"{CRM}OptionSetMetadata",
            "IsGlobal": False,
            "OptionSetType": "Picklist",
            "Options": [
                {"Value": 1, "Label": label("Incoming")},
                {"Value": 2, "Label": label("Outgoing")},
            ],
        },
    }


def created(headers: dict[str, str]) -> str:
    return headers["odata-entityid"].rsplit("(", 1)[1].rstrip(")")


def create_activity_table(app: EmulatorApp, **over: Any) -> None:
    status, _, payload = call(app, "POST", "EntityDefinitions", instant_message(**over))
    assert status == 204, payload


def a_case(app: EmulatorApp, title: str = "Nid-de-poule") -> str:
    status, headers, payload = call(app, "POST", "contacts", {"lastname": "Martin"})
    assert status == 204, payload
    contact = created(headers)
    body = {"title": title, "customerid_contact@odata.bind": f"/contacts({contact})"}
    status, headers, payload = call(app, "POST", "incidents", body)
    assert status == 204, payload
    return created(headers)


def a_message(app: EmulatorApp, case: str, subject: str, **over: Any) -> str:
    body = {
        "subject": subject,
        "regardingobjectid_incident_new_instantmessage@odata.bind": f"/incidents({case})",
        **over,
    }
    status, headers, payload = call(app, "POST", "new_instantmessages", body)
    assert status == 204, payload
    return created(headers)

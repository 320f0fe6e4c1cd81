"""Seed data: a French town's catalogue of subjects (themes and sub-themes), one business
unit, one team per municipal service, a few security roles, the connector's own system user and
the town's knowledge base (``_seed_knowledge``: articles and their languages).

Every seeded row has a stable id (uuid5 of its name) so tests and mappings can refer to it;
seeding twice changes nothing.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from cityzen_connector.emulator._app import EmulatorApp, create_app
from cityzen_connector.emulator._config import (
    APPLICATION_ID,
    BUSINESS_UNIT_ID,
    CALLER_ID,
    CALLER_OBJECT_ID,
    SEED_NS,
    EmulatorConfig,
)
from cityzen_connector.emulator._custom_tables import created_tables
from cityzen_connector.emulator._event_filters import (
    SDK_MESSAGES,
    filter_row,
    sdk_message_id,
)
from cityzen_connector.emulator._records import TARGETS
from cityzen_connector.emulator._seed_knowledge import knowledge_rows

# Theme → (municipal service, sub-themes). The service names the team that handles it.
CATALOGUE: dict[str, tuple[str, tuple[str, ...]]] = {
    "Papiers, citoyenneté": (
        "Population",
        ("Carte d'identité et passeport", "Recensement citoyen", "Élections et listes électorales"),
    ),
    "État civil": ("Population", ("Acte de naissance", "Mariage et PACS", "Acte de décès")),
    "Petite enfance, enfance": (
        "Enfance",
        ("Crèches et modes de garde", "Inscriptions scolaires", "Restauration scolaire"),
    ),
    "Travaux : permission de voirie et arrêté de circulation": (
        "Voirie",
        ("Travaux mobilier urbain", "Permission de voirie", "Arrêté de circulation"),
    ),
    "Propreté et voirie": (
        "Propreté",
        ("Nid-de-poule et chaussée", "Éclairage public", "Dépôt sauvage", "Tags et graffitis"),
    ),
    "Déchets": ("Déchets", ("Collecte des ordures ménagères", "Encombrants", "Bacs et conteneurs")),
    "Stationnement": (
        "Police municipale",
        ("Stationnement gênant", "Carte de stationnement résident", "Place PMR"),
    ),
    # The data protection officer receives the citizens' erasure and objection requests.
    "Données personnelles": ("DPO", ("Exercer mes droits sur mes données",)),
}
BUSINESS_UNIT_NAME = "Mairie"
# Two agents of the town, Entra ID users the connector may impersonate (CallerObjectId).
AGENTS: dict[str, tuple[str, str]] = {
    "agnes.martin": ("Agnès", "Martin"),
    "bruno.lefevre": ("Bruno", "Lefèvre"),
}
# The front office: cases no rule routes elsewhere (the shipped mappings' default team).
FRONT_OFFICE = "Relation usagers"
# A metropolis delegates some services to its member communes: their own teams (the shipped
# mappings route requests located there to them, routing.toml's [routing.communes]).
MEMBER_COMMUNE_TEAMS = (
    "Services techniques de Saint-Clair-sur-Orme",
    "Services techniques de Roche-Aiguë",
)
# Security roles an agents' access model assigns: Dataverse's predefined "Basic User" and
# "System Administrator" ("Security roles and privileges", Power Platform admin guide) and the
# Customer Service app's roles for case handling.
ROLES = (
    "Basic User",
    "Customer Service Representative",
    "Customer Service Manager",
    "System Administrator",
)


def subject_id(title: str, parent: str | None = None) -> str:
    """Stable id of a seeded subject (a theme, or a sub-theme under its theme)."""
    return str(uuid.uuid5(SEED_NS, f"subject:{parent or ''}/{title}"))


def team_id(service: str) -> str:
    return str(uuid.uuid5(SEED_NS, f"team:{service}"))


def role_id(name: str) -> str:
    """Stable id of a seeded security role (``ROLES``)."""
    return str(uuid.uuid5(SEED_NS, f"role:{name}"))


def agent_id(login: str) -> str:
    """systemuserid of a seeded agent (``agnes.martin``, ``bruno.lefevre``)."""
    return str(uuid.uuid5(SEED_NS, f"systemuser:{login}"))


def agent_object_id(login: str) -> str:
    """Entra ID object id of a seeded agent: the value of ``CallerObjectId``."""
    return str(uuid.uuid5(SEED_NS, f"entra:{login}"))


# The tables of the schema whose Create and Update are events: their filters are seeded with
# the messages (_event_filters); a table created through the Web API gets its own.
EVENT_TABLES = (
    "account",
    "annotation",
    "businessunit",
    "contact",
    "incident",
    "incidentresolution",
    "role",
    "subject",
    "systemuser",
    "team",
)


def _sdk_messages(created: list[str]) -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = []
    for message in SDK_MESSAGES:
        rows.append(
            (
                "sdkmessage",
                {
                    "sdkmessageid": sdk_message_id(message),
                    "name": message,
                    "categoryname": message,
                    "availability": 0,  # Server
                },
            )
        )
        for table in (*EVENT_TABLES, *created):
            rows.append(("sdkmessagefilter", filter_row(message, table)))
    return rows


def _agents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (
            "systemuser",
            {
                "systemuserid": agent_id(login),
                "firstname": first,
                "lastname": last,
                "domainname": f"{login}@emulator.local",
                "internalemailaddress": f"{login}@emulator.local",
                "azureactivedirectoryobjectid": agent_object_id(login),
                "isdisabled": False,
                "businessunitid": BUSINESS_UNIT_ID,
                TARGETS: {"businessunitid": "businessunit"},
            },
        )
        for login, (first, last) in AGENTS.items()
    ]


def _rows(created: list[str]) -> list[tuple[str, dict[str, Any]]]:
    rows: list[tuple[str, dict[str, Any]]] = [
        ("businessunit", {"businessunitid": BUSINESS_UNIT_ID, "name": BUSINESS_UNIT_NAME}),
        (
            "systemuser",
            {
                "systemuserid": CALLER_ID,
                "firstname": "CityZen",
                "lastname": "Connecteur",
                "domainname": "cityzen-connector@emulator.local",
                "azureactivedirectoryobjectid": CALLER_OBJECT_ID,
                "applicationid": APPLICATION_ID,
                "isdisabled": False,
                "businessunitid": BUSINESS_UNIT_ID,
                TARGETS: {"businessunitid": "businessunit"},
            },
        ),
        *_agents(),
        *_sdk_messages(created),
    ]
    services = [
        FRONT_OFFICE,
        *(service for service, _ in CATALOGUE.values()),
        *MEMBER_COMMUNE_TEAMS,
    ]
    for service in dict.fromkeys(services):
        rows.append(
            (
                "team",
                {
                    "teamid": team_id(service),
                    "name": service,
                    "teamtype": 0,
                    "businessunitid": BUSINESS_UNIT_ID,
                    TARGETS: {"businessunitid": "businessunit"},
                },
            )
        )
    for role in ROLES:
        rows.append(
            (
                "role",
                {
                    "roleid": role_id(role),
                    "name": role,
                    "businessunitid": BUSINESS_UNIT_ID,
                    TARGETS: {"businessunitid": "businessunit"},
                },
            )
        )
    for theme, (service, subs) in CATALOGUE.items():
        rows.append(
            ("subject", {"subjectid": subject_id(theme), "title": theme, "description": service})
        )
        for sub in subs:
            rows.append(
                (
                    "subject",
                    {
                        "subjectid": subject_id(sub, theme),
                        "title": sub,
                        "description": service,
                        "parentsubject": subject_id(theme),
                        TARGETS: {"parentsubject": "subject"},
                    },
                )
            )
    # The knowledge base last: its articles name the languages (``_seed_knowledge``).
    rows.extend(knowledge_rows())
    return rows


def seed(target: EmulatorApp | str | Path) -> int:
    """Insert the seed rows that are missing; returns how many were inserted."""
    app = (
        create_app(EmulatorConfig(database=str(target)))
        if not isinstance(target, EmulatorApp)
        else target
    )
    inserted = 0
    try:
        with app.store.transaction():
            for logical_name, data in _rows(created_tables(app.store)):
                entity = app.schema.by_name[logical_name]
                if app.store.get(logical_name, data[entity.primary_id]) is None:
                    app.records.create(entity, dict(data))
                    inserted += 1
    finally:
        if not isinstance(target, EmulatorApp):
            app.close()
    return inserted

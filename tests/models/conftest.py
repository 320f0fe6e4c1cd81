"""A valid submission as the portal sends it, to be varied by each test."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def submission_data() -> dict[str, Any]:
    return {
        "id": "8f0c6d2e-3c1f-4b7a-9a51-6f2a0d7f4e11",
        "theme": "voirie",
        "sub_theme": "nid_de_poule",
        "subject": "Nid-de-poule devant l'école",
        "description": "Un trou profond\nsur la chaussée.",
        "location": {
            "label": "12 Rue de la Paix 75002 Paris",
            "house_number": "12",
            "street": "Rue de la Paix",
            "postcode": "75002",
            "citycode": "75102",
            "city": "Paris",
            "latitude": 48.8686,
            "longitude": 2.3314,
            "geocoder_id": "75102_7088_00012",
            "geocoder_score": 0.97,
        },
        "channel": "portal",
        "fields": {"taille": "grand", "danger": True},
        "attachments": [
            {
                "id": "0d9f9a57-53a4-4a43-9d7c-1b5f6b8f2c3a",
                "blob_name": "2026/11/28/0d9f9a57.jpg",
                "file_name": "trou.jpg",
                "media_type": "image/jpeg",
                "size": 123456,
                "sha256": "a" * 64,
            }
        ],
        "submitted_at": "2026-11-28T21:00:00+01:00",
        "citizen": {
            "issuer": "https://fcp-low.sbx.dev-franceconnect.fr/api/v2",
            "sub": "4abd71ec1f581dce2ea2221cbeac7c97",
            "given_name": "Angela Claire Louise",
            "family_name": "DUBOIS",
            "preferred_username": "MARTIN",
            "birthdate": "1962-08-24",
            "gender": "female",
            "birthplace": "75107",
            "birthcountry": "99100",
            "email": "angela.dubois@example.fr",
            "phone": "06 12 34 56 78",
            "eidas_level": "eidas1",
            "certified": [
                "given_name",
                "family_name",
                "preferred_username",
                "birthdate",
                "gender",
                "birthplace",
                "birthcountry",
            ],
        },
    }

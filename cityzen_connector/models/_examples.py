"""A complete, valid submission as JSON: for OpenAPI examples, documentation and tests.

The person is FranceConnect's public sandbox test identity, not a real citizen. The address is
in Valbrume, the fictional metropolis of the shipped territory (mappings/territory.toml) and of
the embedded geocoder's sample (samples/addresses/): a suggestion the portal got from
``GET /api/v1/address``, its ``id`` as ``geocoder_id``.
"""

from __future__ import annotations

from typing import Any

from ._citizen import PIVOT_FIELDS

# sha256(b"abc"): the example attachments' bytes are the three letters "abc".
_ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

EXAMPLE_SUBMISSION: dict[str, Any] = {
    "id": "8f0c6d2e-3c1f-4b7a-9a51-6f2a0d7f4e11",
    "theme": "voirie",
    "sub_theme": "nid_de_poule",
    "subject": "Nid-de-poule devant l'école",
    "description": "Un trou profond.",
    "location": {
        "label": "12 Rue de la République 00100 Valbrume",
        "house_number": "12",
        "street": "Rue de la République",
        "postcode": "00100",
        "citycode": "00101",
        "latitude": 46.39993,
        "longitude": 2.602816,
        "geocoder_id": "00101_0010_00012",
        "geocoder_score": 0.97,
    },
    "channel": "portal",
    "fields": {"taille": "grand", "danger": True},
    "attachments": [
        {
            "id": "0d9f9a57-53a4-4a43-9d7c-1b5f6b8f2c3a",
            "blob_name": "2026/11/28/a.jpg",
            "file_name": "trou.jpg",
            "media_type": "image/jpeg",
            "size": 3,
            "sha256": _ABC_SHA256,
        },
        {
            "id": "1e8a0b68-64b5-4b54-8e8d-2c6a7c9f3d4b",
            "blob_name": "2026/11/28/b.pdf",
            "file_name": "plan.pdf",
            "media_type": "application/pdf",
            "size": 3,
            "sha256": _ABC_SHA256,
        },
    ],
    "submitted_at": "2026-11-28T21:00:00+01:00",
    "citizen": {
        "issuer": "https://fcp-low.sbx.dev-franceconnect.fr/api/v2",
        "sub": "4abd71ec1f581dce2ea2221cbeac7c97",
        "given_name": "Angela Claire Louise",
        "family_name": "DUBOIS",
        "birthdate": "1962-08-24",
        "gender": "female",
        "birthplace": "75107",
        "birthcountry": "99100",
        "email": "Angela.Dubois@Example.fr",
        "phone": "06 12 34 56 78",
        "eidas_level": "eidas1",
        # FranceConnect certifies the pivot identity; the e-mail and phone were typed.
        "certified": list(PIVOT_FIELDS),
    },
}

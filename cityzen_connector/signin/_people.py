"""The sandbox identities the consent page offers, shaped as FranceConnect v2 returns them.

Made up, in the shape of FranceConnect's integration ("sandbox") test accounts: the pivot
identity (``given_name`` — all given names, space-separated — ``family_name`` — birth name —
``birthdate``, ``gender``, ``birthplace`` and ``birthcountry`` as INSEE COG codes, ``""`` for
a birthplace abroad), the usage name ``preferred_username``, and an ``email``
(https://docs.partenaires.franceconnect.gouv.fr/fs/fs-technique/fs-technique-scope-fc/).
Nobody real: the e-mail addresses are on ``example.fr`` (RFC 2606's spirit).

FranceConnect gives each client its own ``sub`` for one person (a pairwise identifier, OpenID
Connect Core section 8.1): here HMAC-SHA256 of the client id and the identity, with the
provider's secret, and FranceConnect's ``v1`` suffix.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

TestIdentity = dict[str, str]

IDENTITIES: dict[str, TestIdentity] = {
    "angela": {
        "given_name": "Angela Claire Louise",
        "family_name": "DUBOIS",
        "preferred_username": "",
        "birthdate": "1962-08-24",
        "gender": "female",
        "birthplace": "75107",
        "birthcountry": "99100",
        "email": "angela.dubois@example.fr",
    },
    "pierre": {
        "given_name": "Pierre Paul",
        "family_name": "MERCIER",
        "preferred_username": "DUROC",
        "birthdate": "1985-03-12",
        "gender": "male",
        "birthplace": "69123",
        "birthcountry": "99100",
        "email": "pierre.mercier@example.fr",
    },
    "nour": {
        "given_name": "Nour",
        "family_name": "BENSAÏD",
        "preferred_username": "",
        "birthdate": "1990-11-02",
        "gender": "female",
        "birthplace": "",  # born abroad: FranceConnect sends an empty birthplace
        "birthcountry": "99350",
        "email": "nour.bensaid@example.fr",
    },
    "corse": {
        "given_name": "Jean-Baptiste",
        "family_name": "ORSINI",
        "preferred_username": "",
        "birthdate": "1978-06-30",
        "gender": "male",
        "birthplace": "2A004",
        "birthcountry": "99100",
        "email": "jb.orsini@example.fr",
    },
}


@dataclass(frozen=True)
class Person:
    """Who signed in: a sandbox identity or a portal account, by its provider-side key."""

    issuer: str  # "franceconnect" or "external"
    key: str  # the identity's name, or the account's id

    def subject(self, client_id: str, secret: bytes) -> str:
        message = f"{self.issuer}\x1f{client_id}\x1f{self.key}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest() + "v1"

"""An Open311 client app over the in-process world: its key, form posts, XML read back."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeXml

from cityzen_connector.api import ApiResponse, build_api
from cityzen_connector.api.open311 import Open311Dependencies
from cityzen_connector.sync.intake import ApiKeys
from tests.support.world import World, make_world

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
BASE = "/open311/v2"
# A pothole at a point, by someone who gives an e-mail address: everything GeoReport needs.
POTHOLE: dict[str, str] = {
    "service_code": "voirie.nid_de_poule",
    "lat": "48.8566",
    "long": "2.3522",
    "address_string": "1 place de l'Hôtel de Ville",
    "email": "camille.martin@example.org",
    "first_name": "Camille",
    "last_name": "Martin",
    "phone": "0612345678",
    "description": "Un trou profond devant l'école.",
    "media_url": "https://images.example.org/trou.jpg",
    "attribute[taille]": "grand",
    "attribute[danger]": "true",
}


@dataclass
class App:
    """One client app of the world: its key, and calls as it makes them."""

    world: World
    key: str
    keys: ApiKeys

    def get(self, path: str, fmt: str = "json", **query: str) -> ApiResponse:
        return self.world.request("GET", f"{BASE}/{path}.{fmt}", key=False, query=query)

    def mine(self, path: str, fmt: str = "json", **query: str) -> ApiResponse:
        return self.get(path, fmt, api_key=self.key, **query)

    def post(
        self, path: str, form: Mapping[str, Any] | bytes, fmt: str = "json", **headers: str
    ) -> ApiResponse:
        body = form if isinstance(form, bytes) else urlencode(form, doseq=True).encode()
        return self.world.request(
            "POST", f"{BASE}/{path}.{fmt}", body, {**FORM, **headers}, key=False
        )

    def file(self, **changes: str) -> str:
        """POST requests as a FixMyStreet client would; the token answered."""
        form = {**POTHOLE, "api_key": self.key, **changes}
        response = self.post("requests", {k: v for k, v in form.items() if v != ""})
        assert response.status == 200, response.body
        return str(response.json()[0]["token"])


def open311_world(world: World | None = None, **config: Any) -> App:
    """The world with the Open311 facade on, and one app's key issued."""
    world = world or make_world()
    keys = ApiKeys(world.store, pepper=b"test-pepper", clock=world.clock)
    key, _ = keys.issue("FixMyStreet")
    world.deps = dataclasses.replace(world.deps, open311=Open311Dependencies(keys=keys, **config))
    world.api = build_api(world.deps)
    return App(world, key, keys)


def xml(response: ApiResponse) -> Element:
    """The XML answer, parsed without entity expansion (defusedxml)."""
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root: Element = SafeXml.fromstring(response.body)
    return root

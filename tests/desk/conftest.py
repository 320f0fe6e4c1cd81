"""The desk API's test world: the emulator on 127.0.0.1, provisioned with the mappings, the
desk application built from a container and served on its own port, an agent's token."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from cityzen_connector import app
from cityzen_connector.app import _identity as configured
from cityzen_connector.emulator import BASE_PATH, agent_object_id, serve
from cityzen_connector.mapping import load_mappings
from cityzen_connector.settings import Settings
from cityzen_connector.testing import FakeClock
from tests.cli.agent import HEADERS, Emulator
from tests.support.emulator import Switch, provisioned_emulator
from tests.support.paths import MAPPINGS, ROOT

TIMEOUT = 10


@dataclass
class Desk:
    url: str
    emulator: Emulator
    settings: Settings

    def token(self, login: str = "bruno.lefevre", roles: tuple[str, ...] = ("CityZen.Agent",)):  # type: ignore[no-untyped-def]
        return configured.mint_local_ops_token(
            self.settings, now=time.time(), roles=roles, object_id=agent_object_id(login)
        )

    def call(
        self, method: str, path: str, token: str | None = "", **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token or self.token()}"
        return requests.request(
            method, f"{self.url}/desk/api{path}", headers=headers, timeout=TIMEOUT, **kwargs
        )


@pytest.fixture
def desk(emulator_server: tuple[str, Switch], tmp_path: Path) -> Iterator[Desk]:
    url, switch = emulator_server
    emulator_app = provisioned_emulator(load_mappings(MAPPINGS), FakeClock())
    switch.target = emulator_app
    settings = Settings(
        _env_file=None,
        data_dir=tmp_path,
        dataverse_url=url,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        store_url=f"sqlite:///{tmp_path / 'state.db'}",
        blob_url=f"file://{tmp_path / 'blobs'}",
        mappings_dir=ROOT / "mappings",
    )
    deps = app.Container(settings)
    server = serve(app.desk_app(deps), "127.0.0.1", 0)
    try:
        yield Desk(server.url.rstrip("/"), Emulator(url, emulator_app, []), settings)
    finally:
        server.stop()
        deps.close()
        switch.target = None
        emulator_app.close()


def problem_of(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document["code"] == code
    assert document["messages"]["fr"]
    assert document["messages"]["en"]
    return document


def filed_photo(desk: Desk, ticket: str, name: str, data: bytes, mimetype: str) -> str:
    """A file filed with the request, as the pipeline writes it (mappings/annotation.toml): a
    note on the case, bound with objectid_incident, its bytes in documentbody; its id."""
    case_id = desk.emulator.by_ticket(ticket)["incidentid"]
    note = {
        "subject": f"Pièce jointe : {name}",
        "filename": name,
        "mimetype": mimetype,
        "documentbody": base64.b64encode(data).decode("ascii"),
        "isdocument": True,
        "objectid_incident@odata.bind": f"/incidents({case_id})",
    }
    url = f"{desk.emulator.url}{BASE_PATH}annotations"
    created = requests.post(url, json=note, headers=HEADERS, timeout=TIMEOUT)
    assert created.status_code == 204, created.text
    return created.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")

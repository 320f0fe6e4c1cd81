"""Which names are certified: the issue says the certified claims are FranceConnect's. A contact
FranceConnect vouched for carries the pivot key (``cz_pivotkey``, written only from a certified
pivot identity); its names and birth data are read only, in bearer mode as in function-key mode.
A citizen of a portal account or an Open311 client (issuer ``/external``: nothing certified
but an e-mail) typed their names themself: they may correct them."""

from __future__ import annotations

import json
from typing import Any

from cityzen_connector.api import ApiResponse
from tests.api.test_tokens import token, world_with_tokens
from tests.citizens.conftest import MERGE_PATCH, PATH, Desk, make_desk


def _external() -> Desk:
    return make_desk(cz_pivotkey=None, birthdate=None, gendercode=None)


def _bearer(desk: Desk, method: str, body: Any = None, etag: str | None = None) -> ApiResponse:
    world, _ = world_with_tokens("bearer", store=desk.store, profiles=desk.profiles)
    headers = {"Authorization": f"Bearer {token(world)}", "Content-Type": MERGE_PATCH}
    if etag is not None:
        headers["If-Match"] = etag
    data = json.dumps(body).encode() if body is not None else b""
    return world.request(method, PATH, data, headers, key=False)


def test_a_franceconnect_citizen_with_a_token_cannot_change_their_names(desk: Desk) -> None:
    read = _bearer(desk, "GET")
    assert read.status == 200, read.body
    assert read.json()["certified"]["family_name"] == "Dupont"
    response = _bearer(desk, "PATCH", {"contact": {"family_name": "Martin"}}, read.headers["ETag"])
    assert (response.status, response.json()["code"]) == (422, "certified_field")
    assert desk.queued() == []


def test_a_portal_account_citizen_may_correct_the_names_they_typed() -> None:
    desk = _external()
    read = desk.get()
    body = read.json()
    assert body["certified"] == {}
    assert body["contact"]["family_name"] == "Dupont"
    assert body["contact"]["given_name"] == "Marianne"
    changed = desk.patch({"contact": {"family_name": "Dupont-Martin"}}, read.headers["ETag"])
    assert changed.status == 202, changed.body
    [result] = desk.drain()
    assert result.applied == ("family_name",)
    assert desk.contact()["lastname"] == "Dupont-Martin"


def test_a_portal_account_citizens_birth_data_is_checked_as_such() -> None:
    desk = _external()
    etag = desk.get().headers["ETag"]
    response = desk.patch({"contact": {"birthdate": "31/02/1985", "gender": "x"}}, etag)
    assert response.status == 422
    codes = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert codes == {"contact.birthdate": "invalid_date", "contact.gender": "literal_error"}
    changed = desk.patch({"contact": {"birthdate": "1985-04-12", "gender": "female"}}, etag)
    assert changed.status == 202, changed.body
    desk.drain()
    contact = desk.contact()
    assert (contact["birthdate"][:10], contact["gendercode"]) == ("1985-04-12", 2)


def test_a_queued_change_of_a_name_is_refused_once_the_contact_is_franceconnects() -> None:
    """The worker decides on Dynamics 365's word: a name change queued for a contact that
    FranceConnect has since vouched for (the pivot key written meanwhile) is parked, unwritten."""
    desk = _external()
    changed = desk.patch({"contact": {"family_name": "Durand"}}, desk.get().headers["ETag"])
    assert changed.status == 202
    desk.agent(cz_pivotkey="a" * 64)
    [result] = desk.drain()
    assert result.action == "rejected"
    assert result.reason.startswith("certified")
    assert desk.contact()["lastname"] == "Dupont"

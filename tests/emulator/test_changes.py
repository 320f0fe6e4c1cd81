"""Change tracking, as "Use change tracking to synchronize data with external systems" (Microsoft
Learn) shows it: ``Prefer: odata.track-changes`` answers a delta link; the delta link answers
what was created, changed or deleted since, and nothing else."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest

from cityzen_connector.emulator import EmulatorApp
from cityzen_connector.testing import FakeClock

from .conftest import Api, call

TRACK = {"Prefer": "odata.track-changes"}


def _contact(api: Api, first: str) -> str:
    response = api.post("contacts", {"firstname": first, "lastname": "Martin"})
    assert response.status_code == 204, response.text
    return response.headers["OData-EntityId"].rsplit("(", 1)[1].rstrip(")")


def _follow(api: Api, link: str, **kw: Any) -> dict[str, Any]:
    response = api.session.get(link, timeout=10, **kw)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_track_changes_answers_the_documented_delta_link(api: Api) -> None:
    cid = _contact(api, "Zoé")
    response = api.get("contacts?$select=firstname,lastname", headers=TRACK)
    assert response.status_code == 200, response.text
    assert response.headers["Preference-Applied"] == "odata.track-changes"
    body = response.json()
    # {"@odata.context": ".../$metadata#accounts(name,...)", "@odata.deltaLink": "...", "value"}
    assert list(body) == ["@odata.context", "@odata.deltaLink", "value"]
    assert body["@odata.context"] == api.root + "$metadata#contacts(firstname,lastname)"
    # Learn: "accounts?$select=name,accountnumber,telephone1,fax&$deltatoken=
    # 919042%2108%2f22%2f2017%2008%3a10%3a44" (version!MM/dd/yyyy HH:mm:ss, the clock's now).
    link = re.escape(api.root + "contacts?$select=firstname,lastname&$deltatoken=")
    issued = re.escape("03%2f02%2f2026%2009%3a00%3a00")
    assert re.fullmatch(link + r"\d+%21" + issued, body["@odata.deltaLink"])
    assert [(r["firstname"], r["contactid"]) for r in body["value"]] == [("Zoé", cid)]
    assert body["value"][0]["@odata.etag"].startswith('W/"')


def test_the_delta_link_answers_changes_then_deletions_and_nothing_unchanged(api: Api) -> None:
    kept, changed, removed = (_contact(api, name) for name in ("Anne", "Bruno", "Chloé"))
    first = api.get("contacts?$select=firstname", headers=TRACK).json()
    assert api.patch(f"contacts({changed})", {"firstname": "Bruno-Marie"}).status_code == 204
    added = _contact(api, "Dora")
    assert api.delete(f"contacts({removed})").status_code == 204

    delta = _follow(api, first["@odata.deltaLink"])
    assert delta["@odata.context"] == api.root + "$metadata#contacts(firstname)/$delta"
    assert [(r.get("firstname"), r.get("contactid")) for r in delta["value"][:2]] == [
        ("Bruno-Marie", changed),
        ("Dora", added),
    ]
    assert delta["value"][2:] == [
        {
            "@odata.context": api.root + "$metadata#contacts/$deletedEntity",
            "id": removed,
            "reason": "deleted",
        }
    ]
    assert kept not in str(delta["value"])
    # The new delta link starts where this one ended: nothing happened since.
    assert _follow(api, delta["@odata.deltaLink"])["value"] == []


def test_a_row_created_and_deleted_between_two_deltas_comes_as_deleted(api: Api) -> None:
    link = api.get("contacts?$select=firstname", headers=TRACK).json()["@odata.deltaLink"]
    ephemeral = _contact(api, "Éphémère")
    api.delete(f"contacts({ephemeral})")
    # "they'll get the deleted item even if they didn't have the item to begin with"
    assert [v.get("id") for v in _follow(api, link)["value"]] == [ephemeral]


def test_a_row_created_again_with_a_deleted_id_is_a_change(api: Api) -> None:
    cid = _contact(api, "Yves")
    link = api.get("contacts?$select=firstname", headers=TRACK).json()["@odata.deltaLink"]
    api.delete(f"contacts({cid})")
    assert api.patch(f"contacts({cid})", {"firstname": "Yves", "lastname": "Bis"}).ok
    values = _follow(api, link)["value"]
    assert [(v.get("contactid"), v.get("id")) for v in values] == [(cid, None)]


def test_pages_under_concurrent_writes_lose_and_repeat_nothing(api: Api) -> None:
    ids = [_contact(api, f"P{n}") for n in range(5)]
    paged = {**TRACK, "Prefer": "odata.track-changes,odata.maxpagesize=2"}
    page = api.get("contacts?$select=firstname", headers=paged).json()
    assert "@odata.deltaLink" not in page
    seen = [r["contactid"] for r in page["value"]]
    # While the client pages, a row not yet served changes and a new row arrives.
    assert api.patch(f"contacts({ids[3]})", {"firstname": "P3-bis"}).status_code == 204
    late = _contact(api, "Late")
    while "@odata.nextLink" in page:
        assert 'istracking="True"' in unquote(page["@odata.nextLink"])
        page = _follow(api, page["@odata.nextLink"], headers=paged)
        seen += [r["contactid"] for r in page["value"]]
    assert sorted(seen) == sorted(set(seen))  # nothing twice
    assert set(ids) - set(seen) == {ids[3]}  # the changed row left this answer...
    assert late not in seen
    delta = _follow(api, page["@odata.deltaLink"])
    # ...and both writes come with the next delta: nothing lost.
    assert [(r["contactid"], r["firstname"]) for r in delta["value"]] == [
        (ids[3], "P3-bis"),
        (late, "Late"),
    ]


def test_deletions_page_after_the_changed_rows(api: Api) -> None:
    ids = [_contact(api, f"D{n}") for n in range(3)]
    link = api.get("contacts?$select=firstname", headers=TRACK).json()["@odata.deltaLink"]
    api.patch(f"contacts({ids[0]})", {"firstname": "D0-bis"})
    api.delete(f"contacts({ids[1]})")
    api.delete(f"contacts({ids[2]})")
    paged = {"Prefer": "odata.maxpagesize=1"}
    page = _follow(api, link, headers=paged)
    served = list(page["value"])
    while "@odata.nextLink" in page:
        page = _follow(api, page["@odata.nextLink"], headers=paged)
        served += page["value"]
    assert [(v.get("contactid"), v.get("id")) for v in served] == [
        (ids[0], None),
        (None, ids[1]),
        (None, ids[2]),
    ]


def test_a_table_without_change_tracking_answers_the_documented_error(api: Api) -> None:
    response = api.get("subjects?$select=title", headers=TRACK)
    assert response.status_code == 400
    # ChangeTrackingNotEnabledForEntity, "Web service error codes".
    assert response.json()["error"] == {
        "code": "0x80072491",
        "message": "Entity subject isn't enabled for change tracking.",
    }


@pytest.mark.parametrize("option", ["$filter=firstname eq 'A'", "$orderby=firstname", "$top=1"])
def test_query_options_refused_with_change_tracking(api: Api, option: str) -> None:
    response = api.get("contacts?" + option, headers=TRACK)
    assert response.status_code == 400
    name = option.split("=", 1)[0]
    assert response.json()["error"]["message"] == (
        f'The "{name}" query parameter isn\'t supported when Change Tracking is enabled.'
    )


def test_expand_refused_with_change_tracking(api: Api) -> None:
    response = api.get("contacts?$expand=parentcustomerid_account", headers=TRACK)
    assert response.status_code == 400
    assert '"$expand" query parameter' in response.json()["error"]["message"]


def test_a_token_older_than_seven_days_has_expired(api: Api, clock: FakeClock) -> None:
    link = api.get("contacts", headers=TRACK).json()["@odata.deltaLink"]
    clock.advance(timedelta(days=7))
    assert api.session.get(link, timeout=10).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = api.session.get(link, timeout=10)
    assert response.status_code == 400
    # ExpiredVersionStamp, "Web service error codes".
    assert response.json()["error"] == {
        "code": "0x80044352",
        "message": "Version stamp associated with the client has expired. Please perform a full "
        "sync.",
    }


def test_a_malformed_delta_token_is_refused(app: EmulatorApp) -> None:
    status, _, body = call(app, "GET", "contacts", query="$deltatoken=yesterday")
    assert status == 400
    assert json.loads(body)["error"]["message"] == "The $deltatoken value is not valid."


def test_annotations_and_change_tracking_in_one_prefer_header(api: Api) -> None:
    _contact(api, "Inès")
    wanted = "OData.Community.Display.V1.FormattedValue,Microsoft.Dynamics.CRM.lookuplogicalname"
    prefer = f'odata.include-annotations="{wanted}",odata.track-changes'
    response = api.get("contacts?$select=firstname,_ownerid_value", headers={"Prefer": prefer})
    assert response.status_code == 200, response.text
    # A comma inside the quoted value does not end the preference (RFC 7240).
    assert response.headers["Preference-Applied"] == (
        f'odata.track-changes, odata.include-annotations="{wanted}"'
    )
    row = response.json()["value"][0]
    assert row["_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname"] == "systemuser"


def test_table_definitions_say_which_tables_track_changes(api: Api) -> None:
    # The query the page gives to list them.
    response = api.get(
        "EntityDefinitions?$select=LogicalName&$filter=ChangeTrackingEnabled eq true"
    )
    assert response.status_code == 200, response.text
    names = {row["LogicalName"] for row in response.json()["value"]}
    assert {"contact", "incident", "account"} <= names
    assert "subject" not in names


def test_deltas_replayed_under_concurrent_writers_rebuild_the_table(app: EmulatorApp) -> None:
    """Writers create, rename and delete while a reader follows delta links: the rows and
    deletions it receives, replayed in order, give exactly the table's final state."""

    def get(path: str, query: str = "", prefer: str = "") -> dict[str, Any]:
        headers = {"Prefer": prefer} if prefer else {}
        status, _, body = call(app, "GET", path, query=query, headers=headers)
        assert status == 200, body
        result: dict[str, Any] = json.loads(body)
        return result

    def write(worker: int) -> None:
        for n in range(15):
            status, headers, _ = call(app, "POST", "contacts", {"firstname": f"w{worker}-{n}"})
            assert status == 204
            cid = headers["odata-entityid"].rsplit("(", 1)[1].rstrip(")")
            if n % 3 == 1:
                call(app, "PATCH", f"contacts({cid})", {"firstname": f"w{worker}-{n}-bis"})
            if n % 3 == 2:
                call(app, "DELETE", f"contacts({cid})")

    mirror: dict[str, str] = {}

    def replay(body: dict[str, Any]) -> str:
        for entry in body["value"]:
            if entry.get("reason") == "deleted":
                mirror.pop(entry["id"], None)
            else:
                mirror[entry["contactid"]] = entry["firstname"]
        link: str = body.get("@odata.deltaLink") or body["@odata.nextLink"]
        return link.split("/api/data/v9.2/", 1)[1]

    link = replay(get("contacts", "$select=firstname", "odata.track-changes"))
    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in writers:
        thread.start()
    while any(thread.is_alive() for thread in writers):
        path, _, query = link.partition("?")
        link = replay(get(path, query, "odata.maxpagesize=7"))
    for thread in writers:
        thread.join()
    while True:  # the last writes, and the pages after them
        path, _, query = link.partition("?")
        body = get(path, query, "odata.maxpagesize=7")
        link = replay(body)
        if "@odata.deltaLink" in body and not body["value"]:
            break
    final = get("contacts", "$select=firstname")["value"]
    assert mirror == {row["contactid"]: row["firstname"] for row in final}
    assert len(mirror) == 4 * 10

"""The ``knowledgearticle`` table and its languages, as the Learn table references describe them:
seeded articles in every state, the filters a portal uses, what is refused."""

from __future__ import annotations

from cityzen_connector.emulator._seed_knowledge import (
    HIDDEN,
    PUBLISHED_FRENCH,
    SUPERSEDED,
    article_id,
    language_id,
)

from .conftest import Api

PORTAL_FILTER = (
    "statecode eq 3 and islatestversion eq true and isinternal eq false"
    " and languagelocaleid/localeid eq 1036"
)


def test_languages_are_served_under_the_documented_singular_entity_set(api: Api) -> None:
    # Learn: the languagelocale table's EntitySetName is "languagelocale", not a plural.
    rows = api.get("languagelocale?$select=localeid,code&$orderby=localeid").json()["value"]
    assert [(r["localeid"], r["code"]) for r in rows] == [(1033, "en-US"), (1036, "fr-FR")]
    assert api.get("languagelocales").status_code == 404


def test_the_portal_filter_finds_exactly_the_published_latest_external_french_articles(
    api: Api,
) -> None:
    rows = api.get(f"knowledgearticles?$select=title&$filter={PORTAL_FILTER}").json()["value"]
    expected = {article_id(slug) for slug in PUBLISHED_FRENCH if slug not in SUPERSEDED}
    assert {r["knowledgearticleid"] for r in rows} == expected
    assert not {article_id(slug) for slug in (*HIDDEN, *SUPERSEDED)} & {
        r["knowledgearticleid"] for r in rows
    }


def test_each_hidden_article_is_hidden_by_one_documented_column(api: Api) -> None:
    by_id = {
        r["knowledgearticleid"]: r
        for r in api.get(
            "knowledgearticles?$select=statecode,statuscode,islatestversion,isinternal,"
            "_languagelocaleid_value,articlepublicnumber"
        ).json()["value"]
    }
    draft = by_id[article_id("encombrants-brouillon")]
    assert (draft["statecode"], draft["statuscode"]) == (0, 2)  # Draft / Draft
    assert by_id[article_id("periscolaire-2027")]["statecode"] == 2  # Scheduled
    assert by_id[article_id("canicule-2025")]["statuscode"] == 10  # Expired
    assert by_id[article_id("naissance-interne")]["isinternal"] is True
    english = by_id[article_id("birth-certificate")]
    assert english["_languagelocaleid_value"] == language_id(1033)
    assert by_id[article_id("stationnement-residentiel-v1")]["islatestversion"] is False
    assert by_id[article_id("urbanisme-v1")]["statecode"] == 5  # Archived
    assert all(r["articlepublicnumber"].startswith("KA-") for r in by_id.values())


def test_a_new_article_is_a_proposed_draft_with_defaults_and_a_public_number(api: Api) -> None:
    created = api.post(
        "knowledgearticles",
        {
            "title": "Piscine municipale : horaires d'été",
            "languagelocaleid@odata.bind": f"/languagelocale({language_id(1036)})",
        },
        headers={"Prefer": "return=representation"},
    )
    assert created.status_code == 201, created.text
    row = created.json()
    # Learn: statecode 0 Draft has DefaultStatus 1 (Proposed); the booleans default to No.
    assert (row["statecode"], row["statuscode"]) == (0, 1)
    assert (row["isinternal"], row["islatestversion"], row["isprimary"]) == (False, False, False)
    assert (row["majorversionnumber"], row["minorversionnumber"]) == (1, 0)
    assert row["articlepublicnumber"].startswith("KA-")


def test_a_status_reason_of_another_state_is_refused(api: Api) -> None:
    # statuscode 7 (Published) belongs to statecode 3, not to 0 (Draft).
    response = api.patch(
        f"knowledgearticles({article_id('encombrants-brouillon')})",
        {"statecode": 0, "statuscode": 7},
    )
    assert response.status_code == 400


def test_an_article_without_its_language_is_refused(api: Api) -> None:
    response = api.post("knowledgearticles", {"title": "Sans langue"})
    assert response.status_code == 400
    assert "languagelocaleid" in response.json()["error"]["message"]


def test_knowledge_search_actions_are_refused_by_name(api: Api) -> None:
    for path in (
        "FullTextSearchKnowledgeArticle",
        "Microsoft.Dynamics.CRM.FullTextSearchKnowledgeArticle",
        "SearchByTitleKbArticle(SearchText=@p)",
    ):
        response = api.post(path, {"SearchText": "poubelle", "UseInflection": True})
        assert response.status_code == 501, path
        message = response.json()["error"]["message"]
        assert path.partition("(")[0].rsplit(".", 1)[-1] in message
        assert "not emulated" in message

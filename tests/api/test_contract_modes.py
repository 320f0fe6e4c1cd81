"""The document a deployment serves says what that deployment accepts: who the citizen is (per
auth mode), its catalogue's themes and forms, its attachment limit, the multipart parts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cityzen_connector.api import ApiContract, contract_of, openapi_document
from cityzen_connector.sync.intake import AttachmentLimits
from tests.api.test_tokens import citizen_body, post, token, world_with_tokens
from tests.support.schema_check import errors
from tests.support.world import JPEG, World, multipart, submission

REQUEST = {"$ref": "#/components/schemas/SubmissionRequest"}
PART = {"$ref": "#/components/schemas/SubmissionPart"}


def _served(world: World) -> dict[str, Any]:
    response = world.request("GET", "/v1/openapi.json", key=False)
    assert response.status == 200
    document: dict[str, Any] = response.json()
    return document


def test_with_a_function_key_citizen_is_required_and_never_null() -> None:
    document = openapi_document(ApiContract(auth_mode="function_key"))
    body = submission()
    assert errors(body, REQUEST, document) == []
    assert errors({k: v for k, v in body.items() if k != "citizen"}, REQUEST, document)
    assert errors({**body, "citizen": None}, REQUEST, document)
    post_ = document["paths"]["/api/v1/requests"]["post"]
    assert post_["security"] == [{"functionKey": []}]


def test_with_bearer_tokens_citizen_is_not_part_of_the_body() -> None:
    document = openapi_document(ApiContract(auth_mode="bearer"))
    body = citizen_body()
    assert errors(body, REQUEST, document) == []
    assert errors({**body, "citizen": None}, REQUEST, document)
    assert errors({**body, "citizen": submission()["citizen"]}, REQUEST, document)
    post_ = document["paths"]["/api/v1/requests"]["post"]
    assert post_["security"] == [{"bearerToken": []}]


def test_in_both_modes_citizen_is_optional_but_never_null() -> None:
    document = openapi_document(ApiContract(auth_mode="both"))
    assert errors(citizen_body(), REQUEST, document) == []
    assert errors(submission(), REQUEST, document) == []
    assert errors({**citizen_body(), "citizen": None}, REQUEST, document)


def test_a_null_citizen_is_refused_with_a_token_as_the_bearer_document_says() -> None:
    world, _ = world_with_tokens()
    response = post(world, token(world), {**citizen_body(), "citizen": None})
    assert response.status == 422, response.body
    assert response.json()["errors"][0] == {
        **response.json()["errors"][0],
        "field": "citizen",
        "code": "extra_forbidden",
    }
    assert world.queued() == []


def test_the_served_document_is_the_deployments(world: World) -> None:
    served = _served(world)
    assert served == openapi_document(contract_of(world.deps))
    request = served["components"]["schemas"]["SubmissionRequest"]
    assert set(request["properties"]["theme"]["enum"]) == set(world.mappings.catalog.themes)
    assert request["properties"]["attachments"]["maxItems"] == AttachmentLimits().max_count
    bearer, _ = world_with_tokens()
    assert (
        "citizen" not in _served(bearer)["components"]["schemas"]["SubmissionRequest"]["properties"]
    )


def test_each_sub_themes_form_is_in_the_document_as_intake_checks_it(world: World) -> None:
    document = openapi_document(contract_of(world.deps))
    body = submission(theme="stationnement", sub_theme="genant", fields={"immatriculation": 7})
    assert errors(body, REQUEST, document)  # a number where the form wants text
    assert world.post_json(body).status == 422
    body = submission(theme="voirie", sub_theme="nid_de_poule", fields={"inconnu": "x"})
    assert errors(body, REQUEST, document)
    assert world.post_json(body).status == 422
    assert errors(submission(), REQUEST, document) == []
    assert world.post_json(submission()).status == 202


def test_the_multipart_schema_is_what_the_reader_accepts(world: World) -> None:
    document = openapi_document(contract_of(world.deps))
    schema = document["paths"]["/api/v1/requests"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    assert schema["schema"]["additionalProperties"] is False
    assert schema["schema"]["properties"]["attachments"]["maxItems"] == 5
    assert "image/jpeg" in schema["encoding"]["attachments"]["contentType"]
    part = submission()
    assert errors(part, PART, document) == []  # an empty attachments list is tolerated
    upload = {"file_name": "a.jpg", "content_base64": "/9j/4AAQ"}
    assert errors({**part, "attachments": [upload]}, PART, document)


@pytest.mark.parametrize("filename", ["trou.jpg", None])
def test_a_part_named_attachments_is_a_file_with_or_without_a_filename(
    world: World, filename: str | None
) -> None:
    # RFC 7578 section 4.2 makes the filename a SHOULD; the document names file parts
    # "attachments". Without a filename the part used to be refused as unexpected.
    data, content_type = multipart(submission(), [(filename or "", JPEG)])
    if filename is None:
        data = data.replace(b'; filename=""', b"")
    response = world.request("POST", "/v1/requests", data, {"Content-Type": content_type})
    assert response.status == 202, response.body
    [queued] = world.queued()
    assert queued["payload"]["attachments"][0]["media_type"] == "image/jpeg"


def test_the_json_upload_schema_admits_only_files_the_server_accepts(world: World) -> None:
    document = openapi_document(contract_of(world.deps))
    schema = {"$ref": "#/components/schemas/AttachmentUpload"}
    for accepted in ("/9j/4AAQ", "iVBORw0KGgoAAAAN", "JVBERi0xLjcK"):
        assert errors({"file_name": "f", "content_base64": accepted}, schema, document) == []
    for refused in ("AAAA", "/9j/4AA", "bm90IGEgZmlsZQ=="):
        assert errors({"file_name": "f", "content_base64": refused}, schema, document)
    json.dumps(document)  # serialisable as served

"""The OpenAPI 3.1 document: every route, method, status and schema, from the routing table."""

from __future__ import annotations

import json

from cityzen_connector.api import ROUTES, openapi_bytes, openapi_document
from cityzen_connector.models import EXAMPLE_SUBMISSION
from tests.support.schema_check import errors


def test_every_route_and_operation_is_documented() -> None:
    doc = openapi_document()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/v1/requests",
        "/api/v1/requests/{id}",
        "/api/v1/requests/{id}/messages",
        "/api/v1/requests/{id}/messages/{message_id}/attachments/{n}",
        "/api/v1/citizens/me/requests",
        "/api/v1/citizens/me/data-export",
        "/api/v1/citizens/me/data-export/{id}",
        "/api/v1/citizens/me/data-export/{id}/file",
        "/api/v1/citizens/me/erasure-request",
        "/api/v1/citizens/me",
        "/api/v1/themes",
        "/api/v1/address",
        "/api/v1/address/reverse",
        "/api/v1/search",
        "/api/v1/search/suggestions",
        "/api/v1/search/popular",
        "/api/v1/news",
        "/api/v1/agenda",
        "/api/v1/health",
        "/api/v1/health/ready",
        "/api/v1/openapi.json",
        "/api/v1/ops/queues",
        "/api/v1/ops/dead-letters",
        "/api/v1/ops/dead-letters/replay",
        "/api/v1/ops/agents/plan",
        "/api/v1/ops/agents/apply",
        "/api/v1/stats",
        "/api/v1/open-data/requests.csv",
        "/api/v1/open-data/requests.json",
        "/api/open311/v2/discovery.{format}",
        "/api/open311/v2/services.{format}",
        "/api/open311/v2/services/{service_code}.{format}",
        "/api/open311/v2/requests.{format}",
        "/api/open311/v2/requests/{service_request_id}.{format}",
        "/api/open311/v2/tokens/{token}.{format}",
        "/api/open311/v2/servicerequestupdates.{format}",
    }
    for route in ROUTES:
        for op in route.operations:
            entry = doc["paths"]["/api" + route.template][op.method.lower()]
            assert set(entry["responses"]) == {str(s) for s in op.answers} | {"400", "405"}


def test_errors_are_problem_json_and_successes_reference_the_models() -> None:
    doc = openapi_document()
    post = doc["paths"]["/api/v1/requests"]["post"]
    for status in ("400", "401", "403", "405", "409", "413", "415", "422", "500", "503"):
        content = post["responses"][status]["content"]
        assert content == {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        }
    assert post["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Accepted"
    }
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    assert post["security"] == [{"functionKey": []}]  # the default contract: function_key
    assert doc["paths"]["/api/v1/health"]["get"]["security"] == []
    status = doc["paths"]["/api/v1/requests/{id}"]["get"]["responses"]["200"]
    assert "oneOf" in status["content"]["application/json"]["schema"]


def test_every_reference_resolves() -> None:
    text = openapi_bytes().decode()
    doc = json.loads(text)
    for ref in {part.split('"')[0] for part in text.split('"$ref":"')[1:]}:
        name = ref.removeprefix("#/components/schemas/")
        assert name in doc["components"]["schemas"], ref


def test_the_request_schema_accepts_the_example_and_refuses_what_the_api_refuses() -> None:
    doc = openapi_document()
    schema = {"$ref": "#/components/schemas/SubmissionRequest"}
    example = {k: v for k, v in EXAMPLE_SUBMISSION.items() if k != "submitted_at"}
    example["attachments"] = [{"file_name": "a.jpg", "content_base64": "/9j/4AAQ"}]
    assert errors(example, schema, doc) == []
    assert errors({**example, "unknown": 1}, schema, doc)
    assert errors({**example, "theme": "Not A Code"}, schema, doc)
    assert errors({**example, "submitted_at": "2026-01-01T00:00:00Z"}, schema, doc)

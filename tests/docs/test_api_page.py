"""The API reference is generated from the OpenAPI document: every route, code and schema."""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

from cityzen_connector.api import openapi_document
from cityzen_connector.models import CATALOGUE, ProblemCode

from .conftest import DOCS


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("\n### ", start + len(heading))
    return page[start : end if end != -1 else len(page)]


def test_every_operation_has_a_section_with_its_answers(hooks: ModuleType) -> None:
    document = openapi_document()
    page = hooks.api_page(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            section = _section(page, f"### `{method.upper()} {path}`")
            assert f"`{operation['operationId']}`" in section
            for status in operation["responses"]:
                assert f"| **{status}** |" in section, (path, method, status)


def test_problem_answers_list_the_codes_of_their_status(hooks: ModuleType) -> None:
    document = openapi_document()
    page = hooks.api_page(document)
    submit = _section(page, "### `POST /api/v1/requests`")
    row = next(line for line in submit.splitlines() if line.startswith("| **415** |"))
    assert "`unsupported_media_type`, `unsupported_file_type`" in row
    status = _section(page, "### `GET /api/v1/requests/{id}`")
    assert "`not_found`" in status
    assert "`idempotency_conflict`" not in status


def test_the_problem_catalogue_is_complete(hooks: ModuleType) -> None:
    page = hooks.api_page(openapi_document())
    for code in ProblemCode:
        entry = CATALOGUE[code]
        assert f"| `{code.value}` | {entry.status} | {hooks.md_text(entry.en)} |" in page


def test_every_schema_has_an_anchor_and_every_reference_a_target(hooks: ModuleType) -> None:
    document = openapi_document()
    page = hooks.api_page(document)
    anchors = set(re.findall(r"\{ #(schema-[a-z0-9]+) \}", page))
    assert anchors == {"schema-" + name.lower() for name in document["components"]["schemas"]}
    assert set(re.findall(r"\]\(#(schema-[a-z0-9]+)\)", page)) <= anchors


def test_a_route_anyone_may_call_says_so(hooks: ModuleType) -> None:
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"get": {"operationId": "x", "security": [], "responses": {}}}},
    }
    assert "| GET | `/x` | anyone |" in hooks.api_page(document)


def test_the_raw_document_is_published_unchanged(hooks: ModuleType) -> None:
    document = openapi_document()
    assert json.loads(hooks.openapi_json(document)) == document


def test_generated_pages_are_never_committed(hooks: ModuleType) -> None:
    for path in hooks.GENERATED:
        assert not (DOCS / path).exists(), f"docs/{path} is generated at build time"


def test_an_ops_route_says_which_token_opens_it(hooks: ModuleType) -> None:
    page = hooks.api_page(openapi_document())
    section = _section(page, "### `GET /api/v1/ops/queues`")
    line = next(row for row in section.splitlines() if row.startswith("- Who may call:"))
    assert "`opsBearer`" in line
    assert "ops app role" in line
    assert "Function keys are not accepted" in line
    listing = _section(page, "### `GET /api/v1/ops/dead-letters`")
    assert "- Parameter `queue` in query, required:" in listing

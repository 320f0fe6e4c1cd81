"""A small JSON Schema 2020-12 checker for what pydantic generates, and response validation
against our OpenAPI document (no ``jsonschema`` in the environment; this covers every keyword
our schemas use and fails loudly on one it does not know)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from cityzen_connector.api import ApiResponse, openapi_document

_IGNORED = {"title", "description", "default", "examples", "discriminator", "$defs"}
_IGNORED |= {"contentMediaType", "readOnly", "deprecated"}
_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def errors(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str = "$") -> list[str]:
    found: list[str] = []
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        found += errors(value, root["components"]["schemas"][name], root, path)
    for key in schema:
        if key not in _KNOWN:
            raise AssertionError(f"schema keyword {key!r} not supported by the checker")
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[k](value) for k in kinds):
            return [f"{path}: expected {kinds}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        found.append(f"{path}: expected const {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: not in enum")
    for branch in ("anyOf", "oneOf"):
        if branch in schema:
            matches = sum(not errors(value, s, root, path) for s in schema[branch])
            if matches == 0 or (branch == "oneOf" and matches > 1):
                found.append(f"{path}: {matches} of {branch} match")
    if "not" in schema and not errors(value, schema["not"], root, path):
        found.append(f"{path}: matches what 'not' excludes")
    for sub in schema.get("allOf", []):
        found += errors(value, sub, root, path)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        found += [
            f"{path}: missing {name}" for name in schema.get("required", []) if name not in value
        ]
        extra = schema.get("additionalProperties", True)
        patterns = schema.get("patternProperties", {})
        for name, item in value.items():
            matched = [sub for pattern, sub in patterns.items() if re.search(pattern, name)]
            for sub in matched:
                found += errors(item, sub, root, f"{path}.{name}")
            if name in properties:
                found += errors(item, properties[name], root, f"{path}.{name}")
            elif matched:
                continue
            elif extra is False:
                found.append(f"{path}: unexpected {name}")
            elif isinstance(extra, dict):
                found += errors(item, extra, root, f"{path}.{name}")
        if "propertyNames" in schema:
            for name in value:
                found += errors(name, schema["propertyNames"], root, f"{path}.<{name}>")
        if "maxProperties" in schema and len(value) > schema["maxProperties"]:
            found.append(f"{path}: too many properties")
    if isinstance(value, list):
        prefix = schema.get("prefixItems", [])
        for index, item in enumerate(value):
            sub = prefix[index] if index < len(prefix) else schema.get("items")
            if sub is not None:
                found += errors(item, sub, root, f"{path}[{index}]")
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 1 << 30):
            found.append(f"{path}: item count")
        if schema.get("uniqueItems") and len({json.dumps(v) for v in value}) != len(value):
            found.append(f"{path}: items not unique")
    if isinstance(value, str):
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", 1 << 30):
            found.append(f"{path}: length")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: pattern")
        found += _format(value, schema.get("format"), path)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{path}: below minimum")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{path}: above maximum")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{path}: not above exclusiveMinimum")
    return found


def _format(value: str, kind: str | None, path: str) -> list[str]:
    try:
        if kind == "uuid":
            uuid.UUID(value)
        elif kind == "date-time":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif kind == "date":
            datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        return [f"{path}: not a {kind}"]
    return []


_KNOWN = _IGNORED | {
    "$ref", "type", "const", "enum", "anyOf", "oneOf", "allOf", "properties", "required",
    "additionalProperties", "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
    "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
    "propertyNames", "maxProperties", "patternProperties", "not",
}  # fmt: skip


def check_response(method: str, template: str, response: ApiResponse) -> None:
    """Assert that the response is one the OpenAPI document declares, with a valid body."""
    document = openapi_document()
    operation = document["paths"]["/api" + template][method.lower()]
    declared = operation["responses"].get(str(response.status))
    assert declared is not None, f"{method} {template}: {response.status} not documented"
    present = {name.lower() for name in response.headers}
    for name, spec in declared.get("headers", {}).items():
        if spec.get("required") is False:  # documented as sent with some answers only
            continue
        assert name.lower() in present, f"{response.status} without its {name} header"
    content = declared.get("content")
    if content is None:
        assert response.body == b"", f"{response.status} should have no body"
        return
    media_type = (response.content_type or "").split(";")[0]
    assert media_type in content, f"{media_type} not documented for {response.status}"
    if content[media_type]["schema"] == {"type": "string"}:
        assert response.body, f"{response.status} should have a body"
        return  # text (the open data's CSV): no JSON to check
    problems = errors(json.loads(response.body), content[media_type]["schema"], document)
    assert not problems, problems

"""The OpenAPI document's request bodies: JSON, form-encoded (Open311's POSTs) and multipart (a
submission or a message with its files, as ``api._body`` reads them)."""

from __future__ import annotations

from typing import Any

from ._contract import ApiContract
from ._http import JSON
from ._openapi_schemas import FORMS, REF, adapter, schema_key
from ._routes import Operation

FORM = "application/x-www-form-urlencoded"


def media_content(schema: dict[str, Any], media_type: str = JSON) -> dict[str, Any]:
    return {media_type: {"schema": schema}}


def form_schema(name: str) -> dict[str, Any]:
    """A form's schema: the model's, every optional field without its ``null`` alternative (a
    form field is absent, never null), no titles."""
    schema = adapter(name).json_schema()
    properties = {}
    for field, declared in schema["properties"].items():
        entry = {k: v for k, v in declared.items() if k not in ("title", "default")}
        alternatives = [a for a in entry.pop("anyOf", []) if a.get("type") != "null"]
        properties[field] = {**alternatives[0], **entry} if alternatives else entry
    kept = ("required", "patternProperties", "additionalProperties", "description")
    return {
        "type": "object",
        "properties": properties,
        **{k: schema[k] for k in kept if k in schema},
    }


def request_body(
    op: Operation, refs: dict[tuple[str, str], Any], contract: ApiContract
) -> dict[str, Any]:
    if op.request_body in FORMS:
        return {"required": True, "content": {FORM: {"schema": form_schema(op.request_body)}}}
    schema = refs[(schema_key(op.request_body), "validation")]
    content = media_content(schema, op.body_media_type or JSON)
    # A citizen's message names its JSON part "message" (api._body.read_message).
    document, document_schema = (
        ("message", schema)
        if op.request_body == "CitizenMessageBody"
        else ("submission", {"$ref": REF.format(model="SubmissionPart")})
    )
    if op.multipart:
        # api._body: one JSON part "submission" (without attachments) and one part per file,
        # each with a filename; no other part. A file's type is read from its bytes, whatever
        # its part says: the encoding lists the types its bytes may prove.
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "required": [document],
                "properties": {
                    document: document_schema,
                    "attachments": {
                        "type": "array",
                        "maxItems": contract.max_attachments,
                        "items": {
                            "type": "string",
                            "format": "binary",
                            "contentMediaType": "application/octet-stream",
                        },
                    },
                },
                "additionalProperties": False,
            },
            "encoding": {
                document: {"contentType": JSON},
                "attachments": {"contentType": ", ".join(contract.file_types)},
            },
        }
    return {"required": True, "content": content}

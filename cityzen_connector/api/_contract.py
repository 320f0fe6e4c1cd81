"""What one deployment accepts on ``POST /api/v1/requests``, as the OpenAPI document says it.

The pydantic models say what every deployment accepts. Three things are the deployment's own,
and the document it serves says them too, so that a client (or a property-based test) that
follows the document is never refused:

- who the citizen is (``CITYZEN_AUTH_MODE``): with the portal's function key the body carries
  ``citizen``, required; with a citizen's bearer token it must be absent, the identity comes from
  the token (``sync.intake``'s caller rules); in ``both`` modes it depends on the credential, so
  it is optional there;
- the theme catalogue (``mappings/themes.toml``): the theme and sub-theme codes, and each
  sub-theme's form fields, their types, bounds and which are required;
- how many files one request may carry (``CITYZEN_API_MAX_ATTACHMENTS``);
- the territory (``mappings/territory.toml``): a location's ``citycode``, when given, is one
  of its communes (another is refused, 422 ``outside_territory``).
- the queues the ops routes name (``CITYZEN_SUBMISSIONS_QUEUE``, ``…_CASE_EVENTS_QUEUE``,
  ``…_WEBHOOKS_QUEUE``).

A multipart request's ``submission`` part is the same object with no attachments in it (an
empty list at most): the files are parts of their own.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from cityzen_connector.models import (
    FILLED_TEXT_PATTERN,
    MAX_ATTACHMENTS,
    TEXT_PATTERN,
    FormField,
    Theme,
)

if TYPE_CHECKING:
    from cityzen_connector.sync.intake import AttachmentLimits

AuthMode = Literal["function_key", "bearer", "both"]
# The settings' default queue names: what the published reference shows.
OPS_QUEUES = ("submissions", "case-events", "webhooks")
_REF = "#/components/schemas/{}"
_FORM_TEXT_MAX = 2000
FILE_TYPES = (
    "application/pdf",
    "image/heic",
    "image/heif",
    "image/jpeg",
    "image/png",
    "image/webp",
)


class Territory(Protocol):
    @property
    def communes(self) -> Mapping[str, str]: ...


class Catalogue(Protocol):
    """The theme catalogue as the contract reads it (``mapping.ThemeCatalog``)."""

    def tree(self) -> tuple[Theme, ...]: ...

    @property
    def territory(self) -> Territory | None: ...


@dataclass(frozen=True)
class ApiContract:
    """The deployment's side of the contract; the default is the models' alone (no catalogue:
    any theme code; the published reference documents that one)."""

    auth_mode: AuthMode = "function_key"
    themes: tuple[Theme, ...] | None = None
    max_attachments: int = MAX_ATTACHMENTS
    # The types a file's bytes may prove (sync.intake: sniffed, never taken from a header).
    file_types: tuple[str, ...] = FILE_TYPES
    # The territory's communes (INSEE codes); None: any commune.
    communes: tuple[str, ...] | None = None
    # The longest search query (CITYZEN_SEARCH_MAX_QUERY_CHARS): ``q``'s maxLength.
    max_query_chars: int = 200
    ops_queues: tuple[str, ...] = OPS_QUEUES

    @classmethod
    def of(
        cls,
        auth_mode: AuthMode,
        catalogue: Catalogue,
        limits: AttachmentLimits,
        *,
        max_query_chars: int = 200,
        ops_queues: tuple[str, ...] | None = None,
    ) -> ApiContract:
        """A deployment's contract: its auth mode, its whole catalogue (what intake validates
        against, whatever Dataverse holds), its attachment limits, its longest query and its
        queues."""
        territory = catalogue.territory
        return cls(
            auth_mode=auth_mode,
            themes=catalogue.tree(),
            max_attachments=limits.max_count,
            file_types=tuple(sorted(limits.types)),
            communes=tuple(sorted(territory.communes)) if territory is not None else None,
            max_query_chars=max_query_chars,
            ops_queues=OPS_QUEUES if ops_queues is None else ops_queues,
        )


def _form_value(field: FormField) -> dict[str, Any]:
    if field.type == "boolean":
        return {"type": "boolean"}
    if field.type == "number":
        schema: dict[str, Any] = {"type": "number"}
        if field.minimum is not None:
            schema["minimum"] = field.minimum
        if field.maximum is not None:
            schema["maximum"] = field.maximum
        return schema
    if field.type == "date":
        return {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    if field.type == "choice":
        return {"enum": list(field.choices)}
    return {
        "type": "string",
        "maxLength": min(field.max_length or _FORM_TEXT_MAX, _FORM_TEXT_MAX),
        # A form value is cleaned as multi-line text (models' FormValue); a required one must
        # keep a character once trimmed ("  " is an empty answer).
        "pattern": FILLED_TEXT_PATTERN if field.required else TEXT_PATTERN,
    }


def _form(fields: Iterable[FormField]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    for field in fields:
        value = _form_value(field)
        if field.required:
            required.append(field.name)
            properties[field.name] = {**value, "title": field.label}
        else:
            # An optional field left empty is sent as "" by HTML forms: read as no answer.
            properties[field.name] = {"anyOf": [value, {"const": ""}], "title": field.label}
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


def _catalogue(request: dict[str, Any], themes: tuple[Theme, ...]) -> None:
    request["properties"]["theme"] = {"enum": [theme.code for theme in themes]}
    codes = sorted({sub.code for theme in themes for sub in theme.sub_themes})
    request["properties"]["sub_theme"] = {"enum": codes}
    branches = []
    for theme in themes:
        for sub in theme.sub_themes:
            form = _form(sub.fields)
            branch: dict[str, Any] = {
                "title": f"{theme.code}/{sub.code}",
                "properties": {
                    "theme": {"const": theme.code},
                    "sub_theme": {"const": sub.code},
                    "fields": form,
                },
            }
            if form.get("required"):
                branch["required"] = ["fields"]
            branches.append(branch)
    request["oneOf"] = branches


def request_definitions(
    definitions: dict[str, Any], contract: ApiContract
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``SubmissionRequest`` (JSON body) and ``SubmissionPart`` (multipart ``submission`` part)
    for this deployment, from the models' ``SubmissionRequest`` definition."""
    request = copy.deepcopy(definitions["SubmissionRequest"])
    properties = request["properties"]
    if contract.auth_mode != "bearer":
        properties["citizen"] = {
            "$ref": _REF.format("Citizen"),
            "description": {
                "function_key": "The citizen filing the request, as the portal verified them.",
                "both": "Required with the portal's function key; absent with a citizen's bearer"
                " token (the identity comes from the token).",
            }[contract.auth_mode],
        }
    if contract.auth_mode == "function_key":
        request["required"] = [*request.get("required", []), "citizen"]
    properties["attachments"]["maxItems"] = contract.max_attachments
    if contract.themes is not None:
        _catalogue(request, contract.themes)
    part = copy.deepcopy(request)
    part["title"] = "SubmissionPart"
    # api._body refuses attachments in the part (files are parts); an empty list is tolerated.
    part["properties"]["attachments"] = {"type": "array", "maxItems": 0}
    return request, part


def location_definition(location: dict[str, Any], contract: ApiContract) -> dict[str, Any]:
    """The models' ``Location`` definition, its ``citycode`` narrowed to the territory."""
    if contract.communes is None:
        return location
    narrowed = copy.deepcopy(location)
    narrowed["properties"]["citycode"] = {
        "anyOf": [{"enum": list(contract.communes)}, {"type": "null"}],
        "default": None,
        "description": "INSEE code of the address's commune: one of the territory's.",
    }
    return narrowed


def ops_definitions(definitions: dict[str, Any], contract: ApiContract) -> None:
    """The replay bodies name one of this deployment's queues."""
    for name in ("ReplayByIds", "ReplayAll"):
        definitions[name]["properties"]["queue"] = {
            "enum": list(contract.ops_queues),
            "description": "One of the queues the connector uses.",
        }

"""mkdocs hooks: the pages generated from the code at build time, never edited by hand.

``mkdocs.yml`` names this file under ``hooks:``. On every build (and every ``mkdocs serve``
reload) ``on_files`` adds three files to the site that exist nowhere in the repository:

- ``reference/configuration.md`` from ``cityzen_connector.settings.Settings``: every field's
  environment variable, type, default (never a secret's value), constraints and description,
  grouped by the ``# -- group --`` comments of ``settings.py`` and of its bases by area
  (``cityzen_connector/_settings/``);
- ``reference/api.md`` from ``cityzen_connector.api.openapi_document()``: the routes, who may
  call them, their answers and problem codes, and the schemas;
- ``reference/openapi.json``: that same document, raw.

Each page is built by a plain function (``configuration_page``, ``api_page``) that the tests
call directly; nothing here touches the network.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
import types
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import annotated_types
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from cityzen_connector.api import openapi_document
from cityzen_connector.models import CATALOGUE, ProblemCode
from cityzen_connector.settings import ENV_PREFIX, Settings

CONFIGURATION_PAGE = "reference/configuration.md"
API_PAGE = "reference/api.md"
OPENAPI_FILE = "reference/openapi.json"
GENERATED = (CONFIGURATION_PAGE, API_PAGE, OPENAPI_FILE)
"""What ``on_files`` adds: paths under ``docs/`` that links may point at but no file holds."""

_GROUP_COMMENT = re.compile(r"^\s*# -- (?P<title>.+?) -{3,}\s*$")


# -- Markdown helpers -------------------------------------------------------------------------


def md_text(text: str) -> str:
    """Plain text made safe for one Markdown table cell: no HTML, emphasis, links or pipes.

    reStructuredText literals (double backquotes, as docstrings write them) become code spans.
    """
    parts = re.split(r"``(.+?)``", text)
    return " ".join(
        "".join(
            md_code(part) if index % 2 else _escape(part) for index, part in enumerate(parts)
        ).split()
    )


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def md_code(text: str) -> str:
    """An inline code span holding ``text`` exactly (safe in a table cell)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', '&#124;')}{pad}{fence}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(cell or " " for cell in row) + " |" for row in rows)
    return lines


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _size(value: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= factor and value % factor == 0:
            return f"{value // factor} {unit}"
    return ""


# -- configuration reference --------------------------------------------------------------------


@dataclass(frozen=True)
class SettingDoc:
    """One setting as the configuration reference shows it."""

    name: str
    env: str
    group: str
    type: str
    default: str
    constraints: str
    description: str
    secret: bool


def env_name(field: str) -> str:
    """``dataverse_url`` → ``CITYZEN_DATAVERSE_URL`` (pydantic-settings' ``env_prefix``)."""
    return ENV_PREFIX + field.upper()


def setting_groups(settings_cls: type[BaseSettings] = Settings) -> list[tuple[str, list[str]]]:
    """The class's fields in pydantic's order, grouped by the ``# -- title ---`` comment above
    them in the class that declares them (``Settings`` or one of its bases by area, read in
    pydantic's order: the last base first).

    A field with no group comment above it is an error: the page would have nowhere to put it.
    """
    groups: dict[str, list[str]] = {}
    for cls in _declaring_classes(settings_cls):
        for title, name in _grouped_fields(cls, settings_cls):
            if not any(name in names for names in groups.values()):
                groups.setdefault(title, []).append(name)
    listed = {name for names in groups.values() for name in names}
    missing = set(settings_cls.model_fields) - listed
    if missing:
        raise ValueError(f"settings not found in the class body: {sorted(missing)}")
    return [(title[:1].upper() + title[1:], names) for title, names in groups.items()]


def _declaring_classes(settings_cls: type[BaseSettings]) -> list[type]:
    """The classes of the MRO that declare fields, in the order pydantic collects them."""
    fields = settings_cls.model_fields
    return [
        cls
        for cls in reversed(settings_cls.__mro__)
        if any(name in fields for name in vars(cls).get("__annotations__", {}))
    ]


def _grouped_fields(cls: type, settings_cls: type[BaseSettings]) -> list[tuple[str, str]]:
    """(group title, field name) for each field ``cls`` declares, in source order."""
    source = textwrap.dedent(inspect.getsource(cls))
    headings = [
        (number, match["title"])
        for number, line in enumerate(source.splitlines(), start=1)
        if (match := _GROUP_COMMENT.match(line))
    ]
    class_def = ast.parse(source).body[0]
    assert isinstance(class_def, ast.ClassDef)
    found: list[tuple[str, str]] = []
    for node in class_def.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        name = node.target.id
        if name not in settings_cls.model_fields:
            continue
        above = [title for number, title in headings if number < node.lineno]
        if not above:
            raise ValueError(f"setting {name!r} has no '# -- group --' comment above it")
        found.append((above[-1], name))
    return found


def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in get_args(annotation)


def type_label(annotation: Any) -> str:
    """A reader's name for a field's type (what the environment variable must hold)."""
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(md_code(str(value)) for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        args = [arg for arg in get_args(annotation) if arg is not type(None)]
        label = " or ".join(type_label(arg) for arg in args)
        return f"{label}, optional" if len(args) < len(get_args(annotation)) else label
    if origin is dict:
        return "JSON object"
    names: dict[Any, str] = {
        SecretStr: "secret string",
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        Path: "path",
    }
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def default_label(name: str, field: FieldInfo) -> str:
    """The default as it would be written in the environment; a secret's is never shown."""
    value = field.get_default(call_default_factory=True)
    if _is_secret(field.annotation):
        empty = not (isinstance(value, SecretStr) and value.get_secret_value())
        return "*secret*, empty" if empty else "*secret*, a built-in development value"
    text = _env_text(value)
    if text is None:
        return "*not set*"
    if not text:
        return "*empty*"
    sized = isinstance(value, int) and not isinstance(value, bool) and name.endswith("_bytes")
    size = _size(value) if sized else ""
    return md_code(text) + (f" ({size})" if size else "")


def _env_text(value: object) -> str | None:
    """A value as it would be written in an environment variable (``None``: unset)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, float):
        return _number(value)
    return str(value)


def constraints_label(field: FieldInfo) -> str:
    """The bounds pydantic enforces (``gt``, ``ge``, ``lt``, ``le``), as ``> 0, ≤ 300``."""
    symbols = (
        (annotated_types.Gt, "gt", ">"),
        (annotated_types.Ge, "ge", "≥"),
        (annotated_types.Lt, "lt", "&lt;"),
        (annotated_types.Le, "le", "≤"),
    )
    bounds: list[str] = []
    for item in field.metadata:
        for kind, attribute, symbol in symbols:
            if isinstance(item, kind):
                value = getattr(item, attribute)
                shown = _number(value) if isinstance(value, int | float) else str(value)
                bounds.append(f"{symbol} {shown}")
    return ", ".join(bounds)


def setting_docs(settings_cls: type[BaseSettings] = Settings) -> list[SettingDoc]:
    """Every field of the settings class, in page order."""
    docs: list[SettingDoc] = []
    for group, names in setting_groups(settings_cls):
        for name in names:
            field = settings_cls.model_fields[name]
            docs.append(
                SettingDoc(
                    name=name,
                    env=env_name(name),
                    group=group,
                    type=type_label(field.annotation),
                    default=default_label(name, field),
                    constraints=constraints_label(field),
                    description=md_text(field.description or ""),
                    secret=_is_secret(field.annotation),
                )
            )
    return docs


def configuration_page(settings_cls: type[BaseSettings] = Settings) -> str:
    """The configuration reference, as Markdown."""
    docs = setting_docs(settings_cls)
    lines = [
        "# Configuration reference",
        "",
        '!!! note "Generated"',
        "    This page is generated at build time from `cityzen_connector.settings.Settings`"
        " (`docs/_hooks.py`). To change a line, change the field's `description` in"
        " `settings.py`.",
        "",
        f"{len(docs)} settings. Each is an environment variable (a Function App application"
        " setting in Azure): `CITYZEN_` followed by the field's name in upper case. Every"
        " default means embedded local mode. How the values are read, checked and reported"
        " when wrong: [Configuration](../configuration.md).",
        "",
    ]
    for group, _ in setting_groups(settings_cls):
        lines += [f"## {group}", ""]
        rows = [
            (
                md_code(doc.env),
                ", ".join(part for part in (doc.type, doc.constraints) if part),
                doc.default,
                doc.description,
            )
            for doc in docs
            if doc.group == group
        ]
        lines += _table(("Variable", "Type", "Default", "Description"), rows)
        lines.append("")
    return "\n".join(lines)


# -- API reference ------------------------------------------------------------------------------


def _anchor(schema_name: str) -> str:
    return "schema-" + schema_name.lower()


def schema_label(schema: Mapping[str, Any]) -> str:
    """A JSON Schema as a short phrase, ``$ref``s as links to their section."""
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if "const" in schema:
        return md_code(json.dumps(schema["const"], ensure_ascii=False))
    if "enum" in schema:
        values = (md_code(json.dumps(v, ensure_ascii=False)) for v in schema["enum"])
        return "one of " + ", ".join(values)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(schema_label(item) for item in schema[key])
    return _typed_label(schema)


def _typed_label(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    if kind == "array":
        return "array of " + schema_label(schema.get("items", {}))
    if kind == "object":
        if isinstance(schema.get("additionalProperties"), Mapping):
            return "object of " + schema_label(schema["additionalProperties"])
        members = ", ".join(
            f"{md_code(name)}: {schema_label(spec)}"
            for name, spec in schema.get("properties", {}).items()
        )
        return f"object ({members})" if members else "object"
    if isinstance(kind, str):
        detail = schema.get("format") or schema.get("contentMediaType")
        return f"{kind} ({detail})" if detail else kind
    return "any"


def _schema_notes(schema: Mapping[str, Any]) -> str:
    notes: list[str] = []
    if schema.get("description"):
        notes.append(md_text(str(schema["description"])))
    for key, text in (
        ("minLength", "at least {} character(s)"),
        ("maxLength", "at most {} character(s)"),
        ("minItems", "at least {} items"),
        ("maxItems", "at most {} items"),
        ("minimum", "≥ {}"),
        ("maximum", "≤ {}"),
        ("exclusiveMinimum", "> {}"),
        ("exclusiveMaximum", "&lt; {}"),
    ):
        if key in schema:
            notes.append(text.format(schema[key]))
    if "pattern" in schema:
        notes.append("pattern " + md_code(str(schema["pattern"])))
    if "default" in schema and schema["default"] is not None:
        notes.append("default " + md_code(json.dumps(schema["default"], ensure_ascii=False)))
    return "; ".join(notes)


def _callers(operation: Mapping[str, Any], schemes: Mapping[str, Any]) -> str:
    requirements = operation.get("security")
    if requirements == []:
        return "anyone"
    names: list[str] = []
    for requirement in requirements or []:
        for name in requirement:
            scheme = schemes.get(name, {})
            if scheme.get("type") == "apiKey":
                names.append(f"function key ({md_code(str(scheme.get('name', name)))} header)")
            elif scheme.get("scheme") == "bearer" and scheme.get("description"):
                # A scheme that says who issues its tokens (the ops routes' Entra ID tokens).
                names.append(f"bearer token ({md_code(name)}): {md_text(scheme['description'])}")
            elif scheme.get("scheme") == "bearer":
                names.append("bearer token (`Authorization: Bearer …`)")
            else:
                names.append(md_code(name))
    return " or ".join(names) or "anyone"


def problem_codes_for(status: int) -> list[str]:
    """The catalogue's problem codes answered with this HTTP status."""
    return [code.value for code, entry in CATALOGUE.items() if entry.status == status]


def _content_labels(content: Mapping[str, Any]) -> str:
    return "<br>".join(
        f"{md_code(media)}: {schema_label(body.get('schema', {}))}"
        for media, body in content.items()
    )


def _operation_section(path: str, method: str, operation: Mapping[str, Any], doc: Any) -> list[str]:
    schemes = doc.get("components", {}).get("securitySchemes", {})
    lines = [
        f"### `{method.upper()} {path}`",
        "",
        md_text(str(operation.get("summary", ""))),
        "",
        f"- Operation id: {md_code(str(operation.get('operationId', '')))}",
        f"- Who may call: {_callers(operation, schemes)}",
    ]
    for parameter in operation.get("parameters", []):
        required = "required" if parameter.get("required") else "optional"
        lines.append(
            f"- Parameter {md_code(str(parameter['name']))} in {parameter['in']}, {required}:"
            f" {schema_label(parameter.get('schema', {}))}"
        )
    body = operation.get("requestBody")
    if body:
        for media, content in body.get("content", {}).items():
            lines.append(
                f"- Request body {md_code(media)}: {schema_label(content.get('schema', {}))}"
            )
    lines.append("")
    rows = []
    for status, response in sorted(operation.get("responses", {}).items()):
        content = response.get("content", {})
        codes = (
            ", ".join(md_code(code) for code in problem_codes_for(int(status)))
            if "application/problem+json" in content
            else ""
        )
        headers = ", ".join(md_code(name) for name in response.get("headers", {}))
        rows.append(
            (
                f"**{status}**",
                md_text(str(response.get("description", ""))),
                _content_labels(content),
                headers,
                codes,
            )
        )
    lines += _table(("Status", "Meaning", "Body", "Headers", "Problem codes"), rows)
    lines.append("")
    return lines


def _schema_section(name: str, schema: Mapping[str, Any]) -> list[str]:
    lines = [f"### {name} {{ #{_anchor(name)} }}", ""]
    if schema.get("description"):
        lines += [md_text(str(schema["description"])), ""]
    properties: Mapping[str, Any] = schema.get("properties", {})
    if not properties:
        lines += [f"Type: {schema_label({k: v for k, v in schema.items() if k != 'title'})}", ""]
        return lines
    required = set(schema.get("required", []))
    rows = [
        (
            md_code(prop),
            schema_label(spec),
            "yes" if prop in required else "",
            _schema_notes(spec),
        )
        for prop, spec in properties.items()
    ]
    lines += _table(("Property", "Type", "Required", "Notes"), rows)
    if schema.get("additionalProperties") is False:
        lines += ["", "No other property is accepted."]
    lines.append("")
    return lines


def api_page(document: Mapping[str, Any]) -> str:
    """The HTTP API reference, as Markdown, from an OpenAPI 3.1 document."""
    info = document.get("info", {})
    paths: Mapping[str, Mapping[str, Any]] = document.get("paths", {})
    schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})
    lines = [
        "# HTTP API reference",
        "",
        '!!! note "Generated"',
        "    This page is generated at build time from `cityzen_connector.api.openapi_document()`"
        " (`docs/_hooks.py`), the document every deployment serves at"
        " `GET /api/v1/openapi.json`. The raw document: [openapi.json](openapi.json).",
        "",
        f"{md_text(str(info.get('title', '')))}, version {md_code(str(info.get('version', '')))}"
        f", OpenAPI {md_code(str(document.get('openapi', '')))}. How the API behaves"
        " (auth modes, idempotency, attachments, problem details): [HTTP API](../api.md).",
        "",
        "## Routes",
        "",
    ]
    lines += _table(
        ("Method", "Path", "Who may call", "Summary"),
        (
            (
                method.upper(),
                md_code(path),
                _callers(operation, document.get("components", {}).get("securitySchemes", {})),
                md_text(str(operation.get("summary", ""))),
            )
            for path, operations in paths.items()
            for method, operation in operations.items()
        ),
    )
    lines.append("")
    for path, operations in paths.items():
        for method, operation in operations.items():
            lines += _operation_section(path, method, operation, document)
    codes = schemas.get("ProblemCode", {}).get("enum", [code.value for code in ProblemCode])
    lines += [
        "## Problem codes",
        "",
        "Every error is `application/problem+json`; clients branch on `code`.",
        "",
    ]
    rows = []
    for code in codes:
        entry = CATALOGUE[ProblemCode(code)]
        rows.append((md_code(code), str(entry.status), md_text(entry.en), md_text(entry.fr)))
    lines += _table(("Code", "Status", "English", "French"), rows)
    lines += ["", "## Schemas", ""]
    for name, schema in schemas.items():
        lines += _schema_section(name, schema)
    return "\n".join(lines)


def openapi_json(document: Mapping[str, Any]) -> str:
    """The raw document published beside the page (readable: indented, UTF-8)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# -- mkdocs event --------------------------------------------------------------------------------


def on_files(files: Files, config: MkDocsConfig) -> Files:
    document = openapi_document()
    pages = {
        CONFIGURATION_PAGE: configuration_page(),
        API_PAGE: api_page(document),
        OPENAPI_FILE: openapi_json(document),
    }
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files

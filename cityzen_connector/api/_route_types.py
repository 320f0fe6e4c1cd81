"""The routing table's types: a route, its operations, their parameters and answers.

Apart from ``_routes`` so that the facades' own tables (``open311/_routes.py``) build on them
without importing the whole table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# anonymous: anyone; function: a function key (probes); caller: a function key (the trusted
# portal) or a bearer token (a citizen), as CITYZEN_AUTH_MODE says; ops: an Entra ID access
# token of the ops tenant with the ops app role, never a function key (api/_ops.py says why).
Access = Literal["anonymous", "function", "caller", "ops"]
# The name of a schema ``_openapi.schema_objects()`` knows (a pydantic model or a union).
Schema = str | None
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PREFIX = "/api"  # host.json's default routePrefix


@dataclass(frozen=True)
class Answer:
    description: str
    schema: Schema = None  # None: no body (or a problem, for 4xx/5xx)
    headers: tuple[str, ...] = ()  # response headers worth documenting
    sometimes: tuple[str, ...] = ()  # headers sent with some of these answers only
    media_type: str | None = None  # a body that is not JSON (text/csv), documented as text
    xml: bool = False  # also as text/xml (Open311's .xml resources), documented as text


@dataclass(frozen=True)
class Param:
    """A query parameter. Its JSON Schema is given inline, or named: then it is ``_openapi``'s
    ``query_schemas(contract)[schema]`` (some bounds are the deployment's own, read from its
    ``ApiContract``). The handler checks it the same way; anything else is a 400 naming it."""

    name: str
    schema: str | Mapping[str, object]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    operation_id: str
    summary: str
    answers: Mapping[int, Answer]
    request_body: Schema = None
    multipart: bool = False
    headers: tuple[str, ...] = ()
    # The query parameters: a model whose fields are the parameters (``_openapi`` lists them).
    query: Schema = None
    # Query parameters one by one, some bounded by the deployment (``Param``).
    params: tuple[Param, ...] = ()
    # The request body's media type when it is not application/json (a merge patch).
    body_media_type: str | None = None
    # Headers of ``headers`` the operation cannot do without (If-Match on a PATCH: 428).
    required_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Route:
    """``template`` is below ``/api`` (Azure's ``route``, with a leading slash)."""

    template: str
    function_name: str
    access: Access
    operations: tuple[Operation, ...] = field(default=())

    def allowed(self) -> tuple[str, ...]:
        """What ``Allow`` lists (RFC 9110 section 10.2.1): the operations' methods, ``HEAD``
        wherever there is ``GET`` (section 9.3.2: the same answer without content) and
        ``OPTIONS``, which every route answers with this list."""
        methods = [op.method for op in self.operations]
        if "GET" in methods:
            methods.append("HEAD")
        return (*methods, "OPTIONS")

    def operation_for(self, method: str) -> Operation | None:
        """The operation that answers ``method``: a ``HEAD`` is answered as its ``GET``."""
        return self.operation("GET" if method == "HEAD" else method)

    def operation(self, method: str) -> Operation | None:
        return next((op for op in self.operations if op.method == method), None)

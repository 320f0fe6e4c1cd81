"""The OpenAPI document's schemas: what the routing table's schema names stand for, and every
model's JSON Schema collected once into ``components/schemas`` (pydantic's ``json_schemas``
names and references them, JSON Schema 2020-12 as OpenAPI 3.1 takes it)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from cityzen_connector.models import Citizen, Problem

from ._routes import ROUTES, Schema

REF = "#/components/schemas/{model}"
# Form-encoded bodies (Open311's POSTs): their model's properties, none of them null.
FORMS = ("Open311RequestForm", "Open311UpdateForm")
# A file served as it is (an agent's attachment): its real type, one of those a note may hold.
FILE_SCHEMA = "File"


def schema_objects() -> dict[str, Any]:
    """What the routing table's schema names stand for."""
    from cityzen_connector.models import (  # noqa: PLC0415 - see _routes
        AgendaPage,
        AgentsPlanView,
        AgentsReportView,
        DataExportAccepted,
        DataExportBody,
        DataExportStatus,
        DeadLetterPage,
        ErasureAccepted,
        ErasureRequestBody,
        MessageAccepted,
        MyRequestsPage,
        MyRequestsParams,
        NewsPage,
        Open311CreatedList,
        Open311Discovery,
        Open311Errors,
        Open311RequestForm,
        Open311Requests,
        Open311ServiceDefinition,
        Open311Services,
        Open311Tokens,
        Open311UpdateForm,
        Open311Updates,
        Open311UpdatesAccepted,
        OpenDataDocument,
        ProfilePatch,
        ProfileView,
        QueuesView,
        ReplayRequest,
        ReplayResult,
        StatsReport,
        SubmissionStatus,
        ThreadView,
    )
    from cityzen_connector.portal import (  # noqa: PLC0415
        AddressResults,
        AddressReverseParams,
        AddressSearchParams,
        PopularSearches,
        SearchResults,
        Suggestions,
    )
    from cityzen_connector.sync import Liveness, Readiness, ThemeTree  # noqa: PLC0415
    from cityzen_connector.sync.intake import (  # noqa: PLC0415
        AcceptedResponse,
        CitizenMessageBody,
        SubmissionRequest,
    )

    return {
        "Accepted": AcceptedResponse,
        "DataExportAccepted": DataExportAccepted,
        "DataExportBody": DataExportBody,
        "DataExportStatus": DataExportStatus,
        "ErasureAccepted": ErasureAccepted,
        "ErasureRequestBody": ErasureRequestBody,
        "StatusView": SubmissionStatus,
        "MyRequestsPage": MyRequestsPage,
        "MyRequestsParams": MyRequestsParams,
        "ThreadView": ThreadView,
        "MessageAccepted": MessageAccepted,
        "CitizenMessageBody": CitizenMessageBody,
        "ThemeTree": ThemeTree,
        "Liveness": Liveness,
        "Readiness": Readiness,
        "SubmissionRequest": SubmissionRequest,
        "AddressResults": AddressResults,
        "AddressSearchParams": AddressSearchParams,
        "AddressReverseParams": AddressReverseParams,
        "SearchResults": SearchResults,
        "Suggestions": Suggestions,
        "PopularSearches": PopularSearches,
        "NewsPage": NewsPage,
        "AgendaPage": AgendaPage,
        "QueuesView": QueuesView,
        "DeadLetterPage": DeadLetterPage,
        "ReplayRequest": ReplayRequest,
        "ReplayResult": ReplayResult,
        "AgentsPlanView": AgentsPlanView,
        "AgentsReportView": AgentsReportView,
        "StatsReport": StatsReport,
        "OpenDataDocument": OpenDataDocument,
        "Open311Discovery": Open311Discovery,
        "Open311Services": Open311Services,
        "Open311ServiceDefinition": Open311ServiceDefinition,
        "Open311CreatedList": Open311CreatedList,
        "Open311Requests": Open311Requests,
        "Open311Tokens": Open311Tokens,
        "Open311Updates": Open311Updates,
        "Open311UpdatesAccepted": Open311UpdatesAccepted,
        "Open311Errors": Open311Errors,
        "Open311RequestForm": Open311RequestForm,
        "Open311UpdateForm": Open311UpdateForm,
        "ProfileView": ProfileView,
        "ProfilePatch": ProfilePatch,
    }


def adapter(schema: Schema) -> TypeAdapter[Any]:
    assert schema is not None
    return TypeAdapter(schema_objects()[schema])


def schema_key(schema: Schema) -> str:
    return schema or ""


def collect_schemas() -> tuple[dict[tuple[str, str], Any], dict[str, Any]]:
    inputs: dict[tuple[str, str], TypeAdapter[Any]] = {
        ("Problem", "serialization"): TypeAdapter(Problem),
        ("Citizen", "validation"): TypeAdapter(Citizen),
    }
    for route in ROUTES:
        for op in route.operations:
            if op.request_body is not None and op.request_body not in FORMS:
                inputs[(schema_key(op.request_body), "validation")] = adapter(op.request_body)
            for answer in op.answers.values():
                if answer.schema not in (None, FILE_SCHEMA):
                    inputs[(schema_key(answer.schema), "serialization")] = adapter(answer.schema)
    mapping, definitions = TypeAdapter.json_schemas(
        [(key, mode, adapter) for (key, mode), adapter in inputs.items()],  # type: ignore[misc]
        ref_template=REF,
    )
    refs: dict[tuple[str, str], Any] = dict(mapping.items())
    return refs, dict(definitions.get("$defs", {}))

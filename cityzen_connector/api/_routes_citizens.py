"""The citizen's own routes: their requests, their record, their data-protection rights."""

from __future__ import annotations

from ._route_answers import AUTH, COMMON, ME
from ._route_types import Answer, Operation, Param, Route

CITIZEN_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/citizens/me/requests",
        "my_requests",
        "caller",
        (
            Operation(
                "GET",
                "listMyRequests",
                "The citizen's requests, whatever channel they came through, newest first",
                {
                    200: Answer("A page of requests", "MyRequestsPage", ("Cache-Control",)),
                    422: Answer("A paging parameter or the citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
                query="MyRequestsParams",
            ),
        ),
    ),
    Route(
        "/v1/citizens/me",
        "my_profile",
        "caller",
        (
            Operation(
                "GET",
                "getMyProfile",
                "The citizen's record: contact details, certified identity (read only),"
                " notification preferences, changes waiting and conflicts (docs/profile.md)",
                {
                    200: Answer("The record", "ProfileView", ("ETag", "Cache-Control")),
                    404: Answer("No record yet: it is created with the first request"),
                    422: Answer("The citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
            Operation(
                "PATCH",
                "patchMyProfile",
                "Change contact details (queued, applied to Dynamics 365 field by field) and"
                " notification preferences (at once); If-Match: the ETag read",
                {
                    200: Answer("Preferences changed", "ProfileView", ("ETag", "Cache-Control")),
                    202: Answer(
                        "Contact changes queued (listed in pending)",
                        "ProfileView",
                        ("ETag", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("No record yet: it is created with the first request"),
                    412: Answer("The record changed since it was read (profile_changed)"),
                    413: Answer("The body is too large"),
                    415: Answer("Not application/merge-patch+json"),
                    422: Answer("Invalid fields, or a certified field (certified_field)"),
                    428: Answer("If-Match is missing (precondition_required)"),
                    **AUTH,
                    **COMMON,
                },
                request_body="ProfilePatch",
                headers=("If-Match", "CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
                body_media_type="application/merge-patch+json",
                required_headers=("If-Match",),
            ),
        ),
    ),
)
# The citizen's data-protection rights (api/_rights.py, docs/rgpd.md).
_NOT_YOURS = Answer("No such export, or not yours (a wrong token reads the same)")
RIGHTS_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/citizens/me/data-export",
        "data_export",
        "caller",
        (
            Operation(
                "POST",
                "requestDataExport",
                "Ask for a copy of everything held about the citizen (RGPD articles 15 and 20):"
                " prepared in the background, downloadable once through the link answered",
                {
                    202: Answer(
                        "Accepted; Location names its status, download is the one-time link",
                        "DataExportAccepted",
                        ("Location", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    409: Answer("An export of theirs is still being prepared: poll it"),
                    413: Answer("The body is too large"),
                    415: Answer("The body is not application/json"),
                    422: Answer("Invalid fields or citizen's headers, each listed"),
                    **AUTH,
                    **COMMON,
                },
                request_body="DataExportBody",
                headers=ME,
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/data-export/{id}",
        "data_export_status",
        "caller",
        (
            Operation(
                "GET",
                "getDataExport",
                "Where an export stands: pending, ready, downloaded or expired",
                {
                    200: Answer("The export's state", "DataExportStatus", ("Cache-Control",)),
                    404: _NOT_YOURS,
                    422: Answer("The citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=ME,
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/data-export/{id}/file",
        "data_export_file",
        "caller",
        (
            Operation(
                "GET",
                "downloadDataExport",
                "The export file (JSON with a readable summary), once: it is deleted as it is sent",
                {
                    200: Answer(
                        "The file",
                        "File",
                        ("Content-Disposition", "X-Content-Type-Options", "Cache-Control"),
                    ),
                    404: _NOT_YOURS,
                    409: Answer("Not ready yet: poll its status"),
                    410: Answer("Downloaded already, or the link expired: ask for a new export"),
                    422: Answer("The citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=ME,
                params=(
                    Param(
                        "token",
                        {"type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"},
                        "The token of the link the export request answered.",
                        required=True,
                    ),
                ),
            ),
        ),
    ),
    Route(
        "/v1/citizens/me/erasure-request",
        "erasure_request",
        "caller",
        (
            Operation(
                "POST",
                "requestErasure",
                "Ask for erasure (RGPD article 17) or object to the processing (article 21): a"
                " request filed for the data protection officer, followed as any request",
                {
                    202: Answer(
                        "Filed and queued; Location names its status",
                        "ErasureAccepted",
                        ("Location", "Cache-Control"),
                    ),
                    400: Answer("The body is not valid JSON"),
                    409: Answer("This id was used for a different request"),
                    413: Answer("The body is too large"),
                    415: Answer("The body is not application/json"),
                    422: Answer("Invalid fields or citizen's headers, each listed"),
                    **AUTH,
                    **COMMON,
                },
                request_body="ErasureRequestBody",
                headers=ME,
            ),
        ),
    ),
)

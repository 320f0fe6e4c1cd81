"""The routes of a citizen's requests: filing one, its status, its conversation and files."""

from __future__ import annotations

from ._route_answers import AUTH, COMMON
from ._route_types import Answer, Operation, Route

REQUEST_ROUTES: tuple[Route, ...] = (
    Route(
        "/v1/requests",
        "submit_request",
        "caller",
        (
            Operation(
                "POST",
                "submitRequest",
                "File a citizen's request (JSON with base64 files, or multipart/form-data)",
                {
                    202: Answer(
                        "Accepted and queued; Location names its status", "Accepted", ("Location",)
                    ),
                    400: Answer("The body is not valid JSON (or multipart)"),
                    409: Answer("This id was used for a different request, or is in flight"),
                    413: Answer("The body or an attachment is too large"),
                    415: Answer("Content type or file type not accepted"),
                    422: Answer("Invalid fields, each listed"),
                    **AUTH,
                    **COMMON,
                },
                request_body="SubmissionRequest",
                multipart=True,
                headers=("Idempotency-Key",),
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}",
        "request_status",
        "caller",
        (
            Operation(
                "GET",
                "getRequestStatus",
                "Where a request stands: queued, created (ticket number, the case's status as"
                " the citizen reads it and its history) or failed (reason)",
                {
                    200: Answer("The status", "StatusView"),
                    404: Answer("No such request, or not yours"),
                    **AUTH,
                    **COMMON,
                },
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}/messages",
        "request_messages",
        "caller",
        (
            Operation(
                "GET",
                "listRequestMessages",
                "The conversation on a request, both directions, oldest first (with each"
                " attachment's name, type and size); only for the citizen who filed it",
                {
                    200: Answer("The thread", "ThreadView", ("Cache-Control",)),
                    404: Answer("No such request, or not yours"),
                    422: Answer("The citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
            Operation(
                "POST",
                "postRequestMessage",
                "The citizen writes on their open request (JSON, or multipart with a JSON part"
                " 'message' and files; text of 2,000 characters at most); queued, then written"
                " to the case's timeline in one change set",
                {
                    202: Answer("Accepted and queued", "MessageAccepted"),
                    400: Answer("The body is not valid JSON"),
                    404: Answer("No such request, or not yours"),
                    409: Answer("The request is closed, or this message id was another message"),
                    413: Answer("The body is too large"),
                    415: Answer("Content type not accepted"),
                    422: Answer("Invalid fields, each listed"),
                    **AUTH,
                    **COMMON,
                },
                request_body="CitizenMessageBody",
                multipart=True,
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
        ),
    ),
    Route(
        "/v1/requests/{id}/messages/{message_id}/attachments/{n}",
        "request_message_attachment",
        "caller",
        (
            Operation(
                "GET",
                "getRequestMessageAttachment",
                "A file an agent attached to a message (n: its position in the message's"
                " attachments, from 0), with its real type, as a download; only for the citizen"
                " who filed the request",
                {
                    200: Answer(
                        "The file",
                        "File",
                        ("Content-Disposition", "X-Content-Type-Options", "Cache-Control"),
                    ),
                    404: Answer("No such request, message or file, or not yours"),
                    422: Answer("The citizen's headers are not valid"),
                    **AUTH,
                    **COMMON,
                },
                headers=("CityZen-Citizen-Issuer", "CityZen-Citizen-Sub"),
            ),
        ),
    ),
)

"""Dataverse's documented error cases, one builder per case: each returns the
:class:`ODataError` (status, code, message) Dataverse answers in that case.

Replies follow the ``{"error": {"code", "message"}}`` shape of
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
Codes and messages are the ones Microsoft documents for each case (Microsoft Learn pages cited
per function); where Microsoft's examples show an empty code (conditional operations), the code
is empty here too.
"""

from __future__ import annotations

from cityzen_connector.emulator._errors import ODataError


def segment_not_found(segment: str) -> ODataError:
    # Troubleshoot Dataverse Web API client errors: "Resource not found for the segment".
    return ODataError(404, "0x8006088a", f"Resource not found for the segment '{segment}'.")


def unknown_property(prop: str, entity: str) -> ODataError:
    # Troubleshoot Dataverse Web API client errors: the documented code is "0x0".
    return ODataError(
        400,
        "0x0",
        f"Could not find a property named '{prop}' on type 'Microsoft.Dynamics.CRM.{entity}'.",
    )


def record_not_found(entity: str, record_id: str, *, empty_code: bool = False) -> ODataError:
    # Perform conditional operations: the "prevent create in upsert" example shows code "".
    code = "" if empty_code else "0x80040217"
    return ODataError(404, code, f"{entity} With Id = {record_id} Does Not Exist")


def version_mismatch() -> ODataError:
    # Perform conditional operations: optimistic concurrency, documented code "".
    return ODataError(
        412,
        "",
        "The version of the existing record doesn't match the RowVersion property provided.",
    )


def already_exists(*, empty_code: bool) -> ODataError:
    # Perform conditional operations ("prevent update in upsert") documents code ""; a plain
    # create that reuses a primary key answers 0x80040237 (DuplicateRecord).
    return ODataError(
        412, "" if empty_code else "0x80040237", "A record with matching key values already exists."
    )


def query_error(message: str) -> ODataError:
    # OData URI parser errors surface as 0x80060888 (e.g. "Syntax error at position …").
    return ODataError(400, "0x80060888", message)


def syntax_error(position: int, text: str) -> ODataError:
    return query_error(f"Syntax error at position {position} in '{text}'.")


def payload_error(entity_set: str, detail: str) -> ODataError:
    # Troubleshoot Dataverse Web API client errors: "Error identified in Payload provided by
    # the user for Entity" (0x80048d19).
    return ODataError(
        400,
        "0x80048d19",
        f"Error identified in Payload provided by the user for Entity :'{entity_set}', For more "
        "information on this error please follow this help link "
        "https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : "
        f"Microsoft.OData.ODataException: {detail}",
    )


def not_a_number(entity_set: str, text: str) -> ODataError:
    # OData's JSON reader (odata.net, Microsoft.OData.Core.txt, JsonReader_InvalidNumberFormat)
    # answers this for a number no Int32, Decimal or Double holds (a 5,000-digit integer, 1e400,
    # NaN). Microsoft Learn documents no reply for it: the documented payload error code.
    shown = text if len(text) <= 100 else text[:100] + "…"
    return payload_error(entity_set, f"Invalid JSON. The value '{shown}' is not a valid number.")


def undeclared_property(entity_set: str, prop: str, entity: str) -> ODataError:
    return payload_error(
        entity_set,
        f"The property '{prop}' does not exist on type 'Microsoft.Dynamics.CRM.{entity}'. Make "
        "sure to only use property names that are defined by the type or mark the type as open "
        "type.",
    )


def too_long(attribute: str, entity: str, max_length: int) -> ODataError:
    # Execute batch operations, "Handling errors" example (0x80044331).
    return ODataError(
        400,
        "0x80044331",
        f"A validation error occurred.  The length of the '{attribute}' attribute of the "
        f"'{entity}' entity exceeded the maximum allowed length of '{max_length}'.",
    )


def key_not_usable(entity: str) -> ODataError:
    # EntityKeyNotDefined (0x80060890) from the web service error codes list. Dataverse also
    # refuses keys whose index is not Active yet; it reports them the same way.
    return ODataError(
        400,
        "0x80060890",
        f"The specified key attributes are not a defined key for the {entity} entity",
    )


def duplicate_key_value(values: str, key: str) -> ODataError:
    # DuplicateRecordEntityKey (0x80060892) from the web service error codes list:
    # "Entity Key {0} violated. A record with the same value for {1} already exists. ..."
    # (0x80060893 is EntityKeyNameExists, a metadata error.)
    return ODataError(
        412,
        "0x80060892",
        f"Entity Key {key} violated. A record with the same value for {values} already exists. "
        "A duplicate record cannot be created. Select one or more unique values and try again.",
    )


def bad_request(message: str, code: str = "0x80040203") -> ODataError:
    # 0x80040203 is InvalidArgument in the web service error codes list.
    return ODataError(400, code, message)


def method_not_allowed(method: str) -> ODataError:
    return ODataError(405, "0x80060888", f"The HTTP method '{method}' is not allowed here.")


def not_emulated(what: str, page: str, code: str = "0x80060888") -> ODataError:
    # Dataverse would serve this; the emulator does not, and says so rather than answering
    # something else. ``page`` names the Microsoft Learn page that documents the feature.
    return ODataError(
        400,
        code,
        f"The Dataverse emulator does not emulate {what} (Microsoft Learn: {page}).",
    )


def duplicate_association() -> ODataError:
    # DuplicateRecord (0x80040237) in the web service error codes list, "Cannot insert
    # duplicate key.": what Dataverse answers when a many-to-many pair is associated twice.
    return ODataError(412, "0x80040237", "Cannot insert duplicate key.")

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


# -- state, status and the case lifecycle ----------------------------------------------------


def invalid_state_status() -> ODataError:
    # InvalidStateCodeStatusCode (0x80048408), web service error codes: a status reason must
    # belong to its state (Microsoft Learn, "Define custom state model transitions").
    return ODataError(
        400,
        "0x80048408",
        "State code is invalid or state code is valid but status code is invalid for a "
        "specified state code.",
    )


def use_close_incident() -> ODataError:
    # Resolving a case takes the CloseIncident message ("Define custom state model
    # transitions"; the incident table reference lists CloseIncident beside SetState). The
    # platform's answer to a plain update, as clients report it, follows the documented
    # template of CannotUseOpportunitySetStateMessage (0x80100005, "This message can not be
    # used to set the state of opportunity to {0}. In order to set state of opportunity to
    # {1}, use the {1} message instead."); no incident-specific code is documented, so the
    # emulator answers that one, the closest.
    return ODataError(
        400,
        "0x80100005",
        "This message can not be used to set the state of incident to Resolved. In order to "
        "set state of incident to Resolved, use the CloseIncidentRequest message instead.",
    )


def incident_already_closed() -> ODataError:
    # IncidentIsAlreadyClosedOrCancelled (0x80044411), web service error codes.
    return ODataError(400, "0x80044411", "Already Closed or Canceled")


def incident_missing() -> ODataError:
    # IncidentMissingActivityRegardingObject (0x80044409), web service error codes.
    return ODataError(400, "0x80044409", "The incident id is missing.")


# -- impersonation (CallerObjectId) ----------------------------------------------------------


def invalid_principal() -> ODataError:
    # "Impersonate another user using the Web API" documents no reply for an object id that
    # names no user. The closest documented case is unManagedinvalidprincipal (0x8004049e, "The
    # principal id is missing or invalid."), which "Compose HTTP requests and handle errors"
    # lists among the 403 Forbidden errors.
    return ODataError(403, "0x8004049e", "The principal id is missing or invalid.")


def user_not_enabled() -> ODataError:
    # unManagedidsusernotenabled (0x80040225), web service error codes; a disabled user's
    # requests are answered 400 (PowerPlatform-DataverseServiceClient issue #71).
    return ODataError(
        400,
        "0x80040225",
        "The specified user is either disabled or is not a member of any business unit.",
    )


# -- change tracking ("Use change tracking to synchronize data with external systems", Microsoft
# Learn, power-apps/developer/data-platform/use-change-tracking-synchronize-data-external-systems)


def change_tracking_not_enabled(entity: str) -> ODataError:
    # ChangeTrackingNotEnabledForEntity (0x80072491), web service error codes:
    # "Entity {0} isn't enabled for change tracking."
    return ODataError(400, "0x80072491", f"Entity {entity} isn't enabled for change tracking.")


def option_with_change_tracking(option: str) -> ODataError:
    # The page documents the message, not its code: the code of OData URI errors.
    return query_error(
        f'The "{option}" query parameter isn\'t supported when Change Tracking is enabled.'
    )


def expired_version_stamp() -> ODataError:
    # ExpiredVersionStamp (0x80044352), web service error codes: a token older than the
    # organization's ExpireChangeTrackingInDays (7 by default).
    return ODataError(
        400,
        "0x80044352",
        "Version stamp associated with the client has expired. Please perform a full sync.",
    )


# -- FetchXML ("Use FetchXml to query data" and the FetchXml reference, Microsoft Learn). The
# codes and messages are the QueryBuilder entries of "Web service error codes"
# (power-apps/developer/data-platform/reference/web-service-error-codes), by case; the emulator
# appends what it was given (an element's or column's name) after the documented sentence.
_QUERY_BUILDER = {
    "invalid_node": ("0x8004111c", "The element node encountered is invalid."),
    "element_missing": ("0x80041123", "A required element was not specified."),
    "attribute_missing": ("0x8004111e", "A required attribute was not specified."),
    "not_positive": ("0x8004110c", "A value greater than zero must be specified."),
    "invalid_aggregate": ("0x8004111a", "An error occurred while processing Aggregates in Query"),
    "filter_type": ("0x80041122", "Unsupported filter type. Valid values are 'and', or 'or'."),
    "operator": ("0x80041120", "Unsupported condition operator."),
    "link_type": (
        "0x80041117",
        "The only valid values for link-type attribute are 'natural', 'inner','in','exists',"
        "'matchfirstrowusingcrossapply' and 'outer'.",
    ),
    "no_entity": ("0x80041102", "The specified entity was not found."),
    "no_attribute": ("0x80041103", "The specified attribute does not exist on this entity."),
    "entities_differ": (
        "0x80041128",
        "The entity name specified in fetchxml does not match the entity name specified in the "
        "Entity or Query Expression.",
    ),
    "link_types_differ": (
        "0x80041104",
        "Data Types don't match for the link-entity join attributes.",
    ),
    "duplicate_alias": ("0x80041130", "FetchXML should have unique aliases."),
    "no_alias": (
        "0x8004110a",
        "The specified alias for the given entity in the condition does not exist.",
    ),
    "aggregate_alias": ("0x80041109", "Invalid alias for aggregate operation."),
    "attribute_with_aggregate": (
        "0x80041107",
        "Attributes can not be returned when aggregate operation is specified.",
    ),
    "groupby_and_aggregate": (
        "0x80041137",
        "An attribute can either be an aggregate or a Group By but not both",
    ),
    "aggregate_order_attribute": (
        "0x80041131",
        "An attribute cannot be specified for an order clause for an aggregate Query. Use an "
        "alias.",
    ),
    "plain_order_alias": (
        "0x80041132",
        "An alias cannot be specified for an order clause for a non-aggregate Query. Use an "
        "attribute.",
    ),
    "aggregate_order_alias": (
        "0x80041134",
        "An alias is required for an order clause for an aggregate Query.",
    ),
    "plain_order_attribute": (
        "0x80041133",
        "An attribute is required for an order clause for a non-aggregate Query.",
    ),
    "aggregate_type": ("0x8004112F", "Aggregate {0} is not supported for attribute of type {1}."),
    "invalid_value": ("0x80041108", "Invalid value specified for type."),
    "paging_order": ("0x80041129", "Order by columns do not match those in paging cookie."),
    "paging_cookie": ("0x8004112A", "Invalid page number in paging cookie."),
    "distinct": (
        "0x80041115",
        "The only valid values for distinct attribute are 'true', 'false', '1', and '0'.",
    ),
    "descending": (
        "0x80041119",
        "The only valid values for descending attribute are 'true', 'false', '1', and '0'.",
    ),
    "groupby": (
        "0x8004112E",
        "The only valid values for groupby attribute are 'true', 'false', '1', and '0'.",
    ),
    # Listed under their own names: AggregateQueryRecordLimitExceeded and the link-entity limit
    # of "Join tables using FetchXml".
    "aggregate_limit": (
        "0x8004E023",
        "The maximum record limit is exceeded. Reduce the number of records.",
    ),
    "too_many_links": ("0x8004430D", "Number of link entities in query exceeded maximum limit."),
}


def query_builder(case: str, detail: str = "", *args: str) -> ODataError:
    """The documented QueryBuilder error of ``case``, with ``detail`` after its sentence."""
    code, message = _QUERY_BUILDER[case]
    text = message.format(*args) if args else message
    return ODataError(400, code, f"{text} {detail}".strip())


def fetch_not_emulated(what: str) -> ODataError:
    """Something Dataverse answers that the emulator does not: refused, named, never guessed."""
    return query_error(
        f"The FetchXML {what} is not emulated by the CityZen Dataverse emulator "
        "(docs/emulator.md lists what is)."
    )


def method_not_emulated(what: str) -> ODataError:
    # Not an error Dataverse gives: a write the emulator does not do (a definition it cannot
    # create or change) is refused loudly with 501, never answered with a silent 200.
    return ODataError(501, "0x80060888", f"{what} is not emulated by the CityZen emulator.")


def knowledge_search_not_emulated(name: str) -> ODataError:
    # Dataverse answers these knowledge-base searches (FullTextSearchKnowledgeArticle: the
    # "knowledgearticle" table reference's messages; the SearchBy*KbArticle functions of the
    # legacy kbarticle table); the emulator does not rank text, so it refuses them by name
    # rather than answering an empty or unranked list.
    return ODataError(
        501,
        "0x80060888",
        f"{name} is not emulated by the CityZen emulator: query knowledgearticles with $filter"
        " (statecode, islatestversion, isinternal, languagelocaleid) instead.",
    )


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


# -- event registrations: service endpoints, steps, images ------------------------------------
# Codes, names and messages from "Web service error codes" (Microsoft Learn,
# https://learn.microsoft.com/power-apps/developer/data-platform/reference/web-service-error-codes).


def message_not_supported(message: str, entity: str) -> ODataError:
    # SdkEntityDoesNotSupportMessage (0x80040800), "The method being invoked does not support
    # provided entity type."; the text is the platform's as clients report it. The HTTP status
    # is not documented: 400, as the other refused requests.
    return ODataError(
        400,
        "0x80040800",
        f"The '{message}' method does not support entities of type '{entity}'. "
        "MessageProcessorCache returned MessageProcessor.Empty.",
    )


def invalid_message_property(name: str, message: str) -> ODataError:
    # SdkInvalidMessagePropertyName (0x8004416b).
    return ODataError(
        400, "0x8004416b", f"Message property name '{name}' is not valid on message {message}."
    )


def invalid_image_type(message: str) -> ODataError:
    # SdkMessageInvalidImageTypeRegistration (0x8004416d).
    return ODataError(400, "0x8004416d", f"Message {message} does not support this image type.")


def image_not_supported(message: str) -> ODataError:
    # SdkMessageDoesNotSupportImageRegistration (0x80044189).
    return ODataError(
        400, "0x80044189", f"Message '{message}' does not support image registration."
    )


def custom_step_not_allowed() -> ODataError:
    # SdkCustomProcessingStepIsNotAllowed (0x80044187).
    return ODataError(
        400,
        "0x80044187",
        "Custom SdkMessageProcessingStep is not allowed on the specified message and entity.",
    )


def acs_not_supported() -> ODataError:
    # ServiceEndpointAcsAuthNotSupported (0x80050209).
    return ODataError(
        400,
        "0x80050209",
        "Service Endpoint with ACS authentication type is no longer supported. Please change "
        "your endpoint configuration to use a supported authentication type",
    )

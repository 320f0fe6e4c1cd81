"""The reply to a create, update or upsert, and which header names the row written.

Microsoft Learn shows four shapes; each is answered as shown:

- "Create a table row using the Web API" (https://learn.microsoft.com/power-apps/developer/
  data-platform/webapi/create-entity-web-api), Basic create: ``204 No Content`` with
  ``OData-EntityId: [Organization URI]/api/data/v9.2/accounts(<guid>)``. The batch examples of
  "Execute batch operations using the Web API" (…/webapi/execute-batch-operations-using-web-api)
  also carry ``Location`` with the same URL.
- Same page, "Create with data returned": ``201 Created`` with the row, and "the
  OData-EntityId header containing the URI to the created record is not returned".
- "Update and delete table rows using the Web API" (…/webapi/update-delete-entities-using-web-api),
  "Update with data returned": ``200 OK`` with ``Preference-Applied: return=representation``
  and the row, no ``OData-EntityId``.
- "Use Upsert to Create or Update a record" (https://learn.microsoft.com/power-apps/developer/
  data-platform/use-upsert-insert-update-record), "Use Web API": a PATCH by alternate key
  answers ``204 No Content`` with ``OData-EntityId: [Organization Uri]/api/data/v9.2/
  example_records(example_key1=2,example_key2=2)`` -- the URL as addressed, not a GUID -- and
  "The response is identical for Create or Update operations" (so no ``Location`` on a PATCH).
  With ``Prefer: return=representation``: ``201 Created`` for a create, ``200 OK`` for an
  update, the row in the body, no ``OData-EntityId``.

A representation always carries the row's primary key, selected or not (as in every Learn
example above), so a client can tell which row it wrote. Inside a ``$batch`` change set a
``$<Content-ID>`` names the row an operation wrote whatever header its reply carried: the GUID
URL travels beside the reply (``Response.entity_url``), never on the wire.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

from cityzen_connector.emulator._http import Request, Response, etag, json_response
from cityzen_connector.emulator._query import (
    check_options,
    parse_expand,
    parse_select,
    row_payload,
    wants_annotations,
)
from cityzen_connector.emulator._records import Records
from cityzen_connector.emulator._schema import Entity
from cityzen_connector.emulator._store import Row

# Printable ASCII stays as sent, but for space, '%', '"' and '\': those and anything outside
# ASCII are percent-encoded, so that the header stays ASCII (RFC 9110 section 5.5). Learn shows
# no key that needs escaping: docs/emulator.md lists this as a known difference.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '%"\\')


def _wants_representation(req: Request) -> bool:
    return req.prefer().get("return") == "representation"


def written_reply(
    records: Records,
    req: Request,
    entity: Entity,
    row: Row,
    *,
    created: bool,
    addressed_key: str | None = None,
) -> Response:
    """``addressed_key``: the text between the parentheses of a PATCH URL (a GUID or an
    alternate key); None for a POST. A POST, or a PATCH by GUID, names the row by GUID."""
    guid_url = f"{req.service_root}{entity.entity_set}({row.id})"
    if _wants_representation(req):
        check_options(req.query, frozenset({"$select", "$expand"}))
        select = parse_select(entity, req.query.get("$select"))
        expand = parse_expand(records, entity, req.query.get("$expand"))
        annotations = wants_annotations(req)
        body = row_payload(records, entity, row, select, expand, annotations=annotations)
        context = f"{req.service_root}$metadata#{entity.entity_set}/$entity"
        body = {"@odata.context": context, **body}
        # One Preference-Applied header listing what was applied (RFC 7240, section 3).
        applied = "return=representation"
        if annotations is not None:
            applied += "," + annotations.applied
        headers = [("Preference-Applied", applied), ("ETag", etag(row.version))]
        response = json_response(201 if created else 200, body, headers)
    elif addressed_key is None:
        response = Response(204, [("OData-EntityId", guid_url), ("Location", guid_url)])
    elif _is_guid(addressed_key):
        response = Response(204, [("OData-EntityId", guid_url)])
    else:
        addressed = f"{req.service_root}{entity.entity_set}({quote(addressed_key, _URL_SAFE)})"
        response = Response(204, [("OData-EntityId", addressed)])
    response.entity_url = guid_url
    return response


def _is_guid(text: str) -> bool:
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True

"""FetchXML queries (``ops.fetch_xml(entity_set, xml)``, a ``DataverseRequest[Page]`` whose page
exposes the paging cookie): what the request asks for, and the next page's fetch element.

"Use FetchXml to query data" (Microsoft Learn, Web API tab): the query goes URL-encoded in the
``fetchXml`` parameter of the entity set (``accounts?fetchXml=%3Cfetch%20top%3D%275%27%3E…``).
"Page results using FetchXml": the paging cookie and more-records annotations come only when
asked for, so the request asks for both; ``Page.paging_cookie`` is the cookie already decoded
(the annotation's ``pagingcookie`` attribute, URL-encoded twice), ready for the next page:
``ops.fetch_xml(entity_set, xml, page=2, paging_cookie=page.paging_cookie)`` sets the fetch
element's ``page`` and ``paging-cookie`` (XML-encoded by the serializer), as the page's
"Following pages" steps say.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from ._errors import InvalidRequestError

# "Prefer: odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,
# Microsoft.Dynamics.CRM.morerecords"" — the header of the page's examples.
PAGING_ANNOTATIONS = (
    'odata.include-annotations="Microsoft.Dynamics.CRM.fetchxmlpagingcookie,'
    'Microsoft.Dynamics.CRM.morerecords"'
)


def with_page(text: str, page: int | None, cookie: str | None) -> str:
    if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 1):
        raise InvalidRequestError("a FetchXML page number is a positive integer")
    if re.search(r"<!(?!--)", text):
        raise InvalidRequestError("a FetchXML query has no DOCTYPE nor declaration")
    try:
        root = ET.fromstring(text)  # noqa: S314 - our own query, declarations refused above
    except ET.ParseError as exc:
        raise InvalidRequestError(f"the FetchXML query is not well-formed XML: {exc}") from None
    if page is not None:
        root.set("page", str(page))
    if cookie is not None:
        root.set("paging-cookie", cookie)  # escaped by the serializer: &lt;cookie page=…
    return ET.tostring(root, encoding="unicode")

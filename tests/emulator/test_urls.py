"""Absolute URLs in replies name the scheme and host the client used, so a client can follow
them: over TLS they are ``https://``, behind any host name they keep it.

"Page results using OData" (Microsoft Learn,
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/page-results) shows
``@odata.nextLink`` as ``[Organization URI]/api/data/v9.2/contacts?$select=fullname&$skiptoken=…``
and "Create a table row using the Web API" shows ``OData-EntityId: [Organization URI]/api/data/
v9.2/accounts(…)``: the organisation URI the client called.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cityzen_connector.dataverse import (
    DataverseClient,
    DataverseConfig,
    Query,
    RequestsTransport,
    StaticTokenProvider,
)
from cityzen_connector.emulator import (
    BASE_PATH,
    EmulatorApp,
    EmulatorConfig,
    create_app,
    serve,
)
from cityzen_connector.testing import FakeClock

from .conftest import call


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[str, Path, EmulatorApp]]:
    app = create_app(EmulatorConfig(), clock=FakeClock())
    handle = serve(app, "127.0.0.1", 0, tls=True, cert_dir=tmp_path)
    assert handle.cert_path is not None
    try:
        yield handle.url, handle.cert_path, app
    finally:
        handle.stop()
        app.close()


def _trusting(cert: Path) -> requests.Session:
    session = requests.Session()
    session.verify = str(cert)
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's verify (psf/requests
    # issue 3829): read no environment, so the generated certificate is the one trusted.
    session.trust_env = False
    return session


def test_our_client_pages_through_more_rows_than_one_page_over_tls(
    tls_server: tuple[str, Path, EmulatorApp],
) -> None:
    url, cert, _app = tls_server
    session = _trusting(cert)
    client = DataverseClient(
        DataverseConfig(url),
        RequestsTransport(session),
        StaticTokenProvider("t"),
        clock=FakeClock(),
    )
    created = client.create_multiple(
        "contacts", "contact", [{"lastname": f"Page {n:02}"} for n in range(5)]
    )
    assert created.ok
    pages = list(client.query_pages(Query("contacts").select("lastname"), page_size=2))
    assert [len(page.records) for page in pages] == [2, 2, 1]
    session.close()


def test_entity_ids_locations_and_contexts_are_https_over_tls(
    tls_server: tuple[str, Path, EmulatorApp],
) -> None:
    url, cert, _app = tls_server
    root = url + BASE_PATH
    with _trusting(cert) as session:
        session.headers["Authorization"] = "Bearer t"
        created = session.post(root + "contacts", json={"lastname": "Tls"}, timeout=10)
        assert created.status_code == 204
        assert created.headers["OData-EntityId"].startswith(root + "contacts(")
        assert created.headers["Location"] == created.headers["OData-EntityId"]
        listed = session.get(
            root + "contacts?$select=lastname",
            headers={"Prefer": "odata.maxpagesize=1"},
            timeout=10,
        ).json()
        anonymous = session.get(root + "WhoAmI", headers={"Authorization": ""}, timeout=10)
    # "Use OAuth authentication with Dataverse": the challenge names the resource called.
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].endswith(f"resource_id={url}/")
    assert listed["@odata.context"] == root + "$metadata#contacts(lastname)"


def test_urls_keep_the_host_and_scheme_of_the_request() -> None:
    app = create_app(EmulatorConfig())
    try:
        environ: dict[str, str | None] = {
            "wsgi.url_scheme": "https",
            "HTTP_HOST": "contoso.crm4.dynamics.com",
        }
        status, headers, _ = call(app, "POST", "contacts", {"lastname": "Host"}, environ=environ)
        assert status == 204
        assert headers["odata-entityid"].startswith(
            "https://contoso.crm4.dynamics.com/api/data/v9.2/contacts("
        )
        # Without a Host header (HTTP/1.0), PEP 3333 builds it from SERVER_NAME and SERVER_PORT.
        environ = {
            "HTTP_HOST": None,
            "wsgi.url_scheme": "https",
            "SERVER_NAME": "example.test",
            "SERVER_PORT": "8443",
        }
        status, headers, _ = call(app, "POST", "contacts", {"lastname": "Name"}, environ=environ)
        assert headers["odata-entityid"].startswith("https://example.test:8443/api/data/v9.2/")
        environ = {
            "HTTP_HOST": None,
            "wsgi.url_scheme": "https",
            "SERVER_NAME": "example.test",
            "SERVER_PORT": "443",
        }
        status, headers, _ = call(app, "POST", "contacts", {"lastname": "Port"}, environ=environ)
        assert headers["odata-entityid"].startswith("https://example.test/api/data/v9.2/")
    finally:
        app.close()

"""infra/main.bicep deploys the reference portal (web/) as an Azure Static Web App that calls the
connector's Function App directly (CORS on the app, no linked backend), read as a parsed tree
(tests/support/bicep.py).

"Bring your own functions to Azure Static Web Apps", "Microsoft.Web sites" (CorsSettings) and
"Manage your function app" (CORS), Microsoft Learn, are the source of each rule checked here."""

from __future__ import annotations

import json

from tests.support.bicep import Reference, accessor, main
from tests.support.paths import ROOT

T = main()
# The regions where Microsoft.Web/staticSites can be created (the resource provider's answer to
# any other: "The provided location ... is not available for resource type").
STATIC_WEB_APP_REGIONS = {"westus2", "centralus", "eastus2", "westeurope", "eastasia"}


def decorator(parameter: str, kind: str) -> object:
    decorators = T.parameters[parameter]["decorators"]
    return next(d["argument"] for d in decorators if d["type"] == kind)


def test_the_portal_is_one_standard_static_web_app_in_a_region_that_has_them() -> None:
    sites = T.of_type("Microsoft.Web/staticSites")
    assert list(sites) == ["portal"]
    portal = T.resource("portal")
    # Standard: production (Free has no SLA).
    assert portal["sku"] == {"name": "Standard", "tier": "Standard"}
    assert T.ref(portal["location"]) == Reference("portalLocation")
    # Not the Function App's region parameter: France Central has no Static Web Apps.
    allowed = decorator("portalLocation", "allowed")
    assert isinstance(allowed, list)
    assert set(allowed) <= STATIC_WEB_APP_REGIONS
    assert "francecentral" not in allowed
    assert T.parameters["portalLocation"]["default"] == "westeurope"
    # No preview environments: a pull request's portal would file into the production API.
    assert portal["properties"]["stagingEnvironmentPolicy"] == "Disabled"
    # The files come from the workflow's upload, not a repository link holding a GitHub token.
    assert "repositoryToken" not in portal["properties"]
    assert "repositoryUrl" not in portal["properties"]


def test_the_portal_name_is_computed_unless_given() -> None:
    name = T.resource("portal")["name"]["operator"]
    assert name["type"] == "conditional"
    assert name["operands"]["condition"] == {
        "function": {"type": "empty", "parameters": {"item_to_test": "portalName"}}
    }
    assert name["operands"]["true_value"] == "swa-${appName}-${suffix}"
    assert T.parameters["portalName"]["default"] == ""


def test_the_portal_calls_the_function_app_directly_not_through_a_linked_backend() -> None:
    # Static Web Apps replaces the Authorization header of what it proxies to a linked Functions
    # backend (Azure/static-web-apps#34): every citizen's bearer token would be lost.
    assert T.of_type("Microsoft.Web/staticSites/linkedBackends") == {}
    # Nor the authentication settings the link needed to stay off exclusive access.
    assert T.of_type("Microsoft.Web/sites/config") == {}
    assert "portalBackend" not in T.resources
    assert "appAuth" not in T.resources


def test_the_function_app_allows_the_portals_origins_and_no_credentials() -> None:
    cors = T.resource("app")["properties"]["siteConfig"]["cors"]
    origins = cors["allowedOrigins"]["function"]
    assert origins["type"] == "concat"
    # The portal's own default host name first (an origin: scheme and host, no path, no slash)…
    assert origins["parameters"]["arg_1"] == ["https://${portal.properties.defaultHostname}"]
    # …then its custom domains, none by default; never a wildcard.
    assert origins["parameters"]["arg_2"] == "portalCustomOrigins"
    assert T.parameters["portalCustomOrigins"]["type"] == "array"
    assert T.parameters["portalCustomOrigins"]["default"] == []
    assert "*" not in json.dumps(cors)
    # The portal sends a bearer header, never cookies.
    assert cors["supportCredentials"] is False


def test_the_function_app_url_the_portal_is_pointed_at_is_an_output() -> None:
    # web/config.json's `api` in production (docs/deployment.md).
    expected = "https://${app.properties.defaultHostName}/api/v1/"
    assert T.outputs["functionAppUrl"]["value"] == expected


def test_the_outputs_give_the_workflow_and_the_operator_the_portals_name_and_address() -> None:
    outputs = T.outputs
    assert outputs["staticWebAppName"]["value"] == accessor("portal", "name")
    hostname = accessor("portal", accessor("properties", "defaultHostname"))
    assert outputs["portalHostName"]["value"] == hostname
    assert outputs["portalUrl"]["value"] == "https://${portal.properties.defaultHostname}/"


def test_the_parameters_example_places_the_portal_in_a_static_web_apps_region() -> None:
    example = json.loads((ROOT / "infra" / "main.parameters.example.json").read_text())
    assert example["parameters"]["portalLocation"]["value"] in STATIC_WEB_APP_REGIONS

"""infra/main.bicep deploys the reference portal (web/) as an Azure Static Web App whose /api is
the connector's Function App (a linked backend), read as a parsed tree (tests/support/bicep.py).

"Bring your own functions to Azure Static Web Apps" and "Microsoft.Web staticSites/linkedBackends"
(Microsoft Learn) are the source of each rule checked here."""

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
    # Standard: a linked backend needs it (Free has managed functions only).
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


def test_the_function_app_is_the_portals_one_linked_backend() -> None:
    backends = T.of_type("Microsoft.Web/staticSites/linkedBackends")
    assert list(backends) == ["portalBackend"]  # one backend per static web app
    backend = T.resource("portalBackend")
    assert backend["parent"] == "portal"
    assert backend["properties"]["backendResourceId"] == accessor("app", "id")
    assert T.ref(backend["properties"]["region"]) == Reference("location")  # the app's region
    # The portal calls /api on its own origin: no CORS rule is needed (or added) on the app.
    assert "cors" not in T.resource("app")["properties"]["siteConfig"]


def test_direct_callers_keep_reaching_the_api_after_the_link() -> None:
    # Linking gives the static web app exclusive access to an app without authentication
    # settings; Open311 apps, ops and the collectivité's back end call the app directly, and the
    # connector authenticates every caller itself.
    auth = T.resource("appAuth")
    assert T.resources["appAuth"]["type"] == "Microsoft.Web/sites/config"
    assert auth["parent"] == "app"
    assert auth["name"] == "authsettingsV2"
    assert auth["dependsOn"] == ["portalBackend"]  # applied after the link, every deployment
    assert auth["properties"]["platform"] == {"enabled": False}
    assert auth["properties"]["globalValidation"] == {
        "requireAuthentication": False,
        "unauthenticatedClientAction": "AllowAnonymous",
    }


def test_the_outputs_give_the_workflow_and_the_operator_the_portals_name_and_address() -> None:
    outputs = T.outputs
    assert outputs["staticWebAppName"]["value"] == accessor("portal", "name")
    hostname = accessor("portal", accessor("properties", "defaultHostname"))
    assert outputs["portalHostName"]["value"] == hostname
    assert outputs["portalUrl"]["value"] == "https://${portal.properties.defaultHostname}/"


def test_the_parameters_example_places_the_portal_in_a_static_web_apps_region() -> None:
    example = json.loads((ROOT / "infra" / "main.parameters.example.json").read_text())
    assert example["parameters"]["portalLocation"]["value"] in STATIC_WEB_APP_REGIONS

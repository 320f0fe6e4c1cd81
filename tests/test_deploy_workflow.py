"""The example CI/CD workflow (.github/workflows/deploy.yml): tests, then deploys with OIDC.

Not run here (it needs an Azure subscription); read as YAML, so a step renamed, dropped or
reordered, or a stored secret creeping in, fails this test."""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.support.paths import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def load() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return document


def runs(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_the_workflow_runs_make_test_before_it_deploys() -> None:
    jobs = load()["jobs"]
    assert "make test" in runs(jobs["test"]).splitlines()
    assert jobs["deploy"]["needs"] == "test"


def test_it_signs_in_with_openid_connect_and_stores_no_secret() -> None:
    deploy = load()["jobs"]["deploy"]
    assert deploy["permissions"]["id-token"] == "write"
    login = next(s for s in deploy["steps"] if str(s.get("uses", "")).startswith("azure/login@"))
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert all("vars." in value for value in login["with"].values())
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "secrets." not in text  # federated credentials: nothing to store
    assert "creds:" not in text  # the service-principal-secret form of azure/login


def test_it_deploys_the_template_then_the_package_by_zip() -> None:
    steps = load()["jobs"]["deploy"]["steps"]
    commands = [s.get("run", "") for s in steps]
    bicep = next(i for i, c in enumerate(commands) if "az deployment group create" in c)
    zipped = next(
        i for i, c in enumerate(commands) if "az functionapp deployment source config-zip" in c
    )
    assert bicep < zipped
    assert "--template-file infra/main.bicep" in commands[bicep]
    # The app's name comes from the template's output, not from a hand-kept variable.
    assert "functionAppName" in commands[bicep]
    assert "steps.infra.outputs.functionAppName" in commands[zipped]
    assert steps[bicep]["id"] == "infra"


def test_it_deploys_the_portal_after_the_api_with_no_build_and_the_backend_linked() -> None:
    steps = load()["jobs"]["deploy"]["steps"]
    uses = [str(s.get("uses", "")) for s in steps]
    portal = next(i for i, u in enumerate(uses) if u.startswith("Azure/static-web-apps-deploy@"))
    commands = [s.get("run", "") for s in steps]
    infra = next(i for i, c in enumerate(commands) if "az deployment group create" in c)
    zipped = next(
        i for i, c in enumerate(commands) if "az functionapp deployment source config-zip" in c
    )
    assert infra < zipped < portal  # the portal calls an API already deployed
    inputs = steps[portal]["with"]
    assert inputs["action"] == "upload"
    assert inputs["app_location"] == "web"  # with skip_app_build: the files as they are
    assert inputs["skip_app_build"] is True
    assert inputs["api_location"] == ""  # the Function App is linked, not built here
    assert (ROOT / "web" / "index.html").is_file()
    assert (ROOT / "web" / "staticwebapp.config.json").is_file()


def test_the_portals_deployment_token_is_read_at_run_time_and_masked() -> None:
    steps = load()["jobs"]["deploy"]["steps"]
    token = next(s for s in steps if s.get("id") == "portal")
    command = token["run"]
    assert "az staticwebapp secrets list" in command
    # The site's name comes from the template's output, as the Function App's does.
    assert "steps.infra.outputs.staticWebAppName" in command
    assert "staticWebAppName" in next(s for s in steps if s.get("id") == "infra")["run"]
    assert "::add-mask::$token" in command
    deploy = next(s for s in steps if str(s.get("uses", "")).startswith("Azure/static-web-"))
    assert deploy["with"]["azure_static_web_apps_api_token"] == (
        "${{ steps.portal.outputs.token }}"
    )


def test_a_portal_still_naming_the_local_sign_in_provider_is_not_deployed() -> None:
    steps = load()["jobs"]["deploy"]["steps"]
    names = [s.get("name", "") for s in steps]
    guard = names.index("the portal names the production sign-in providers")
    deploy = next(i for i, s in enumerate(steps) if "static-web-apps-deploy" in s.get("uses", ""))
    assert guard < deploy
    command = steps[guard]["run"]
    assert "web/config.json" in command
    assert "web/staticwebapp.config.json" in command
    assert "exit 1" in command
    # The shipped files do name it: the guard stops the reference portal as it is.
    pattern = re.compile(r"127\.0\.0\.1")
    assert pattern.search((ROOT / "web" / "config.json").read_text(encoding="utf-8"))
    assert "127\\.0\\.0\\.1" in command

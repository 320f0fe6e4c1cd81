"""The example CI/CD workflow (.github/workflows/deploy.yml): tests, then deploys with OIDC.

Not run here (it needs an Azure subscription); read as YAML, so a step renamed, dropped or
reordered, or a stored secret creeping in, fails this test."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
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


def test_it_deploys_the_portal_after_the_api_with_no_build_and_no_api_folder() -> None:
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
    assert inputs["api_location"] == ""  # the portal calls the Function App, none is built
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


# -- the portal calls the Function App directly (docs/deployment.md) ------------------------------

GUARD = "the portal calls the Function App"
APP = "https://func-cityzen-abc.azurewebsites.net"


def guard_step() -> dict[str, Any]:
    steps = load()["jobs"]["deploy"]["steps"]
    step: dict[str, Any] = next(s for s in steps if s.get("name") == GUARD)
    return step


def production_web(tmp_path: Path, api: object, connect_src: str) -> Path:
    """A fork's web/: the shipped files with `api` and the policy's connect-src replaced."""
    web = tmp_path / "web"
    web.mkdir(parents=True)
    config = json.loads((ROOT / "web" / "config.json").read_text(encoding="utf-8"))
    config["api"] = api
    (web / "config.json").write_text(json.dumps(config), encoding="utf-8")
    swa = json.loads((ROOT / "web" / "staticwebapp.config.json").read_text(encoding="utf-8"))
    policy = swa["globalHeaders"]["Content-Security-Policy"]
    swa["globalHeaders"]["Content-Security-Policy"] = re.sub(
        r"connect-src [^;]*", f"connect-src {connect_src}", policy
    )
    (web / "staticwebapp.config.json").write_text(json.dumps(swa), encoding="utf-8")
    return tmp_path


def run_guard(folder: Path, deployed: str = f"{APP}/api/v1/") -> subprocess.CompletedProcess[str]:
    # The step's own shell script, as the runner runs it (bash, in the checkout).
    environment = {"PATH": os.environ["PATH"], "FUNCTION_APP_URL": deployed}
    return subprocess.run(
        ["bash", "-e", "-c", guard_step()["run"]],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_guard_runs_before_the_portal_is_deployed_with_the_deployments_app_url() -> None:
    steps = load()["jobs"]["deploy"]["steps"]
    names = [s.get("name", "") for s in steps]
    deploy = next(i for i, s in enumerate(steps) if "static-web-apps-deploy" in s.get("uses", ""))
    assert names.index(GUARD) < deploy
    assert guard_step()["env"]["FUNCTION_APP_URL"] == "${{ steps.infra.outputs.functionAppUrl }}"
    assert "functionAppUrl" in next(s for s in steps if s.get("id") == "infra")["run"]


def test_the_shipped_portal_calling_its_own_api_path_is_not_deployed(tmp_path: Path) -> None:
    # The static web app has no /api: the shipped "/api/v1" (make run's) would answer 404.
    (tmp_path / "web").mkdir()
    for name in ("config.json", "staticwebapp.config.json"):
        (tmp_path / "web" / name).write_bytes((ROOT / "web" / name).read_bytes())
    result = run_guard(tmp_path)
    assert result.returncode != 0
    assert "web/config.json's api must be the Function App's https URL" in result.stderr


def test_a_plain_http_or_missing_api_is_not_deployed(tmp_path: Path) -> None:
    for index, api in enumerate(["http://func-cityzen-abc.azurewebsites.net/api/v1/", None, 7]):
        result = run_guard(production_web(tmp_path / str(index), api, f"'self' {APP}"))
        assert result.returncode != 0, api
        assert "functionAppUrl output" in result.stderr


def test_an_api_the_policy_does_not_let_the_portal_reach_is_not_deployed(tmp_path: Path) -> None:
    # connect-src names the provider only: the browser would block every call to the API.
    folder = production_web(tmp_path, f"{APP}/api/v1/", "'self' https://login.example.fr")
    result = run_guard(folder)
    assert result.returncode != 0
    assert f"connect-src must name {APP}" in result.stderr


def test_a_portal_pointed_at_the_function_app_passes(tmp_path: Path) -> None:
    folder = production_web(tmp_path, f"{APP}/api/v1/", f"'self' https://login.example.fr {APP}")
    result = run_guard(folder)
    assert result.returncode == 0, result.stderr
    assert "::warning::" not in result.stdout


def test_a_portal_pointed_at_another_app_is_deployed_with_a_warning(tmp_path: Path) -> None:
    # An API in front of the app (its own domain) is allowed; a typo is visible in the run's log.
    other = "https://api.ville.example.fr"
    folder = production_web(tmp_path, f"{other}/api/v1/", f"'self' {other}")
    result = run_guard(folder)
    assert result.returncode == 0, result.stderr
    assert f"::warning::web/config.json's api is {other}" in result.stdout

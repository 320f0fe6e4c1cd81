"""The example CI/CD workflow (.github/workflows/deploy.yml): tests, then deploys with OIDC.

Not run here (it needs an Azure subscription); read as YAML, so a step renamed, dropped or
reordered, or a stored secret creeping in, fails this test."""

from __future__ import annotations

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

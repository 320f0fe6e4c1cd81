"""checkov's Bicep policies over infra/: no failed check, each skip justified in the template.

checkov lives in an environment of its own (requirements-checkov.txt, made by `make`): it pins
pycep-parser 0.5.1 and an old `packaging`, which the dev set cannot share. It runs offline:
--skip-download (no policies fetched), BC_SKIP_MAPPING (no guideline lookup),
CKV_SKIP_PACKAGE_UPDATE_CHECK (no version check), no API key (nothing uploaded). Suppressions
are `// checkov:skip=CKV_AZURE_n: reason` lines inside the resource (checkov's comment syntax).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.bicep import main
from tests.support.paths import ROOT

CHECKOV = ROOT / ".venv" / "checkov" / ("Scripts" if sys.platform == "win32" else "bin") / "checkov"
OFFLINE = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
}


@cache
def scan(directory: Path = ROOT / "infra") -> dict[str, Any]:
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} is missing: `make .venv/.checkov` installs it (make test does)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_API_KEY", "PRISMA_"))}
    result = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "bicep",
            "--skip-download",
            "--compact",
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        env=env | OFFLINE,
        timeout=240,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_checkov_finds_no_failed_check_in_infra() -> None:
    report = scan()
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == []
    assert summary["passed"] > 0
    # It read the template's resources, not an empty directory.
    assert summary["resource_count"] >= 10
    assert {c["resource"].split(".")[-1] for c in report["results"]["passed_checks"]} >= {
        "storage",
        "vault",
        "app",
    }


def test_every_skipped_check_has_a_reason_in_the_template() -> None:
    skipped = scan()["results"]["skipped_checks"]
    assert skipped  # the justified exceptions are visible here, not silently gone
    for check in skipped:
        reason = check["check_result"].get("suppress_comment", "")
        assert len(reason.strip()) > 20, check["check_id"]
    declared = set(main().resources)
    assert {c["resource"].split(".")[-1] for c in skipped} <= declared


def test_a_weakened_template_fails_the_scan(tmp_path: Path) -> None:
    # The scan is not vacuous: old TLS on the storage account is reported (CKV_AZURE_44).
    copy = tmp_path / "infra"
    shutil.copytree(ROOT / "infra", copy)
    bicep = copy / "main.bicep"
    text = bicep.read_text(encoding="utf-8")
    secure = "minimumTlsVersion: 'TLS1_2'"
    assert secure in text
    text = text.replace(secure, "minimumTlsVersion: 'TLS1_0'", 1)
    bicep.write_text(text, encoding="utf-8")
    failed = {c["check_id"] for c in scan(copy)["results"]["failed_checks"]}
    assert "CKV_AZURE_44" in failed

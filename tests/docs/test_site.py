"""The documentation site builds offline with --strict; the README stays short and honest."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from cityzen_connector.api import openapi_document

from .conftest import DOCS, ROOT

README = ROOT / "README.md"
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.docs
def test_the_site_builds_strict_and_offline(tmp_path: Path) -> None:
    env = dict(os.environ)
    # Any attempt to reach the network goes to a closed local port and fails the build.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[name] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    env["NO_MKDOCS_2_WARNING"] = "1"
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,  # the README snippets are included relative to the repository root
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (site / "reference" / "configuration" / "index.html").is_file()
    assert (site / "reference" / "api" / "index.html").is_file()
    published = json.loads((site / "reference" / "openapi.json").read_text(encoding="utf-8"))
    assert published == openapi_document()
    assert "CITYZEN_DATAVERSE_URL" in (site / "reference/configuration/index.html").read_text()
    assert "Quickstart" in (site / "index.html").read_text(encoding="utf-8")
    assert not list(site.rglob("*.py")), "the hook must not be published"


def _readme_body() -> list[str]:
    text = re.sub(r"<!--.*?-->", "", README.read_text(encoding="utf-8"), flags=re.S)
    return [line for line in text.splitlines() if line.strip()]


def test_the_readme_opens_with_the_two_commands() -> None:
    lines = _readme_body()
    assert lines[0] == "# CityZen connector"
    assert lines[1].startswith("```")
    assert lines[2].startswith("make run ")
    assert lines[3].startswith("make test ")
    assert lines[4] == "```"


def test_the_readme_stays_short() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 180


def _links(path: Path) -> list[str]:
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    return LINK.findall(text)


def test_relative_links_point_at_files_that_exist(hooks: ModuleType) -> None:
    generated = {(DOCS / path).resolve() for path in hooks.GENERATED}
    pages = [README, *sorted(DOCS.glob("**/*.md"))]
    checked = 0
    for page in pages:
        for target in _links(page):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL, or an anchor on the same page
            resolved = (page.parent / target.split("#", 1)[0]).resolve()
            assert resolved.exists() or resolved in generated, f"{page.name}: {target}"
            checked += 1
    assert checked > 20


def test_included_readme_sections_exist() -> None:
    readme = README.read_text(encoding="utf-8")
    for page in DOCS.glob("**/*.md"):
        for section in re.findall(r'--8<-- "README\.md:([a-z_-]+)"', page.read_text()):
            assert f"--8<-- [start:{section}]" in readme, (page.name, section)
            assert f"--8<-- [end:{section}]" in readme, (page.name, section)

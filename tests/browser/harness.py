"""Real headless Chromium for the portal's tests: Debian's ``chromium`` and ``chromium-driver``
(installed with apt-get when missing: we run as root, CI on a clean machine) driven by
Selenium, which is told where both are so that Selenium Manager never downloads anything
(``SE_OFFLINE``); and axe-core from npm, pinned, installed under ``.cache/`` and injected in
each screen. A missing browser or axe-core that cannot be installed FAILS the tests with the
reason: they are never skipped."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.paths import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_VERSION = "4.11.0"
AXE_DIR = ROOT / ".cache" / "axe-core"
AXE_FILE = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WINDOW = (1280, 900)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)


def ensure_chromium() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    apt = shutil.which("apt-get")
    if apt is None:
        pytest.fail("headless Chromium is missing and apt-get is not available to install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"]
    done = subprocess.run(
        install, capture_output=True, text=True, env=env, timeout=900, check=False
    )
    if done.returncode != 0:  # a stale package list: update once, then try again
        _run([apt, "update"])
        done = subprocess.run(
            install, capture_output=True, text=True, env=env, timeout=900, check=False
        )
    if done.returncode != 0 or not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(f"cannot install chromium and chromium-driver with apt-get:\n{done.stderr}")


def ensure_axe() -> str:
    if not AXE_FILE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("axe-core is missing and npm is not available to install it")
        done = _run(
            [npm, "install", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund",
             "--no-save", f"axe-core@{AXE_VERSION}"]
        )  # fmt: skip
        if done.returncode != 0 or not AXE_FILE.exists():
            pytest.fail(f"cannot install axe-core {AXE_VERSION} with npm:\n{done.stderr}")
    return AXE_FILE.read_text(encoding="utf-8")


def new_driver(profile: Path) -> webdriver.Chrome:
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
        "--lang=fr-FR", f"--user-data-dir={profile}",
        # Nothing but this machine: every other host name resolves to nothing.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
    ):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_window_size(*WINDOW)
    driver.set_page_load_timeout(20)
    return driver


def axe_violations(driver: webdriver.Chrome, axe: str) -> list[dict[str, Any]]:
    """axe-core's violations of WCAG 2.1 A and AA on the page as it is now."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(axe)
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "window.axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then((r) => done(r)).catch((e) => done({error: String(e)}));",
        AXE_TAGS,
    )
    assert "error" not in result, result
    return [
        {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]

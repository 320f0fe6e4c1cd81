"""The reference portal in real headless Chromium against the whole local stack: a citizen signs
in through the FranceConnect-shaped consent page, searches, files a request step by step with
an address and a photo, sees it become a case with a ticket; an agent asks for details (the
``cityzen emulator case`` actions), the citizen answers in "Mes demandes" without reloading, the
agent resolves and the status shows. axe-core checks every screen (WCAG 2.1 A and AA); each
screen is photographed for docs/portal-web.md."""

from __future__ import annotations

import os
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.support.paths import ROOT

from .conftest import Stack
from .harness import axe_violations

pytestmark = pytest.mark.e2e
SHOTS = ROOT / "docs" / "img" / "portal"
DEADLINE = 30.0
ASK = "Pouvez-vous préciser la taille du trou ?"
ANSWER = "Environ 40 cm de large, devant le portail de l'école."


def until(what: Callable[[], Any], message: str, deadline: float = DEADLINE) -> Any:
    end = time.monotonic() + deadline
    while True:
        try:
            answer = what()
        except Exception:  # noqa: BLE001 - an element not there yet
            answer = None
        if answer:
            return answer
        assert time.monotonic() < end, message
        time.sleep(0.1)


def find(driver: webdriver.Chrome, css: str) -> WebElement:
    return until(lambda: driver.find_element(By.CSS_SELECTOR, css), f"no {css}")


def checked(driver: webdriver.Chrome, axe: str, name: str) -> None:
    """Zero axe-core violations now; the screen photographed when its picture is missing
    (CITYZEN_SCREENSHOTS=1 takes them all again), so that reruns do not churn the docs."""
    violations = axe_violations(driver, axe)
    assert violations == [], (name, violations)
    target = SHOTS / f"{name}.png"
    if os.environ.get("CITYZEN_SCREENSHOTS") == "1" or not target.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        driver.save_screenshot(str(target))


def png(width: int, height: int) -> bytes:
    """A real PNG (grey), for the canvas to decode and resize."""
    raw = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def nav(driver: webdriver.Chrome, label: str) -> None:
    """In-app navigation (a reload would forget the in-memory token, by design)."""
    driver.find_element(By.LINK_TEXT, label).click()


def sign_in_with_franceconnect(driver: webdriver.Chrome, stack: Stack, axe: str) -> None:
    find(driver, ".provider-franceconnect").click()
    until(lambda: "Continuer sur votre espace particulier" in driver.page_source, "no consent")
    driver.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    until(lambda: "Angela" in find(driver, "#account").text, "not signed in")
    assert "code=" not in driver.current_url
    assert "state=" not in driver.current_url
    tokens = driver.execute_script(
        "return [JSON.stringify(localStorage), JSON.stringify(sessionStorage)]"
    )
    assert all("eyJ" not in store for store in tokens)  # no JWT kept in web storage


def test_a_citizen_files_a_request_follows_it_and_answers_the_agent(
    browser: webdriver.Chrome, stack: Stack, axe: str, tmp_path: Path
) -> None:
    driver = browser
    driver.get(stack.portal)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "#agenda-title + *"), "no home page")
    assert driver.execute_script("return document.documentElement.lang") == "fr"
    checked(driver, axe, "01-accueil")

    # Type-ahead with the keyboard only (ARIA combobox), then the results page.
    box = find(driver, "#q")
    box.send_keys("stationnem")
    find(driver, "[role=listbox] [role=option]")
    assert box.get_attribute("aria-expanded") == "true"
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant")
    box.send_keys(Keys.ENTER)
    until(lambda: "/recherche" in driver.current_url, "no results page")
    find(driver, "ol.results li")
    checked(driver, axe, "02-recherche")

    # Nouvelle demande: sign in first (FranceConnect-shaped consent page), back to the stepper.
    nav(driver, "Nouvelle demande")
    sign_in_with_franceconnect(driver, stack, axe)
    until(lambda: "/nouvelle-demande" in driver.current_url, "not back at the stepper")
    find(driver, "label[for=f-theme-voirie]").click()
    checked(driver, axe, "03-demande-theme")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    find(driver, "label[for=f-sub_theme-nid_de_poule]").click()
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    subject = find(driver, "#f-subject")
    subject.send_keys("Nid-de-poule devant l'école")
    Select(driver.find_element(By.ID, "f-field-taille")).select_by_visible_text("grand")
    address = driver.find_element(By.ID, "f-address")
    address.send_keys("12 rue de la Rép")
    find(driver, "[role=listbox] [role=option]")
    address.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    until(lambda: "Adresse retenue" in find(driver, "#f-address-chosen").text, "no address")
    photo = tmp_path / "trou.png"
    photo.write_bytes(png(2400, 1800))
    driver.find_element(By.ID, "f-photos").send_keys(str(photo))
    find(driver, ".photos img")
    assert "trou.jpg" in driver.find_element(By.CSS_SELECTOR, ".photos").text  # re-encoded
    checked(driver, axe, "04-demande-formulaire")

    # The draft survives a reload (the token does not: the page asks to sign in again).
    driver.refresh()
    until(lambda: "conservée" in driver.page_source, "the draft was not kept")
    sign_in_with_franceconnect(driver, stack, axe)
    assert find(driver, "#f-subject").get_attribute("value") == "Nid-de-poule devant l'école"
    find(driver, ".photos img")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    find(driver, "dl.review")
    checked(driver, axe, "05-demande-verification")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    ticket = until(lambda: driver.find_element(By.ID, "ticket-number").text, "never became a case")
    checked(driver, axe, "06-demande-envoyee")

    # Mes demandes: the request, then its page; the agent asks for details meanwhile.
    nav(driver, "Mes demandes")
    until(lambda: ticket in find(driver, "#my-requests").text, "not in my requests")
    driver.find_element(By.LINK_TEXT, ticket).click()
    find(driver, "#current-status")
    driver.execute_script("window.notReloaded = true")
    stack.agent("status", ticket, "waiting-for-details")
    stack.agent("reply", ticket, "--text", ASK)
    until(lambda: ASK in find(driver, "#thread").text, "the agent's message never showed")
    find(driver, "#reply-text").send_keys(ANSWER)
    driver.find_element(By.CSS_SELECTOR, "#reply button[type=submit]").click()
    until(lambda: ANSWER in find(driver, "#thread").text, "the answer never showed", 45)
    stack.agent("resolve", ticket, "--resolution", "Nid-de-poule rebouché")
    until(
        lambda: (
            "Résolue" in find(driver, "#current-status").text
            or "Traitée" in find(driver, "#current-status").text
        ),
        "the resolution never showed",
    )
    assert driver.execute_script("return window.notReloaded") is True
    checked(driver, axe, "07-mes-demandes")

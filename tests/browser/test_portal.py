"""The reference portal in real headless Chromium against the whole local stack: a citizen signs
in through the FranceConnect-shaped consent page, searches, files a request step by step with
an address and a photo, sees it become a case with a ticket; an agent asks for details (the
``cityzen emulator case`` actions), the citizen answers in "Mes demandes" without reloading, the
agent resolves and the status shows. axe-core checks every screen (WCAG 2.1 A and AA); each
screen is photographed for docs/portal-web.md."""

from __future__ import annotations

import base64
import logging
import os
import random
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

from cityzen_connector.localhost import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._server import WsgiServerThread
from tests.support.paths import ROOT

from .conftest import Stack
from .harness import WINDOW, axe_violations

# Setup may install Chromium with apt-get on a clean machine: longer than the suite's 300 s.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
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
    (PORTAL_SCREENSHOTS=1 takes them all again), so that reruns do not churn the docs."""
    violations = axe_violations(driver, axe)
    assert violations == [], (name, violations)
    target = SHOTS / f"{name}.png"
    if os.environ.get("PORTAL_SCREENSHOTS") == "1" or not target.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        driver.execute_script("document.activeElement && document.activeElement.blur()")
        # The whole page, not the viewport: fixed width, the height the page has.
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": WINDOW[0], "height": size["height"], "scale": 1},
            },
        )
        target.write_bytes(base64.b64decode(shot["data"]))


def png(width: int, height: int) -> bytes:
    """A real PNG (grey), for the canvas to decode and resize."""
    return png_from_raw(
        width, height, b"".join(b"\x00" + b"\x80" * 3 * width for _ in range(height))
    )


def png_from_raw(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(raw, 1)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def set_visibility(driver: webdriver.Chrome, state: str) -> None:
    """As when the citizen switches tabs: visibilityState, then the event."""
    driver.execute_script(
        "Object.defineProperty(document, 'visibilityState',"
        " {configurable: true, get: () => arguments[0]});"
        "document.dispatchEvent(new Event('visibilitychange'));",
        state,
    )


def polls(driver: webdriver.Chrome) -> int:
    """Requests for the conversation since the resource timings were last cleared."""
    found: int = driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter((e) => e.name.includes('/messages')).length"
    )
    return found


def noise_png(width: int, height: int, seed: int) -> bytes:
    """A PNG of random pixels: JPEG cannot shrink it much (a heavy photo)."""
    rows = random.Random(seed).randbytes(width * height * 3)
    raw = b"".join(b"\x00" + rows[y * width * 3 : (y + 1) * width * 3] for y in range(height))
    return png_from_raw(width, height, raw)


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
    browser: webdriver.Chrome,
    stack: Stack,
    axe: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    driver = browser
    driver.get(stack.portal)
    until(lambda: driver.find_elements(By.CSS_SELECTOR, "#news-title + ul .card"), "no news")
    assert driver.find_elements(By.CSS_SELECTOR, "#agenda-title + ul .card")
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
    taille = driver.find_element(By.ID, "f-field-taille")
    assert "roue de vélo" in driver.find_element(By.ID, "f-field-taille-help").text  # its help
    assert "f-field-taille-help" in taille.get_attribute("aria-describedby")
    Select(taille).select_by_visible_text("grand")
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
    caplog.clear()
    driver.refresh()  # a silent re-authentication first (prompt=none): refused, quietly
    until(lambda: "conservée" in driver.page_source, "the draft was not kept")
    assert driver.current_url == stack.portal + "nouvelle-demande"
    assert not driver.find_elements(By.CSS_SELECTOR, ".alert")
    assert driver.execute_script("return sessionStorage.getItem('cityzen.signin')") is None
    assert any("/authorize -> 302" in r.getMessage() for r in caplog.records)  # it was tried
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
    detail = tmp_path / "detail.png"
    detail.write_bytes(png(640, 480))
    driver.find_element(By.ID, "reply-photo").send_keys(str(detail))  # multipart, resized
    driver.find_element(By.CSS_SELECTOR, "#reply button[type=submit]").click()
    until(lambda: ANSWER in find(driver, "#thread").text, "the answer never showed", 45)
    until(lambda: "detail.jpg" in find(driver, "#thread").text, "the photo never showed")
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

    # Polling pauses while the tab is hidden (Page Visibility) and resumes when it shows.
    set_visibility(driver, "hidden")
    time.sleep(0.5)  # a round already on its way may land
    driver.execute_script("performance.clearResourceTimings()")
    time.sleep(2.5)  # two and a half polling periods
    assert polls(driver) == 0
    set_visibility(driver, "visible")
    until(lambda: polls(driver) > 0, "polling did not resume", 5)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in ("Angela", "DUBOIS", ANSWER, "Rue de la République", "eyJ"):
        assert secret not in logged  # never a name, an address, a message or a token


def fresh(driver: webdriver.Chrome, stack: Stack, path: str = "") -> None:
    """A new page with no draft left by another test."""
    driver.get(stack.portal + path)
    driver.execute_script("sessionStorage.clear()")
    driver.get(stack.portal + path)


def keys(driver: webdriver.Chrome, *typed: str) -> None:
    """Keys typed wherever the focus is (keyboard-only use)."""
    driver.switch_to.active_element.send_keys(*typed)


def test_an_account_holder_meets_every_error_and_loses_nothing(
    browser: webdriver.Chrome, stack: Stack, axe: str, tmp_path: Path
) -> None:
    driver = browser
    fresh(driver, stack, "nouvelle-demande")
    # A portal account: created on the provider's sign-up page (its anti-CSRF form), confirmed
    # through the printed link, then used to sign in.
    find(driver, ".provider-account").click()
    find(driver, "a[href=signup]").click()
    email = "camille.portail@example.fr"
    find(driver, "#email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("un mot de passe assez long")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: "Confirmez votre adresse" in driver.page_source, "sign-up refused")
    driver.get(stack.links[-1])
    until(lambda: "Adresse confirmée" in driver.page_source, "not confirmed")
    driver.get(stack.portal + "nouvelle-demande")
    find(driver, ".provider-account").click()
    find(driver, "#email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("un mot de passe assez long")
    driver.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    until(lambda: email in find(driver, "#account").text, "not signed in with the account")

    # Keyboard only: the first radio of the group, the next one with an arrow, Continue.
    find(driver, "label[for=f-theme-papiers]")
    assert driver.switch_to.active_element.tag_name == "h2"  # the step's heading has the focus
    keys(driver, Keys.TAB)
    keys(driver, Keys.SPACE)
    keys(driver, Keys.ARROW_DOWN)  # État civil
    keys(driver, Keys.TAB, Keys.ENTER)
    find(driver, "label[for=f-sub_theme-naissance]")
    keys(driver, Keys.TAB, Keys.SPACE)
    keys(driver, Keys.TAB, Keys.TAB, Keys.ENTER)  # past Back, onto Continue
    find(driver, "#f-subject")

    # The page's own checks: a required field left empty.
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    summary = find(driver, ".error-summary")
    assert driver.switch_to.active_element == summary
    subject = driver.find_element(By.ID, "f-subject")
    assert subject.get_attribute("aria-invalid") == "true"
    assert "err-f-subject" in subject.get_attribute("aria-describedby")
    assert "Objet" in driver.find_element(By.ID, "err-f-subject").text

    # Photos refused before any upload: the wrong type, then too large.
    text = tmp_path / "notes.txt"
    text.write_text("pas une image")
    big = tmp_path / "enorme.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\0" * (11 * 1024 * 1024))
    driver.find_element(By.ID, "f-photos").send_keys(f"{text}\n{big}")
    until(lambda: "dépasse 10 Mo" in find(driver, ".error-summary").text, "size not refused")
    assert "n’est pas une photo" in driver.find_element(By.ID, "err-f-photos").text
    assert not driver.find_elements(By.CSS_SELECTOR, ".photos img")

    # Photos too big for the kept draft: left out of it, and the page says so after a reload.
    noisy = [tmp_path / f"bruit-{n}.png" for n in (1, 2)]
    for n, path in enumerate(noisy):
        path.write_bytes(noise_png(1600, 1200, seed=n))
    driver.find_element(By.ID, "f-photos").send_keys("\n".join(map(str, noisy)))
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, ".photos img")) == 2, "no previews")
    kept = driver.execute_script("return sessionStorage.getItem('cityzen.draft')")
    assert len(kept) < 2_000_000
    assert '"photos_dropped":true' in kept
    driver.refresh()
    find(driver, ".provider-account").click()
    find(driver, "#email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("un mot de passe assez long")
    driver.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    until(lambda: "ajoutez-les de nouveau" in find(driver, ".photos").text, "no note")
    assert not driver.find_elements(By.CSS_SELECTOR, ".photos img")
    subject = driver.find_element(By.ID, "f-subject")

    # "Use my location": the browser's position, the nearest address.
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": stack.portal.rstrip("/"), "permissions": ["geolocation"]},
    )
    driver.execute_cdp_cmd(
        "Emulation.setGeolocationOverride",
        {"latitude": 46.39993, "longitude": 2.602816, "accuracy": 10},
    )
    driver.find_element(By.XPATH, "//button[text()='Utiliser ma position']").click()
    until(lambda: "Adresse retenue" in find(driver, "#f-address-chosen").text, "no location")

    # The API's own checks: a number over its maximum comes back next to its field.
    subject.send_keys("Copie d'acte de naissance")
    Select(driver.find_element(By.ID, "f-field-type_acte")).select_by_index(1)
    driver.find_element(By.ID, "f-field-exemplaires").send_keys("9")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    find(driver, "dl.review")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    field = until(
        lambda: driver.find_element(By.CSS_SELECTOR, "#f-field-exemplaires[aria-invalid=true]"),
        "the API's error is not next to its field",
    )
    assert "err-f-field-exemplaires" in field.get_attribute("aria-describedby")
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    assert link.get_attribute("href").endswith("#f-field-exemplaires")
    checked(driver, axe, "08-demande-erreurs")
    link.click()
    assert driver.switch_to.active_element == field
    field.clear()
    field.send_keys("2")

    # The API down at submit: a clear message, the draft kept; back up, it goes through.
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    find(driver, "dl.review")
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/v1/requests"]})
    try:
        driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
        until(lambda: "indisponible" in find(driver, ".error-summary").text, "no outage message")
        kept = driver.execute_script("return sessionStorage.getItem('cityzen.draft')")
        assert "Copie d'acte de naissance" in kept
        assert "eyJ" not in kept  # never a token
    finally:
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    until(lambda: driver.find_element(By.ID, "ticket-number").text, "never became a case")
    assert driver.execute_script("return sessionStorage.getItem('cityzen.draft')") is None

    # In English: the lang attribute follows, and the screen is still clean for axe.
    driver.find_element(By.ID, "lang").click()
    until(lambda: driver.execute_script("return document.documentElement.lang") == "en", "lang")
    assert find(driver, "#nav").text.split("\n")[1] == "New request"
    assert driver.find_element(By.ID, "lang").text == "Français"
    checked(driver, axe, "09-english")

    # Signing out forgets the token and ends the provider's session, back on the home page.
    driver.find_element(By.XPATH, "//button[text()='Sign out']").click()
    until(lambda: driver.current_url == stack.portal, "not back home")
    until(lambda: find(driver, "#news-title"), "no home page")
    assert email not in find(driver, "#account").text
    nav(driver, "My requests")
    find(driver, ".provider-account")  # asked to sign in again


def test_a_broken_configuration_is_said_in_both_languages(
    browser: webdriver.Chrome, axe: str
) -> None:
    site = StaticSite(StaticSiteConfig(ROOT / "web", generated={"config.json": b"{"}))
    server = WsgiServerThread(site, host="127.0.0.1", port=0, threads=2, max_body_bytes=1024)
    server.start()
    try:
        browser.get(f"http://127.0.0.1:{server.port}/")
        alert = find(browser, "[role=alert]")
        until(lambda: "ne peut pas démarrer" in alert.text, "no message")
        assert "cannot start" in alert.text
        assert axe_violations(browser, axe) == []
    finally:
        server.stop(5)

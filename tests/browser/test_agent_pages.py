"""The agents' pages in real headless Chromium, the whole loop in one browser: a citizen files a
request with an address and a photo (one tab), it becomes a case; an agent signs in at the
agents' issuer on the desk page (another tab), asks for details; the citizen answers in "Mes
demandes" without reload; the agent replies with a photo and resolves; the citizen sees the
resolved status. The desk reads statuses in the connector's words (French, then English) with
Dynamics 365's beside them, lists and opens the photo filed with the request, and a question
sent twice at once (a double click) is asked once. Then the dashboard: its tables hold
GET /api/v1/stats's figures for the same choice, and follow the grouping selector. Error paths:
no sign-in, a citizen signed in, the desk API refusing an action, a portal without agents'
pages. axe-core on every new screen."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from cityzen_connector import app
from cityzen_connector.localhost import StaticSite, StaticSiteConfig
from cityzen_connector.localhost._server import WsgiServerThread
from cityzen_connector.mapping import load_mappings
from tests.cases.kpi_world import apply, generated
from tests.support.paths import ROOT

from .conftest import Stack
from .harness import axe_violations
from .test_portal import checked, find, png, sign_in_with_franceconnect, until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]
ASK = "Pouvez-vous préciser de quel côté de la rue ?"
ANSWER = "Côté pair, devant le numéro 12."
REPLY = "Voici le plan du chantier."
RESOLUTION = "Chaussée rebouchée"
# The dashboard's picture: fixed histories over fixed months, so the figures never change.
HISTORY_RANGE = {"from": "2026-08-01", "to": "2026-10-31"}


@pytest.fixture(scope="module")
def histories(stack: Stack) -> None:
    """120 generated case lives (the KPI tests' world) from August to October 2026, recorded
    as the case-events worker records them."""
    lives = generated(120, seed=17)
    for life in lives:
        life.at -= timedelta(days=61)  # 2026-10-01 + 90 days → August to October
    deps = app.Container(stack.settings)
    try:
        apply(deps.case_history, lives, load_mappings(stack.settings.mappings_dir))
    finally:
        deps.close()


def file_a_request(driver: webdriver.Chrome, stack: Stack, axe: str, tmp_path: Path) -> str:
    """The citizen's stepper, as the portal's own test walks it; the ticket number."""
    driver.get(stack.portal + "nouvelle-demande")
    driver.execute_script("sessionStorage.clear()")
    driver.get(stack.portal + "nouvelle-demande")
    sign_in_with_franceconnect(driver, stack, axe)
    find(driver, "label[for=f-theme-voirie]").click()
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    find(driver, "label[for=f-sub_theme-nid_de_poule]").click()
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    find(driver, "#f-subject").send_keys("Trou dans la chaussée")
    Select(driver.find_element(By.ID, "f-field-taille")).select_by_visible_text("moyen")
    address = driver.find_element(By.ID, "f-address")
    address.send_keys("12 rue de la Rép")
    find(driver, "[role=listbox] [role=option]")
    address.send_keys("\ue015", "\ue007")  # arrow down, enter
    until(lambda: "Adresse retenue" in find(driver, "#f-address-chosen").text, "no address")
    photo = tmp_path / "chaussee.png"
    photo.write_bytes(png(800, 600))
    driver.find_element(By.ID, "f-photos").send_keys(str(photo))
    find(driver, ".photos img")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    find(driver, "dl.review")
    driver.find_element(By.CSS_SELECTOR, "form.step button[type=submit]").click()
    ticket: str = until(lambda: driver.find_element(By.ID, "ticket-number").text, "no case")
    return ticket


def sign_in_as_agent(driver: webdriver.Chrome, login: str) -> None:
    find(driver, ".provider-agents").click()
    find(driver, f"input[name=agent][value='{login}']").click()  # the provider's page
    assert "Connexion des agents (mode embarqué)" in driver.title
    driver.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    until(lambda: "Bruno" in find(driver, ".agent-bar").text, "the agent is not signed in")
    assert "code=" not in driver.current_url
    stores = driver.execute_script(
        "return [JSON.stringify(localStorage), JSON.stringify(sessionStorage)]"
    )
    assert all("eyJ" not in store for store in stores)  # the agent's token: memory only


def table(driver: webdriver.Chrome, css: str) -> dict[str, list[str]]:
    """A data table's rows: the row header's text → the cells' texts."""
    rows: dict[str, list[str]] = {}
    for row in driver.find_elements(By.CSS_SELECTOR, f"{css} tbody tr"):
        head = row.find_element(By.CSS_SELECTOR, "th[scope=row]").text
        rows[head] = [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
    return rows


def set_dates(driver: webdriver.Chrome, start: str, end: str) -> None:
    """The dashboard's dates (a date input's typed form depends on the browser's locale)."""
    driver.execute_script(
        "document.getElementById('dash-from').value = arguments[0];"
        "document.getElementById('dash-to').value = arguments[1];",
        start,
        end,
    )


def french(value: float) -> str:
    """A figure as the page writes it in French: a tenth at most, a decimal comma."""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


def received_by_group(report: dict[str, Any], lang: str = "fr") -> dict[str, list[str]]:
    totals: dict[str, int] = {}
    for cell in report["groups"]:
        totals[cell["group"]] = totals.get(cell["group"], 0) + cell["received"]
    names = report["labels"]["groups"]
    return {names[code][lang]: [str(n)] for code, n in totals.items()}


def test_the_whole_loop_in_one_browser_and_the_dashboard_matches_the_api(
    browser: webdriver.Chrome,
    stack: Stack,
    axe: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    histories: None,
) -> None:
    caplog.set_level(logging.INFO)
    driver = browser
    citizen = driver.current_window_handle
    ticket = file_a_request(driver, stack, axe, tmp_path)

    # A citizen on the desk (in-app: the token is kept): told the page is for agents.
    find(driver, "a[href='/desk']").click()
    alert = find(driver, "main [role=alert]")
    assert "connecté comme usager" in alert.text
    assert "Mode embarqué" in find(driver, "main .note").text
    find(driver, "a[href='/mes-demandes']").click()
    until(lambda: ticket in find(driver, "#my-requests").text, "not in my requests")
    driver.find_element(By.LINK_TEXT, ticket).click()
    find(driver, "#current-status")
    driver.execute_script("window.notReloaded = true")

    # The agent, in another tab: not signed in, the page says so; signs in at the agents' issuer.
    driver.switch_to.new_window("tab")
    agent = driver.current_window_handle
    driver.get(stack.portal + "desk")
    until(lambda: "compte agent" in find(driver, "main").text, "no sign-in message")
    assert not driver.find_elements(By.CSS_SELECTOR, "#desk-cases")
    assert axe_violations(driver, axe) == []
    sign_in_as_agent(driver, "bruno.lefevre")
    until(lambda: ticket in find(driver, "#desk-cases").text, "the case is not on the desk")
    # The vocabulary's French, not "Active / In Progress".
    assert table(driver, "#desk-cases")[ticket][1] == "En cours de traitement"
    checked(driver, axe, "10-guichet")
    driver.find_element(By.LINK_TEXT, ticket).click()
    until(lambda: "Trou dans la chaussée" in find(driver, "#desk-case").text, "no case view")
    # The photo filed with the request: listed (name, type, size) and opened with the token.
    files = find(driver, "#desk-files")
    assert "chaussee.jpg" in files.text
    assert "image/jpeg" in files.text
    assert " Ko)" in files.text
    files.find_element(By.CSS_SELECTOR, "button").click()
    until(lambda: "chaussee.jpg ouvert" in find(driver, "#status").text, "the file did not open")
    find(driver, "#desk-hold-text").send_keys(ASK)
    # A double click: two submissions with one Idempotency-Key, one question.
    driver.execute_script(
        "const form = document.getElementById('desk-hold');"
        "form.requestSubmit(); form.requestSubmit();"
    )
    until(lambda: ASK in find(driver, "#desk-thread").text, "the question is not in the thread")
    until(
        lambda: "En attente de votre réponse" in find(driver, "#desk-status").text,
        "not waiting for details",
    )
    assert "Active / Waiting for Details" in find(driver, "#desk-dataverse-status").text

    # The citizen answers without reloading.
    driver.switch_to.window(citizen)
    until(lambda: ASK in find(driver, "#thread").text, "the question never reached the citizen")
    assert find(driver, "#thread").text.count(ASK) == 1  # asked once, though sent twice
    until(lambda: "votre réponse" in find(driver, "#current-status").text, "status not shown")
    find(driver, "#reply-text").send_keys(ANSWER)
    driver.find_element(By.CSS_SELECTOR, "#reply button[type=submit]").click()
    until(lambda: ANSWER in find(driver, "#thread").text, "the answer never showed", 45)

    # The agent sees it, replies with a photo, resolves.
    driver.switch_to.window(agent)
    until(lambda: ANSWER in find(driver, "#desk-thread").text, "the answer never reached", 45)
    find(driver, "#desk-reply-text").send_keys(REPLY)
    plan = tmp_path / "plan.png"
    plan.write_bytes(png(640, 480))
    driver.find_element(By.ID, "desk-reply-photo").send_keys(str(plan))
    driver.find_element(By.CSS_SELECTOR, "#desk-reply button[type=submit]").click()
    until(lambda: "plan.jpg" in find(driver, "#desk-thread").text, "the photo is not there")
    find(driver, "#desk-resolve-text").send_keys(RESOLUTION)
    driver.find_element(By.CSS_SELECTOR, "#desk-resolve button[type=submit]").click()
    until(lambda: "Résolue" in find(driver, "#desk-status").text, "not resolved")
    assert "Resolved / Problem Solved" in find(driver, "#desk-dataverse-status").text
    checked(driver, axe, "11-guichet-dossier")
    driver.find_element(By.ID, "lang").click()  # English: the vocabulary's other language
    until(lambda: find(driver, "#desk-status").text == "Resolved", "not in English")
    assert "Files filed with the request" in find(driver, "#desk-case").text
    driver.find_element(By.ID, "lang").click()
    until(lambda: "Résolue" in find(driver, "#desk-status").text, "not back in French")

    # The desk API refuses to resolve a resolved case: its problem, next to the action.
    find(driver, "#desk-resolve-text").send_keys(RESOLUTION)
    driver.find_element(By.CSS_SELECTOR, "#desk-resolve button[type=submit]").click()
    summary = until(
        lambda: driver.find_element(By.CSS_SELECTOR, "#desk-resolve .error-summary"),
        "the refusal is not shown",
    )
    assert "pas possible sur la demande dans son état actuel" in summary.text
    assert driver.switch_to.active_element == summary

    # The citizen sees the resolution, still without reload.
    driver.switch_to.window(citizen)
    until(lambda: "Résolue" in find(driver, "#current-status").text, "resolution not shown", 45)
    assert driver.execute_script("return window.notReloaded") is True
    assert REPLY in find(driver, "#thread").text

    # The dashboard, in the agent's tab (in-app: the token is kept).
    driver.switch_to.window(agent)
    find(driver, "a[href='/dashboard']").click()
    find(driver, "#chart-groups-table")
    report = stack.stats(period="month", group_by="theme")
    assert table(driver, "#chart-groups-table") == received_by_group(report)
    assert table(driver, "#chart-periods-table") == {
        p["period"]: [str(p["received"])] for p in report["periods"]
    }
    backlog = table(driver, "#chart-backlog-table")
    assert {name: cells[:1] for name, cells in backlog.items()} == {
        report["labels"]["groups"][row["group"]]["fr"]: [str(row["lt_2d"])]
        for row in report["backlog"]
    }
    assert driver.find_elements(By.CSS_SELECTOR, "#chart-groups svg rect")  # a picture too
    assert not driver.find_elements(By.CSS_SELECTOR, "[style]")  # attributes only (the CSP)

    # Fixed months (the generated histories): every table holds the API's figures.
    set_dates(driver, HISTORY_RANGE["from"], HISTORY_RANGE["to"])
    driver.find_element(By.CSS_SELECTOR, "#dash-form button[type=submit]").click()
    fixed = stack.stats(period="month", group_by="theme", **HISTORY_RANGE)
    assert len(fixed["periods"]) == 3
    until(
        lambda: (
            table(driver, "#chart-periods-table")
            == {p["period"]: [str(p["received"])] for p in fixed["periods"]}
        ),
        "the dates did not change the figures",
    )
    assert table(driver, "#chart-groups-table") == received_by_group(fixed)
    delays = table(driver, "#chart-delays-table")
    target = table(driver, "#chart-target-table")
    for cell in fixed["periods"]:
        assert delays[cell["period"]][2] == french(cell["resolution_days"]["median"])
        share = cell["resolved_within_target"]["share"]
        assert target[cell["period"]] == [french(share * 100) + " %"]
    checked(driver, axe, "12-tableau-de-bord")

    # The grouping selector: the same figures by status, named as the report's labels say.
    Select(driver.find_element(By.ID, "dash-group_by")).select_by_value("status")
    by_status = stack.stats(period="month", group_by="status", **HISTORY_RANGE)
    until(
        lambda: table(driver, "#chart-groups-table") == received_by_group(by_status),
        "the grouping did not change the table",
    )
    assert "Résolue" in table(driver, "#chart-groups-table")
    driver.find_element(By.ID, "lang").click()  # English: the labels' other language
    until(
        lambda: table(driver, "#chart-groups-table") == received_by_group(by_status, "en"),
        "the labels are not in English",
    )
    assert "group_by=status" in driver.current_url
    assert axe_violations(driver, axe) == []
    driver.find_element(By.ID, "lang").click()  # back to French for the next tests
    until(lambda: driver.execute_script("return document.documentElement.lang") == "fr", "fr")

    # Dates the wrong way round: said next to the field, nothing asked of the API.
    set_dates(driver, "2026-10-31", "2026-08-01")
    driver.find_element(By.CSS_SELECTOR, "#dash-form button[type=submit]").click()
    field = until(
        lambda: driver.find_element(By.CSS_SELECTOR, "#dash-from[aria-invalid=true]"),
        "the dates' error is not next to the field",
    )
    assert "précéder" in driver.find_element(By.ID, "err-dash-from").text
    assert field.get_attribute("aria-describedby") == "err-dash-from"
    # A range the API refuses (over 366 days by day): its problem, in French.
    set_dates(driver, "2024-01-01", "2026-10-31")
    Select(driver.find_element(By.ID, "dash-period")).select_by_value("day")
    problem = until(
        lambda: driver.find_element(By.CSS_SELECTOR, "#dash-charts [role=alert]"),
        "the API's refusal is not shown",
    )
    assert "paramètre de la requête est absent ou invalide" in problem.text
    assert not driver.find_elements(By.CSS_SELECTOR, "#chart-groups-table")
    assert axe_violations(driver, axe) == []

    logged = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (ASK, ANSWER, REPLY, "Rue de la République", "eyJ", "Bruno"):
        assert secret not in logged  # never a message, an address, a token or a name
    driver.close()
    driver.switch_to.window(citizen)


def test_the_dashboard_without_sign_in_asks_for_an_agent(
    browser: webdriver.Chrome, stack: Stack, axe: str
) -> None:
    browser.get(stack.portal + "dashboard")  # a new page: no token in memory
    until(lambda: "compte agent" in find(browser, "main").text, "no sign-in message")
    assert find(browser, ".provider-agents")
    assert not browser.find_elements(By.CSS_SELECTOR, "#dash-charts")
    assert axe_violations(browser, axe) == []


def test_a_portal_without_agents_pages_hides_them_and_says_so(
    browser: webdriver.Chrome, axe: str
) -> None:
    # The shipped config.json, as deployed: no `agents`.
    site = StaticSite(StaticSiteConfig(ROOT / "web"))
    server = WsgiServerThread(site, host="127.0.0.1", port=0, threads=2, max_body_bytes=1024)
    server.start()
    try:
        browser.get(f"http://127.0.0.1:{server.port}/desk")
        alert = find(browser, "main [role=alert]")
        until(lambda: "mode embarqué" in alert.text, "no message")
        links = browser.find_elements(By.CSS_SELECTOR, "#nav a[href='/desk']")
        assert links
        assert not links[0].is_displayed()
        assert not browser.find_elements(By.CSS_SELECTOR, ".provider-agents")
        assert axe_violations(browser, axe) == []
    finally:
        server.stop(5)

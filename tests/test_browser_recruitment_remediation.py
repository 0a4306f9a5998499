"""Browser journeys on the Ethical Recruitment and Remediation views (dash_duo)."""

from __future__ import annotations

import json

import pytest
from dash.testing import errors as dash_errors
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from dashboard.factory import create_app
from layouts import ids
from tests.conftest import WAIT, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


def _option_selector(name: str) -> str:
    # Dash writes a dict id as JSON with sorted keys.
    return "[id='" + json.dumps(ids.option(name), sort_keys=True, separators=(",", ":")) + "']"


def _text(dash_duo, selector: str) -> str:
    elements = dash_duo.driver.find_elements(By.CSS_SELECTOR, selector)
    return elements[0].get_attribute("textContent") if elements else ""


def _choose(dash_duo, selector: str, label: str) -> None:
    """Pick a dropdown option far down the page (a plain click lands on the sticky panel)."""
    driver = dash_duo.driver
    driver.execute_script("arguments[0].click()", dash_duo.find_element(selector))
    option = f"//*[contains(@class, 'dash-dropdown-option')][normalize-space(.)='{label}']"
    until(lambda: driver.find_elements(By.XPATH, option), timeout=WAIT)
    driver.execute_script("arguments[0].click()", driver.find_element(By.XPATH, option))


def test_erb001_pick_a_corridor_in_the_table_reload_and_compare(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_RECRUITMENT)
    pick = "//button[normalize-space(text())='Nepal → Kuwait']"
    until(lambda: dash_duo.driver.find_elements(By.XPATH, pick), timeout=WAIT)
    button = dash_duo.driver.find_element(By.XPATH, pick)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.send_keys(Keys.ENTER)  # a keyboard pick: the row header is a real button
    until(lambda: "corridor=NP-KW" in dash_duo.driver.current_url, timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Kuwait", timeout=WAIT)
    url = dash_duo.driver.current_url

    dash_duo.driver.get(url)  # a copied link opened afresh
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Kuwait", timeout=WAIT)
    pressed = f"{pick}[@aria-pressed='true']"
    until(lambda: dash_duo.driver.find_elements(By.XPATH, pressed), timeout=WAIT)

    until(lambda: dash_duo.driver.find_elements(By.CSS_SELECTOR, _option_selector("compare")), 10)
    _choose(dash_duo, _option_selector("compare"), "Nepal → Saudi Arabia")
    until(lambda: "compare=NP-SA" in dash_duo.driver.current_url, timeout=WAIT)
    assert "corridor=NP-KW" in dash_duo.driver.current_url
    table = dash_duo.open_table(ids.RECRUITMENT_COMPARE_THEMES)
    until(lambda: "Nepal → Saudi Arabia" in _text(dash_duo, table), timeout=WAIT)
    assert "Nepal → Kuwait" in _text(dash_duo, table)
    dash_duo.wait_for_element(f"#{ids.graph(ids.RECRUITMENT_COMPARE_TREND)} .main-svg", 10)
    assert dash_duo.get_logs() == []


def test_erb002_compare_link_opens_with_both_corridors(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(
        dash_duo.server_url + ids.PATH_RECRUITMENT + "?corridor=NP-KW&compare=NP-SA"
    )
    table = dash_duo.open_table(ids.RECRUITMENT_COMPARE_TREND)
    until(lambda: "Nepal → Saudi Arabia" in _text(dash_duo, table), timeout=WAIT)
    dash_duo.wait_for_element(f"#{ids.graph(ids.RECRUITMENT_MAP)} .main-svg", timeout=WAIT)
    compare = dash_duo.find_element(_option_selector("compare"))
    assert "Nepal → Saudi Arabia" in compare.get_attribute("textContent")
    assert dash_duo.get_logs() == []


def test_rmb001_period_change_moves_headline_and_funnel(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_REMEDIATION + "?period=2024")
    dash_duo.wait_for_contains_text(f"#{ids.REMEDIATION_KPI}", "Workers remediated", timeout=WAIT)
    funnel = dash_duo.open_table(ids.REMEDIATION_FUNNEL)
    until(lambda: "Reported" in _text(dash_duo, funnel), timeout=WAIT)
    kpis, stages = _text(dash_duo, f"#{ids.REMEDIATION_KPI}"), _text(dash_duo, funnel)

    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['period']}", "2022")
    until(lambda: "period=2022" in dash_duo.driver.current_url, timeout=WAIT)
    until(lambda: _text(dash_duo, f"#{ids.REMEDIATION_KPI}") not in ("", kpis), timeout=WAIT)
    until(lambda: _text(dash_duo, funnel) not in ("", stages), timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_erb003_a_click_on_an_arc_of_the_geographic_map_sets_its_corridor(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_RECRUITMENT)
    graph = f"#{ids.graph(ids.RECRUITMENT_MAP)}"
    # The arcs' mid dots on the map (scattergeo draws each point as a path.point).
    dots = f"{graph} .scattergeo path.point"
    until(lambda: len(dash_duo.driver.find_elements(By.CSS_SELECTOR, dots)) > 3, timeout=WAIT)
    # A real click on an arc's mid dot (the largest dots: the places' are smaller), in
    # the middle of the window, clear of the sticky filter panel. The map may still be
    # settling (a redraw replaces its dots): click again on a fresh dot until it takes.
    picked = False
    for _attempt in range(5):
        dot = max(
            dash_duo.driver.find_elements(By.CSS_SELECTOR, dots),
            key=lambda e: e.size["width"] * e.size["height"],
        )
        dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", dot)
        try:
            ActionChains(dash_duo.driver).move_to_element(dot).click().perform()
            until(lambda: "corridor=" in dash_duo.driver.current_url, timeout=15)
        except (dash_errors.TestingTimeoutError, StaleElementReferenceException):
            continue
        picked = True
        break
    assert picked, "no click on an arc's dot picked its corridor"
    note = f"#{ids.note(ids.RECRUITMENT_MAP)}"
    until(lambda: "highlighted" in _text(dash_duo, note), timeout=WAIT)
    assert dash_duo.get_logs() == []


# Records the output of every callback request the page sends from now on.
RECORD_REQUESTS = """
window.__outputs = [];
var send = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf('_dash-update-component') >= 0 && options && options.body) {
    window.__outputs.push(JSON.parse(options.body).output);
  }
  return send.apply(this, arguments);
};
"""


def test_erb004_a_filter_change_sends_no_request_for_redrawn_buttons(dash_duo, app):
    """The corridor table and the chips are drawn anew after a filter change. Dash reports
    the chips' buttons as changed inputs, and the table's are plain DOM (drawn as one
    element): both are answered in the browser, so no request goes to the server for
    the filter patch they set."""
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_RECRUITMENT)
    pick = "//button[normalize-space(text())='Nepal → Kuwait']"
    until(lambda: dash_duo.driver.find_elements(By.XPATH, pick), timeout=WAIT)
    dash_duo.driver.execute_script(RECORD_REQUESTS)
    dash_duo.driver.execute_script(
        "window.dash_clientside.set_props(arguments[0], {value: 'NP-KW'})",
        ids.FILTER_CONTROLS["corridor"],
    )
    chip = f"#{ids.ACTIVE_FILTERS} .filter-chip"
    dash_duo.wait_for_element(chip, timeout=WAIT)
    until(
        lambda: any(
            ids.RECRUITMENT_CORRIDORS in output
            for output in dash_duo.driver.execute_script("return window.__outputs")
        ),
        timeout=WAIT,
    )
    # Let the table's buttons be drawn and any request they would cause be sent.
    until(lambda: dash_duo.driver.find_elements(By.XPATH, pick), timeout=WAIT)
    dash_duo.driver.execute_script("return new Promise(r => setTimeout(r, 1500))")
    outputs = dash_duo.driver.execute_script("return window.__outputs")
    assert outputs and not [o for o in outputs if ids.FILTER_PATCH in o], outputs
    # The buttons still pick: the chip's × clears the corridor again.
    dash_duo.find_element(f"{chip} button").click()
    until(lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR, chip), timeout=WAIT)

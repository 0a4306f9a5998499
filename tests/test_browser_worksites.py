"""Browser journeys for the worksite views: click a chart, see the chip and the URL, reload."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains

from dashboard.factory import create_app
from layouts import ids
from tests.conftest import WAIT

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


def _click_bar(dash_duo, chart: str, index: int = -1) -> None:
    selector = f"#{ids.graph(chart)} .trace.bars .point path"
    dash_duo.wait_for_element(selector, timeout=WAIT)
    bars = dash_duo.find_elements(selector)
    ActionChains(dash_duo.driver).move_to_element(bars[index]).click().perform()


def _text(dash_duo, selector: str) -> str | None:
    """An element's text, or None while the element is being re-rendered."""
    try:
        return dash_duo.find_element(selector).text
    except StaleElementReferenceException:
        return None


def _journey(dash_duo, path: str, chart: str, chips: str, table: str) -> None:
    dash_duo.driver.get(dash_duo.server_url + path)
    _click_bar(dash_duo, chart)
    until(lambda: "issue=" in dash_duo.driver.current_url, timeout=WAIT)
    url = dash_duo.driver.current_url
    dash_duo.wait_for_element(f"#{chips} .filter-chip", timeout=WAIT)
    chip_text = dash_duo.find_element(f"#{chips}").text
    dash_duo.open_table(table)
    dash_duo.wait_for_element(f"#{ids.table(table)} table", timeout=WAIT)
    until(lambda: dash_duo.find_element(f"#{ids.table(table)}").get_attribute("innerHTML"), 10)

    dash_duo.driver.get(url)  # the copied link opened afresh
    dash_duo.wait_for_element(f"#{chips} .filter-chip", timeout=WAIT)
    until(lambda: _text(dash_duo, f"#{chips}") == chip_text, timeout=WAIT)
    assert dash_duo.driver.current_url == url

    # Removing the chip clears the filter and the URL.
    dash_duo.find_element(f"#{chips} .filter-chip button").click()
    until(lambda: "issue=" not in dash_duo.driver.current_url, timeout=WAIT)


def test_bw001_supply_chains_bar_click_filters_the_view(start, app):
    dash_duo = start(app)
    _journey(
        dash_duo, ids.PATH_SUPPLY_CHAINS, ids.SC_ISSUES_CHART, ids.ACTIVE_FILTERS, ids.SC_TIER_CHART
    )
    # Country shapes come from our own assets (no third-party request), so the map draws.
    dash_duo.wait_for_element(f"#{ids.graph(ids.SC_MAP_CHART)} path.choroplethlocation", 15)
    assert dash_duo.get_logs() == []


def test_bw002_audits_bar_click_filters_the_view(start, app):
    dash_duo = start(app)
    _journey(dash_duo, ids.PATH_AUDITS, ids.AU_ISSUE_CHART, ids.ACTIVE_FILTERS, ids.AU_BINS_CHART)
    assert dash_duo.get_logs() == []


def test_bw003_theme_click_drills_down_and_goes_in_the_url(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_SUPPLY_CHAINS)
    _click_bar(dash_duo, ids.SC_THEME_CHART, -1)  # the first theme: wages
    until(lambda: "theme=wages" in dash_duo.driver.current_url, timeout=WAIT)
    table = dash_duo.find_element(dash_duo.open_table(ids.SC_THEME_CHART))
    until(lambda: "Illegal wage deductions" in table.get_attribute("textContent"), timeout=WAIT)

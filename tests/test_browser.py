"""Browser journeys with dash_duo in headless Chromium (skip on a laptop without it)."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.by import By

from dashboard.factory import create_app
from layouts import ids
from tests.conftest import WAIT, free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


def _kpi_text(dash_duo) -> str:
    return dash_duo.find_element(f"#{ids.KPI}").text


def test_br001_overview_loads_without_console_errors(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    dash_duo.wait_for_element(f"#{ids.graph(ids.ISSUES_CHART)} .main-svg", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_br002_filter_change_updates_kpis_and_url(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    before = _kpi_text(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['country']}", "Malaysia")
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Malaysia", timeout=WAIT)
    until(lambda: "country=MY" in dash_duo.driver.current_url, timeout=WAIT)
    until(lambda: _kpi_text(dash_duo) != before, timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_br003_url_round_trips_the_filter_state(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    unfiltered = _kpi_text(dash_duo)
    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['nationality']}", "Cambodian")
    until(lambda: "nationality=KH" in dash_duo.driver.current_url, timeout=WAIT)
    until(lambda: _kpi_text(dash_duo) not in ("", unfiltered), timeout=WAIT)
    url, kpis = dash_duo.driver.current_url, _kpi_text(dash_duo)

    dash_duo.driver.get(url)  # a copied link opened afresh
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Cambodian", timeout=WAIT)
    until(lambda: _kpi_text(dash_duo) == kpis, timeout=WAIT)
    dropdown = dash_duo.find_element(f"#{ids.FILTER_CONTROLS['nationality']}")
    assert "Cambodian" in dropdown.text
    assert dash_duo.driver.current_url == url
    assert dash_duo.get_logs() == []


def test_br004_bad_url_parameters_show_a_notice_not_a_crash(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.driver.get(dash_duo.server_url + "/?country=ZZ&colour=red&channel=line")
    dash_duo.wait_for_contains_text(f"#{ids.NOTICE}", "ZZ", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.NOTICE}", "colour", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Line", timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    assert dash_duo.get_logs() == []


def test_br005_back_button_restores_the_previous_filters(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    dash_duo.wait_for_contains_text(f"#{ids.KPI}", "Workers remediated", timeout=WAIT)
    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['country']}", "Thailand")
    until(lambda: "country=TH" in dash_duo.driver.current_url, timeout=WAIT)
    dash_duo.select_dcc_dropdown(f"#{ids.FILTER_CONTROLS['channel']}", "Helpline")
    until(lambda: "channel=helpline" in dash_duo.driver.current_url, timeout=WAIT)
    dash_duo.driver.back()
    until(lambda: "channel" not in dash_duo.driver.current_url, timeout=WAIT)
    dash_duo.wait_for_contains_text(f"#{ids.ACTIVE_FILTERS}", "Thailand", timeout=WAIT)
    until(lambda: "Helpline" not in dash_duo.find_element(f"#{ids.ACTIVE_FILTERS}").text, 10)


def test_br006_view_as_table_opens_from_the_keyboard(dash_duo, app):
    dash_duo.start_server(app, port=free_port())
    table = f"#{ids.table(ids.ISSUES_CHART)}"
    dash_duo.wait_for_element(f"#{ids.graph(ids.ISSUES_CHART)} .main-svg", timeout=WAIT)
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{table} table")
    summary = dash_duo.find_element(f"#{ids.ISSUES_CHART}-title ~ details summary")
    summary.send_keys(" ")
    dash_duo.wait_for_element(f"{table} caption", timeout=WAIT)
    assert dash_duo.find_element(f"{table} caption").is_displayed()
    summary.send_keys(" ")  # closed again: the table is dropped, not merely hidden
    until(lambda: not dash_duo.driver.find_elements(By.CSS_SELECTOR, f"{table} table"), WAIT)

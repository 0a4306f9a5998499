"""Every view at 360 px (a small phone) and by keyboard, in headless Chromium."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests.conftest import WAIT

pytestmark = pytest.mark.browser


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _settled(dash_duo) -> bool:
    loading = dash_duo.driver.execute_script(
        "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
    )
    return loading == 0 and bool(dash_duo.driver.find_elements("css selector", "main h1"))


def test_ph001_every_view_fits_a_360_px_screen_without_sideways_scrolling(start, app):
    dash_duo = start(app)
    dash_duo.driver.set_window_size(360, 800)
    width = dash_duo.driver.execute_script("return window.innerWidth")
    too_wide = {}
    for view in all_views():
        dash_duo.driver.get(dash_duo.server_url + view.path)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        page = dash_duo.driver.execute_script("return document.documentElement.scrollWidth")
        if page > width:
            too_wide[view.path] = page
    assert too_wide == {}, f"wider than {width} px: {too_wide}"
    assert dash_duo.get_logs() == []


def test_ph002_keyboard_reaches_the_filters_and_every_view_as_table(start, app):
    dash_duo = start(app)
    country = ids.FILTER_CONTROLS["country"]
    for view in all_views():
        dash_duo.driver.get(dash_duo.server_url + view.path)
        until(lambda: _settled(dash_duo), timeout=WAIT)
        dash_duo.find_element("body").click()
        filters_reached, table_reached = False, not view.charts
        for _ in range(300):
            # Key events, not send_keys on the element: that would type into a file input.
            ActionChains(dash_duo.driver).send_keys(Keys.TAB).perform()
            element = dash_duo.driver.switch_to.active_element
            inside_country = dash_duo.driver.execute_script(
                "return !!arguments[0].closest('#' + arguments[1])", element, country
            )
            filters_reached = filters_reached or inside_country
            table_reached = table_reached or element.tag_name == "summary"
            if filters_reached and table_reached:
                break
        assert filters_reached, (view.path, "the country filter is not reachable by Tab")
        assert table_reached, (view.path, "no “View as table” is reachable by Tab")

"""The demo's banner in a real browser: on every view, held in sight, readable on a phone."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests.conftest import WAIT

pytestmark = pytest.mark.browser

LABEL = "Demonstration data: synthetic, not ILM figures"

BANNER = f"""
var banner = document.getElementById('{ids.SYNTHETIC_BANNER}');
if (!banner) return null;
var box = banner.getBoundingClientRect();
return {{top: box.top, height: box.height, text: banner.innerText,
         clipped: banner.scrollWidth > banner.clientWidth,
         scrolled: window.scrollY, visible: box.width > 0 && box.height > 0}};
"""


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _banner_after_scrolling(dash_duo, path: str) -> dict:
    dash_duo.driver.get(dash_duo.server_url + path)
    until(lambda: dash_duo.driver.find_elements("css selector", "main h1"), timeout=WAIT)
    dash_duo.driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    return dash_duo.driver.execute_script(BANNER)


def test_sb001_every_view_keeps_the_banner_at_the_top_while_scrolling(start, app):
    dash_duo = start(app)
    dash_duo.driver.set_window_size(1440, 900)
    scrolled = []
    for view in all_views():
        banner = _banner_after_scrolling(dash_duo, view.path)
        assert banner and banner["visible"], view.path
        assert LABEL in banner["text"], (view.path, banner["text"])
        assert banner["top"] == 0, (view.path, banner)  # held at the top of the window
        scrolled.append(banner["scrolled"])
    assert max(scrolled) > 500, scrolled  # the pages did scroll under it
    assert dash_duo.get_logs() == []


def test_sb002_on_a_360_px_phone_the_banner_is_whole_and_short(start, app):
    dash_duo = start(app)
    dash_duo.driver.set_window_size(360, 800)
    for view in all_views():
        banner = _banner_after_scrolling(dash_duo, view.path)
        assert banner and banner["visible"] and banner["top"] == 0, view.path
        assert LABEL in banner["text"] and not banner["clipped"], (view.path, banner)
        # Two lines at most, so a phone keeps its screen for the numbers.
        assert banner["height"] <= 64, (view.path, banner)

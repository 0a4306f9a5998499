"""A view opened in Burmese in Chromium: the page says its language, reads in Burmese and
draws it in the app's own web font; a page in English downloads none of the script fonts."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.factory import create_app
from layouts import i18n
from tests.conftest import WAIT

pytestmark = pytest.mark.browser

# Whether a face of the family has loaded (document.fonts.check alone says true for a
# family that no @font-face declares), and whether the text can be drawn in it now.
FONT_LOADED = """
var family = arguments[0], text = arguments[1], done = arguments[arguments.length - 1];
document.fonts.ready.then(function () {
    var faces = Array.from(document.fonts).filter(function (f) {
        return f.family.replace(/"/g, "") === family && f.status === "loaded";
    });
    done([faces.length, document.fonts.check('16px "' + family + '"', text)]);
});
"""
SCRIPT_FONTS = """
return performance.getEntriesByType("resource").map(function (e) { return e.name; })
    .filter(function (name) { return /noto-sans-[a-z]+-[a-z]+-[47]00-normal/.test(name); });
"""


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _heading(dash_duo) -> str:
    until(lambda: dash_duo.find_elements("main h1"), timeout=WAIT, poll=0.5)
    return dash_duo.find_element("main h1").text


def test_lb001_a_view_opened_with_lang_my_is_burmese_in_its_own_font(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + "/remediation?lang=my")
    token = i18n.activate("my")
    try:
        expected = i18n._("Remediation")
    finally:
        i18n.deactivate(token)
    until(lambda: _heading(dash_duo) == expected, timeout=WAIT, poll=0.5)
    assert dash_duo.driver.execute_script("return document.documentElement.lang") == "my"
    loaded, drawable = dash_duo.driver.execute_async_script(
        FONT_LOADED, "ILM Noto Sans Myanmar", expected
    )
    assert loaded >= 1 and drawable


def test_lb002_a_page_in_english_downloads_no_script_font(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + "/?lang=en")
    until(lambda: _heading(dash_duo) == "Overview", timeout=WAIT, poll=0.5)
    dash_duo.driver.execute_async_script(FONT_LOADED, "ILM Language Names", "ไทย")
    assert dash_duo.driver.execute_script(SCRIPT_FONTS) == []


def test_lb003_a_charts_toolbar_speaks_the_pages_language_on_the_page_and_in_an_embed(start, app):
    token = i18n.activate("my")
    try:
        zoom_in = i18n._("Zoom in")
    finally:
        i18n.deactivate(token)
    dash_duo = start(app)
    titles = "return [...document.querySelectorAll('.modebar-btn')].map(b => b.dataset.title)"
    for path in ("/supply-chains?lang=my", "/embed/supply-chains/supply-trend?lang=my"):
        dash_duo.driver.get(dash_duo.server_url + path)
        until(lambda: zoom_in in dash_duo.driver.execute_script(titles), timeout=WAIT, poll=0.5)
        assert "Zoom in" not in dash_duo.driver.execute_script(titles)
    assert dash_duo.get_logs() == []


# The text of every chart's ticks, legends and notes on the page.
CHART_TEXT = """
return [...document.querySelectorAll('.js-plotly-plot svg.main-svg text')]
  .map(t => t.textContent).join(' ');
"""


def test_lb004_charts_write_numbers_in_the_languages_own_digits(start, app):
    dash_duo = start(app)
    myanmar = "၀၁၂၃၄၅၆၇၈၉"
    for path in ("/supply-chains?lang=my", "/embed/supply-chains/supply-trend?lang=my"):
        dash_duo.driver.get(dash_duo.server_url + path)

        def burmese(path=path) -> bool:
            text = dash_duo.driver.execute_script(CHART_TEXT)
            return any(d in text for d in myanmar) and not any(d in text for d in "0123456789")

        until(burmese, timeout=WAIT, poll=0.5)
    dash_duo.driver.get(dash_duo.server_url + "/supply-chains?lang=th")
    until(
        lambda: any(d in dash_duo.driver.execute_script(CHART_TEXT) for d in "0123456789"),
        timeout=WAIT,
        poll=0.5,
    )
    assert dash_duo.get_logs() == []

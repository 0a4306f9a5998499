"""The Content-Security-Policy is one the app passes: every view and an embed, loaded in
Chromium, cause no CSP violation and no console error.

A listener for `securitypolicyviolation` is added to every document before its own
scripts run (through the DevTools protocol, which the page's policy does not govern), so
a violation is caught whether or not the browser also logs it. That another site may
frame an embed and not a view is tests/test_browser_share.py's.
"""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.factory import create_app
from dashboard.views import all_views
from layouts import ids
from tests import visual
from tests.conftest import WAIT

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber,
                     e.sample].join(" | "));
});
"""
# States of the views that draw more than their plain page.
EXTRA = (
    ids.PATH_RECRUITMENT + "?corridor=NP-KW&compare=NP-SA",
    ids.PATH_EXPOSURE + "?fp=TH:seafood:12:KH,MM~MY:electronics:30:",
    ids.PATH_SUPPLY_CHAINS + "?theme=recruitment",
)
EMBEDS = ("/embed/overview/overview-cases", "/embed/supply-chains/supply-map")
# Pages rendered on the server, with no script of their own.
SERVER_PAGES = ("/country/TH", "/nationality/MM", "/releases")


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


DOWNLOAD = """
var done = arguments[arguments.length - 1];
var real = window.Plotly.downloadImage;
window.Plotly.downloadImage = function () {
  window.Plotly.downloadImage = real;
  real.apply(this, arguments).then(function () { done(true); },
                                   function (e) { done(String(e)); });
};
arguments[0].click();
"""


def _download_image(dash_duo, kind: str):
    """A chart's image download as a reader clicks it (plotly draws the image in the
    page: canvas, data: and blob: URLs); true once the file was handed to the browser."""
    button = dash_duo.driver.find_element(
        "css selector", f"button.{ids.DOWNLOAD_IMAGE}[data-format='{kind}']"
    )
    return dash_duo.driver.execute_async_script(DOWNLOAD, button)


def test_cs001_every_view_and_embed_passes_the_csp_without_a_violation(start, app):
    dash_duo = start(app)
    dash_duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": LISTEN})
    pages = [view.path for view in all_views()] + list(EXTRA) + list(EMBEDS) + list(SERVER_PAGES)
    violations, errors = {}, {}
    for page in pages:
        dash_duo.driver.get(dash_duo.server_url + page)
        seen: list = []
        until(
            lambda s=seen: visual.settled(dash_duo.driver, s, "main h1, #embed-title"),
            timeout=WAIT,
            poll=1.0,
        )
        if not page.startswith(ids.PATH_EMBED):
            # A chart's table is drawn by a clientside callback: open one.
            toggle = dash_duo.driver.find_elements("css selector", "summary[id$='-table-toggle']")
            if toggle:
                dash_duo.driver.execute_script("arguments[0].click();", toggle[0])
                until(
                    lambda: dash_duo.driver.find_elements("css selector", "table"),
                    timeout=WAIT,
                    poll=0.5,
                )
        if page == ids.PATH_OVERVIEW:
            for kind in ("png", "svg"):
                assert _download_image(dash_duo, kind) is True, kind
        found = dash_duo.driver.execute_script("return window.__csp || null")
        assert found is not None, f"the listener was not installed on {page}"
        if found:
            violations[page] = found
        logged = [e["message"] for e in dash_duo.get_logs() or []]
        if logged:
            errors[page] = logged
    print(f"\nCSP: {len(pages)} pages, {sum(map(len, violations.values()))} violations")
    assert violations == {}
    assert errors == {}

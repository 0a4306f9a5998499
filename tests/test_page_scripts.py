"""The scripts a page loads: Dash's @babel/polyfill only in browsers without ES modules.

Browsers that need none of core-js ran it on every page (a CPU profile at 4x charged it
0.5-0.8 s on opening a view). What Dash's bundles still need from it, the global
`regeneratorRuntime`, comes from a small vendored asset that loads before them.
"""

from __future__ import annotations

import re

import pytest
from dash.testing.wait import until

from dashboard.config import ROOT
from dashboard.factory import create_app
from layouts import ids
from tests.conftest import WAIT

REGENERATOR = "/assets/vendor/regenerator-runtime-"


@pytest.fixture
def app(small_url):
    return create_app({"DATABASE_URL": small_url})


def _script_tags(app, path: str = "/") -> list[str]:
    page = app.server.test_client().get(path).get_data(as_text=True)
    return re.findall(r"<script[^>]*\bsrc=\"[^\"]+\"[^>]*>", page)


def test_ps001_polyfill_is_loaded_only_by_browsers_without_modules(app):
    tags = _script_tags(app)
    polyfill = [t for t in tags if "/deps/polyfill@" in t]
    assert len(polyfill) == 1 and " nomodule " in polyfill[0], polyfill
    # Still first: the browsers that load it need it before React.
    assert tags[0] == polyfill[0], tags


def test_ps002_regenerator_runtime_loads_before_the_bundles_that_call_it(app):
    sources = [re.search(r'src="([^"]+)"', t).group(1) for t in _script_tags(app)]
    ours = [i for i, s in enumerate(sources) if s.startswith(REGENERATOR)]
    callers = [
        i for i, s in enumerate(sources) if "dash_renderer" in s or "dash_core_components" in s
    ]
    assert len(ours) == 1 and callers and ours[0] < min(callers), sources
    served = app.server.test_client().get(sources[ours[0]])
    assert served.status_code == 200
    assert b"regeneratorRuntime = runtime" in served.get_data()
    served.close()
    assert (ROOT / "assets" / "vendor" / "regenerator-runtime-LICENSE.txt").is_file()


@pytest.mark.browser
def test_ps003_a_view_draws_without_fetching_the_polyfill(start, app):
    dash_duo = start(app)
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_RECRUITMENT)
    until(
        lambda: dash_duo.driver.execute_script(
            "return document.querySelectorAll('.js-plotly-plot g.trace').length"
        ),
        timeout=WAIT,
    )
    fetched = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert not [name for name in fetched if "polyfill" in name], fetched
    assert dash_duo.driver.execute_script("return typeof regeneratorRuntime.mark") == "function"
    assert dash_duo.get_logs() == []

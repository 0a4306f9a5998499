"""Every figure of every view, as plotly.js sees it, passes Plotly.validate.

plotly.py accepts shorthands ("magic underscores" such as `yaxis_title`) that plotly.js
does not know and silently drops, so a figure can pass every Python-side check and still
lose its axis title in the browser. These tests ask plotly.js itself, in Chromium, about
each figure the pages draw and each image export, and fail on anything it would drop or
ignore: an unknown key, an invalid value, a key that has no effect.
"""

from __future__ import annotations

import json

import pytest
from dash import dcc
from dash.testing.wait import until

from callbacks.shell import render_page
from dashboard.exports import view_slug
from dashboard.factory import create_app
from dashboard.views import all_views, find_view
from layouts import ids

pytestmark = pytest.mark.browser

# Generous: a busy 2-core machine can take many seconds to draw a view.
WAIT = 120
# Every view, and the selections that draw the figures a plain visit does not.
PAGES = [view.path for view in all_views()] + [
    ids.PATH_RECRUITMENT + "?corridor=NP-KW&compare=NP-SA",
    # Thin enough to be shown by year, the last one under way: faded, hatched bars.
    ids.PATH_OVERVIEW + "?corridor=NP-KW",
    ids.PATH_EXPOSURE + "?fp=TH:seafood:12:KH,MM~MY:electronics:30:",
]
# Plotly.validate's codes that lose nothing: "invisible" (a trace hidden on purpose) and
# "unused" (a valid key with no effect on this trace type, such as the shared base layout's
# axes under a Sankey). Anything else fails: "schema" (a key plotly.js does not know and
# drops), "value" (an invalid value, replaced by the default), "object" and "array" (a
# container of the wrong type), and a crash of the check itself.
ALLOWED = {"invisible", "unused"}

FIGURES = """
return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (gd) {
  var owner = gd.closest('[id]');
  return {id: owner ? owner.id : '', figure: JSON.stringify({data: gd.data, layout: gd.layout})};
});
"""

VALIDATE = r"""
// plotly.js 3.3's Plotly.validate throws on a `legend` container: always for `legend`
// itself (its schema entry is a subplot object), and for `legend2` when no legend is drawn.
// So the legend's attributes are checked under `legend2` with the traces pointed at it,
// and named `legend` again; a legend that is not drawn (one trace, showlegend false, no
// traces) cannot lose anything a reader sees and is left out of the check.
function check(data, layout) {
  try {
    return Plotly.validate(data, layout) || [];
  } catch (e) {
    return {error: String(e)};
  }
}
function problemsOf(figure) {
  var data = figure.data || [];
  var layout = Object.assign({}, figure.layout);
  var legend = layout.legend;
  delete layout.legend;
  var found = check(data, layout);
  if (legend !== undefined && data.length && !found.error) {
    var withLegend = Object.assign({legend2: legend}, layout);
    var pointed = data.map(function (t) { return Object.assign({legend: 'legend2'}, t); });
    var more = check(pointed, withLegend);
    if (!more.error) {
      found = found.concat(more.filter(function (p) {
        return /^legend2\b/.test(String(p.astr || '')) && p.code !== 'unused';
      }));
    }
  }
  return found.error ? [{code: 'crash', astr: '', msg: found.error}] : found;
}
return arguments[0].map(function (item) {
  var problems = problemsOf(JSON.parse(item.figure));
  return {id: item.id, problems: problems.map(function (p) {
    return {code: p.code, container: p.container || '', trace: p.trace,
            path: String(p.astr || '').replace(/^legend2\b/, 'legend'),
            msg: String(p.msg).replace(/legend2\b/g, 'legend')};
  })};
});
"""


@pytest.fixture
def app(small_url, browser_ready):
    return create_app({"DATABASE_URL": small_url})


def _expected(app, page: str) -> set[str]:
    """The graphs a page draws: those in its layout, and the exposure profile's."""
    path, _sep, query = page.partition("?")
    data = app.server.extensions["ilm_data"]
    tree = render_page(data, find_view, path, f"?{query}" if query else "")
    graphs = {c.id for c in tree._traverse() if isinstance(c, dcc.Graph)}
    if path == ids.PATH_EXPOSURE and "fp=" in query:
        graphs |= {ids.graph(chart) for chart in (ids.EX_TREND, ids.EX_ISSUES, ids.EX_THEMES)}
    return graphs


def _figures(dash_duo) -> list[dict]:
    return dash_duo.driver.execute_script(FIGURES)


def _settled(dash_duo, expected: set[str], seen: list) -> bool:
    """Every expected graph drawn, nothing loading, the figures unchanged since last look."""
    loading = dash_duo.driver.execute_script(
        "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
    )
    figures = _figures(dash_duo)
    ready = not loading and expected <= {item["id"] for item in figures}
    stable = ready and seen and seen[-1] == figures
    seen.append(figures)
    return bool(stable)


def _problems(dash_duo, figures: list[dict]) -> list[tuple]:
    checked = dash_duo.driver.execute_script(VALIDATE, figures)
    return [
        (item["id"], p["code"], p["container"], p["trace"], p["path"], p["msg"])
        for item in checked
        for p in item["problems"]
        if p["code"] not in ALLOWED
    ]


def test_pv001_every_figure_of_every_view_passes_plotly_validate(start, app):
    dash_duo = start(app)
    found, drawn = [], set()
    for page in PAGES:
        expected = _expected(app, page)
        dash_duo.driver.get(dash_duo.server_url + page)
        seen: list = []
        until(lambda e=expected, s=seen: _settled(dash_duo, e, s), timeout=WAIT, poll=0.5)
        drawn |= {item["id"] for item in seen[-1]}
        found += [(page, *problem) for problem in _problems(dash_duo, seen[-1])]
    # Every registered chart was among them.
    registered = {ids.graph(c.id) for v in all_views() for c in (v.charts() if v.charts else [])}
    assert registered - drawn == set()
    assert found == [], "\n".join(map(str, found))
    assert dash_duo.get_logs() == []


def test_pv002_every_image_export_passes_plotly_validate(start, app):
    """The PNG/SVG downloads draw the server's export figure (title, stamps, source)."""
    dash_duo = start(app)
    client = app.server.test_client()
    dash_duo.driver.get(dash_duo.server_url + ids.PATH_METHODOLOGY)
    until(lambda: dash_duo.driver.execute_script("return !!window.Plotly"), timeout=WAIT)
    figures = []
    for view in all_views():
        for chart in view.charts() if view.charts else []:
            query = "?corridor=NP-KW&compare=NP-SA" if view.path == ids.PATH_RECRUITMENT else ""
            payload = client.get(f"/export/{view_slug(view)}/{chart.id}.json{query}").get_json()
            figures.append({"id": chart.id, "figure": json.dumps(payload["figure"])})
    assert len(figures) >= 20
    assert _problems(dash_duo, figures) == []

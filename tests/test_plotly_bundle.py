"""The partial plotly.js bundle: it draws every figure the app makes, and it is the only one.

tools/plotly-bundle builds assets/vendor/plotly-ilm.min.js from tools/plotly-bundle/
traces.json. These tests fail when a figure uses a trace type the bundle lacks, when the
bundle is not the plotly.js version plotly.py validates figures against, or when a page
would load the full plotly.min.js as well.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from pathlib import Path

import plotly
import pytest
from dash.testing.wait import until
from plotly.offline import get_plotlyjs_version
from plotly.validator_cache import ValidatorCache

from callbacks.urlstate import OPTIONS
from dashboard.config import PLOTLY_BUNDLE, ROOT
from dashboard.factory import create_app
from dashboard.views import all_views
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import ids
from tests.conftest import WAIT

TRACES_FILE = ROOT / "tools" / "plotly-bundle" / "traces.json"
BUNDLED = set(json.loads(TRACES_FILE.read_text())["traces"])
ALL_TRACE_TYPES = set(ValidatorCache.get_validator("", "data").class_strs_map)
FULL_BUNDLE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
# Where figures are built: chart callbacks, the exposure page, exports and embeds.
FIGURE_SOURCES = ("callbacks", "dashboard", "layouts")


def _bundle_text() -> str:
    return PLOTLY_BUNDLE.read_text(encoding="utf-8")


def _literal_trace_types(path: Path) -> set[str]:
    """Trace types written as `"type": "<trace>"` (or `type="<trace>"`) in a source file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        pairs = []
        if isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
        elif isinstance(node, ast.Call):
            pairs = ((ast.Constant(k.arg), k.value) for k in node.keywords if k.arg)
        for key, value in pairs:
            if (
                isinstance(key, ast.Constant)
                and key.value == "type"
                and isinstance(value, ast.Constant)
                and value.value in ALL_TRACE_TYPES
            ):
                found.add(value.value)
    return found


def _option_variants() -> list[dict]:
    variants = [{}]
    for name, option in OPTIONS.items():
        variants += [{name: value} for value in option.allowed]
    # Two corridors of the demo, so the comparison charts draw both series.
    return variants + [{"compare": "NP-KW"}, {"compare": "MM-TH"}]


def test_pb001_bundle_is_the_plotly_js_version_plotly_py_ships_with_the_listed_traces():
    head = _bundle_text()[:1000]
    assert f"plotly.js v{get_plotlyjs_version()}\n" in head, (
        "rebuild tools/plotly-bundle for the installed plotly (its README says how)"
    )
    listed = re.search(r"partial bundle; traces: ([a-z0-9,]+);", head).group(1).split(",")
    assert set(listed) == BUNDLED, "traces.json changed: rebuild tools/plotly-bundle"
    assert (PLOTLY_BUNDLE.parent / "plotly.js-LICENSE.txt").is_file()


def test_pb002_every_trace_type_written_in_the_source_is_bundled():
    used = {}
    for folder in FIGURE_SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for trace in _literal_trace_types(path):
                used.setdefault(trace, path.relative_to(ROOT).as_posix())
    assert {"bar", "sankey", "choropleth"} <= set(used)  # the scan finds what is there
    missing = {t: where for t, where in used.items() if t not in BUNDLED}
    assert not missing, f"add to tools/plotly-bundle/traces.json and rebuild: {missing}"


def test_pb003_every_chart_of_every_view_draws_only_bundled_trace_types(small_url):
    data = DataAccess(small_url)
    selections = [
        Filters(),
        Filters(country="TH"),
        Filters(origin="NP", destination="KW"),
        Filters(period="2026", nationality="KH"),
    ]
    used: dict[str, str] = {}
    for view in all_views():
        for chart in view.charts() if view.charts else []:
            for filters in selections:
                for options in _option_variants():
                    figure = chart.build(data, filters, options).figure
                    for trace in figure.get("data", []):
                        used.setdefault(trace.get("type", "scatter"), chart.id)
    assert {"bar", "sankey", "choropleth", "scatter"} <= set(used)
    missing = {t: chart for t, chart in used.items() if t not in BUNDLED}
    assert not missing, f"add to tools/plotly-bundle/traces.json and rebuild: {missing}"


def test_pb004_built_file_has_each_listed_trace_and_saves_real_bytes():
    text = _bundle_text().encode()
    for trace in sorted(BUNDLED):
        assert f'name:"{trace}"'.encode() in text, trace
    # Two trace types no figure draws stay out.
    assert b'name:"pie"' not in text and b'name:"scatter3d"' not in text
    # The point of the bundle: well under half the full bundle's compressed bytes.
    full = len(gzip.compress(FULL_BUNDLE.read_bytes(), 6))
    assert len(gzip.compress(text, 6)) < full / 2


@pytest.fixture
def app(small_url):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


def test_pb005_pages_load_the_partial_bundle_before_the_renderer_and_never_the_full(app):
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert not [s for s in scripts if "plotly.min.js" in s or "package_data" in s], scripts
    ours = [i for i, s in enumerate(scripts) if s.startswith("/assets/vendor/plotly-ilm.min.js")]
    renderer = [i for i, s in enumerate(scripts) if "dash_renderer" in s]
    # dcc.Graph fetches the full bundle only when window.Plotly is not yet set.
    assert len(ours) == 1 and ours[0] < renderer[0], scripts
    served = client.get(scripts[ours[0]])
    assert served.status_code == 200
    assert served.get_data() == PLOTLY_BUNDLE.read_bytes()
    served.close()


def test_pb006_embed_pages_serve_the_same_partial_bundle(app):
    response = app.server.test_client().get(f"{ids.PATH_EMBED}plotly.min.js")
    assert response.status_code == 200
    assert response.get_data() == PLOTLY_BUNDLE.read_bytes()


# -- in the browser -------------------------------------------------------------------------

FULL_DATA_TYPES = """
    return JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot'))
        .filter(function (gd) { return gd._fullData; })
        .map(function (gd) {
            return [gd.parentElement.id, gd.data.map(function (t) { return t.type || 'scatter'; }),
                    gd._fullData.map(function (t) { return t.type; })];
        }));
"""
PLOTLY_REQUESTS = """
    return performance.getEntriesByType('resource').map(function (e) { return e.name; })
        .filter(function (n) { return /plotly/.test(n); });
"""


def _drawn(dash_duo, chart_ids) -> list:
    def ready():
        loading = dash_duo.driver.execute_script(
            "return document.querySelectorAll('[data-dash-is-loading=\"true\"]').length"
        )
        drawn = json.loads(dash_duo.driver.execute_script(FULL_DATA_TYPES))
        return loading == 0 and {d[0] for d in drawn} >= set(chart_ids) and drawn

    return until(ready, timeout=WAIT)


@pytest.mark.browser
def test_pb007_every_view_draws_its_traces_with_the_partial_bundle_alone(start, app):
    dash_duo = start(app)
    registered = None
    for view in all_views():
        if not view.charts:
            continue
        chart_ids = [ids.graph(chart.id) for chart in view.charts()]
        dash_duo.driver.get(dash_duo.server_url + view.path)
        for graph, asked, drawn in _drawn(dash_duo, chart_ids):
            # An unregistered type would be drawn as something else, or not at all.
            assert asked == drawn, (view.path, graph)
        registered = registered or dash_duo.driver.execute_script(
            "return Object.keys(Plotly.PlotSchema.get().traces)"
        )
        requests = dash_duo.driver.execute_script(PLOTLY_REQUESTS)
        assert [r for r in requests if "plotly-ilm.min.js" in r], requests
        assert not [r for r in requests if "plotly.min.js" in r], requests
    assert set(registered) == BUNDLED
    assert dash_duo.get_logs() == []


EXPORT = """
    var done = arguments[arguments.length - 1];
    var gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
    Plotly.toImage(gd, {format: arguments[1], width: 600, height: 400})
        .then(done, function (e) { done('error: ' + e); });
"""


@pytest.mark.browser
@pytest.mark.parametrize(
    "path, chart, drawn",
    [
        ("/recruitment", ids.RECRUITMENT_SANKEY, ".sankey-node"),
        # Country shapes come from /assets/topojson/ (GRAPH_CONFIG's topojsonURL).
        ("/supply-chains", ids.SC_MAP_CHART, "path.choroplethlocation"),
    ],
)
def test_pb008_sankey_and_map_draw_and_export_as_png_and_svg(start, app, path, chart, drawn):
    dash_duo = start(app)
    graph = ids.graph(chart)
    dash_duo.driver.get(dash_duo.server_url + path)
    dash_duo.wait_for_element(f"#{graph} {drawn}", timeout=WAIT)
    assert len(dash_duo.driver.find_elements("css selector", f"#{graph} {drawn}")) >= 3
    # The PNG and SVG buttons (assets/03_downloads.js) go through Plotly.toImage.
    for fmt, prefix in (("png", "data:image/png;base64,"), ("svg", "data:image/svg+xml")):
        image = dash_duo.driver.execute_async_script(EXPORT, graph, fmt)
        assert image.startswith(prefix) and len(image) > 2000, (fmt, image[:80])
    assert dash_duo.get_logs() == []

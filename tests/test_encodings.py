"""Charts a reader reads right: scope against the data, colours, axes, partial periods, the map."""

from __future__ import annotations

import csv
import io
import re

import pytest

from callbacks import (
    exposure,
    figures,
    overview,
    protected,
    recruitment,
    remediation,
    supply_chains,
)
from callbacks import worksite_figures as wf
from callbacks.charts import Chart, ChartResult, TableData, run
from callbacks.urlstate import parse_query
from dashboard.config import ROOT
from dashboard.exports import view_slug
from dashboard.factory import create_app
from dashboard.views import all_views
from data_access.disclosure import Published
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import colours, ids
from layouts.components import ChartMeta
from layouts.csvfile import BOM
from layouts.selection import filter_items

# One value of every filter a URL can set, each a large group of the demo.
FILTER_QUERIES = {
    "period": "period=2024",
    "country": "country=TH",
    "nationality": "nationality=MM",
    "industry": "industry=seafood",
    "corridor": "corridor=NP-KW",
    "issue": "issue=wages_unpaid",
    "channel": "channel=helpline",
}

CHARTS = [(v, c) for v in all_views() for c in (v.charts() if v.charts else [])]
CHART_IDS = [f"{view_slug(v)}/{c.id}" for v, c in CHARTS]


@pytest.fixture(scope="module")
def app(small_url):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


@pytest.fixture(scope="module")
def data(app) -> DataAccess:
    return app.server.extensions["ilm_data"]


def _csv(client, url: str) -> str:
    # Read in full before the next request, as a reader's download is.
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True).removeprefix(BOM)


def _header(text: str) -> dict[str, str]:
    header = {}
    for line in text.splitlines():
        if line.startswith("# "):
            name, _sep, value = line[2:].partition(": ")
            header.setdefault(name, value)
    return header


def _rows(text: str) -> list[list[str]]:
    body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
    return list(csv.reader(io.StringIO(body)))


def test_en001_declared_filters_are_url_filters():
    for _view, chart in CHARTS:
        assert set(chart.not_applied) <= set(FILTER_QUERIES), chart.id
        assert set(chart.highlighted) <= set(chart.not_applied), chart.id


@pytest.mark.parametrize("name", list(FILTER_QUERIES))
@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_en002_csv_states_exactly_the_filters_its_numbers_apply(client, view, chart, name):
    query = "?" + FILTER_QUERIES[name]
    path = f"/download/{view_slug(view)}/{chart.id}.csv"
    everything, filtered = _csv(client, path), _csv(client, path + query)
    header = _header(filtered)
    label = dict(filter_items(parse_query(query)[0]))[name]
    if name in chart.not_applied:
        # Declared not applied: the numbers are those of the whole selection, and the
        # header says so where the filters are listed.
        assert _rows(filtered) == _rows(everything), f"{chart.id} applies {name}"
        assert label in header["not applied"]
        assert label not in header["filters"]
    else:
        # Applied: it changes the numbers (or withholds them), and is listed as applied.
        assert _rows(filtered) != _rows(everything) or not _rows(filtered), (
            f"{chart.id} ignores {name}: declare it in not_applied"
        )
        assert label in header["filters"]
        assert label not in header["not applied"]


def test_en003_corridor_map_says_on_the_chart_that_it_highlights_the_corridor(data):
    chart = next(c for _v, c in CHARTS if c.id == ids.RECRUITMENT_MAP)
    result = chart.answer(data, Filters(origin="NP", destination="KW"), {})
    assert "All corridors shown; Nepal → Kuwait highlighted." in result.note


def test_en004_the_note_says_nothing_of_scope_when_every_filter_applies(data):
    chart = next(c for _v, c in CHARTS if c.id == ids.RECRUITMENT_MAP)
    result = chart.answer(data, Filters(period="2024"), {})
    assert "highlighted" not in result.note and "Not applied" not in result.note


# Selections every figure is checked under: everything, and two corridors compared.
SCENARIOS = [
    (Filters(), {}),
    (Filters(origin="NP", destination="KW"), {"compare": "MM-TH"}),
]


def _figures(data):
    for _view, chart in CHARTS:
        for filters, options in SCENARIOS:
            yield chart.id, chart.answer(data, filters, options).figure


def _axes(layout: dict):
    for name, axis in layout.items():
        if name.startswith(("xaxis", "yaxis")) and axis.get("visible", True):
            yield name, axis


def test_en005_every_axis_of_every_chart_has_a_title(data):
    untitled = []
    for chart_id, figure in _figures(data):
        if not figure["data"]:
            continue  # an empty chart draws no axes
        types = {t.get("type") for t in figure["data"]}
        if types & {"sankey", "choropleth", "scattergeo"}:
            continue  # no cartesian axes
        layout = figure["layout"]
        names = dict(_axes(layout))
        for needed in ("xaxis", "yaxis"):
            if needed not in layout:
                names[needed] = {}  # drawn with plotly's defaults: untitled
        for name, axis in names.items():
            title = axis.get("title")
            text = title.get("text") if isinstance(title, dict) else title
            if not text:
                untitled.append(f"{chart_id}: {name}")
    assert not untitled, ", ".join(sorted(set(untitled)))


def _lightness(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def test_en006_the_sequential_scale_runs_light_to_dark():
    lightness = [_lightness(c) for _stop, c in colours.SEQUENTIAL]
    assert lightness == sorted(lightness, reverse=True)
    assert [stop for stop, _c in colours.SEQUENTIAL][:: len(colours.SEQUENTIAL) - 1] == [0, 1]


def test_en007_no_data_grey_is_off_the_scale_and_has_no_hue():
    red, green, blue = (colours.NO_DATA[i : i + 2] for i in (1, 3, 5))
    assert red == green == blue
    assert colours.NO_DATA not in [c for _s, c in colours.SEQUENTIAL]
    # The lowest step is a colour, not the page's white: "low" never reads as "empty".
    assert _lightness(colours.SEQUENTIAL[0][1]) < 0.9


def test_en008_heatmap_draws_withheld_cells_grey_and_says_so():
    figure = wf.heatmap(
        ["A", "B"], ["x"], [[0.5, None]], [["a", "b"]], "Share", "withheld", ("I", "J")
    )
    grey, shares, key = figure["data"]
    assert grey["z"] == [[None, 1]] and grey["colorscale"][0][1] == colours.NO_DATA
    assert shares["colorscale"] == colours.SEQUENTIAL
    # The grey is named in the legend.
    assert key["name"] == "withheld" and key["marker"]["color"] == colours.NO_DATA
    assert figure["layout"]["showlegend"] is True


def test_en009_map_draws_withheld_countries_grey_and_keeps_land_for_the_rest():
    figure = wf.choropleth(
        ["THA"], [100], ["Thailand"], ["country=TH"], "Cases", (["LAO"], ["Laos"]), "withheld"
    )
    grey, values, key = figure["data"]
    assert grey["locations"] == ["LAO"] and grey["showscale"] is False
    assert key["type"] == "scattergeo" and key["marker"]["color"] == colours.NO_DATA
    assert values["colorscale"] == colours.SEQUENTIAL
    assert figure["layout"]["geo"]["landcolor"] == colours.LAND != colours.NO_DATA


def test_en010_a_period_under_way_is_labelled_with_its_last_month():
    assert protected.time_label("quarter", "2024-Q4", "2024-11") == "2024-Q4 (to Nov)"
    assert protected.time_label("quarter", "2024-Q4", "2024-12") == "2024-Q4"
    assert protected.time_label("year", "2024", "2024-06") == "2024 (to Jun)"
    assert protected.time_label("quarter", "2024-Q3", "2024-11") == "2024-Q3"


def test_en011_a_period_under_way_is_drawn_faded_and_hatched():
    figure = figures.stacked_bars(["Q1", "Q2 (to May)"], [("Cases", [40, 20])], "Cases", "Quarter")
    marker = figures.mark_partial(figure)["data"][0]["marker"]
    assert marker["opacity"][-1] < 1 == marker["opacity"][0]
    assert marker["pattern"]["shape"] == ["", colours.PARTIAL_PATTERN]


def test_en012_a_line_ends_in_a_dotted_faded_segment_for_a_period_under_way():
    figure = wf.lines(
        ["Q1", "Q2", "Q3 (to Aug)"], [("Fees", [30, 40, 12], "issue=x")], "Cases", "Quarter"
    )
    whole, tail = figures.mark_partial(figure)["data"]
    assert whole["y"] == [30, 40] and tail["y"] == [40, 12]
    assert tail["line"]["dash"] == "dot" and tail["showlegend"] is False
    # Years alone would make plotly read the axis as numbers and drop "2026 (to Nov)".
    assert figure["layout"]["xaxis"]["type"] == "category"


def test_en013_trends_compare_complete_periods_only():
    line = protected.Timeline(["Q1", "Q2 (to May)"], True, "", "Quarter")
    assert line.complete(["2024-Q1", "2024-Q2"]) == ["2024-Q1"]


def test_en014_small_count_axes_tick_whole_numbers_once():
    assert figures.count_axis([1, 2, 3])["dtick"] == 1
    assert "dtick" not in figures.count_axis([10, 400])


def test_en015_legends_sit_above_the_plot_away_from_rotated_ticks():
    legend = figures.base_layout()["legend"]
    assert legend["y"] >= 1 and legend["yanchor"] == "bottom"


def test_en016_no_figure_module_writes_its_own_hex_colours():
    hexes = re.compile(r"[\"']#[0-9A-Fa-f]{3,6}[\"']|(?<![.\w])rgba\(")
    for path in (ROOT / "callbacks").glob("*.py"):
        assert not hexes.search(path.read_text()), f"{path}: take colours from layouts/colours.py"


def test_en017_corridor_map_is_drawn_on_country_shapes(data):
    figure = recruitment.map_chart(data, Filters(), {}).figure
    assert {t["type"] for t in figure["data"]} == {"scattergeo"}
    geo = figure["layout"]["geo"]
    assert geo["projection"]["type"] == "natural earth"
    assert geo["showland"] and geo["showcountries"]


def test_en018_the_selected_corridor_is_unmistakable(data):
    figure = recruitment.map_chart(data, Filters(origin="NP", destination="KW"), {}).figure
    arcs = [t for t in figure["data"] if "customdata" in t]
    chosen = [t for t in arcs if t["customdata"][0] == "NP-KW"]
    assert len(chosen) == 1 and arcs[-1] is chosen[0]  # drawn last, on top
    others = [t for t in arcs if t is not chosen[0]]
    assert chosen[0]["line"]["color"] == colours.HIGHLIGHT
    assert all(t["line"]["color"] != colours.HIGHLIGHT for t in others)
    # Width still says how many (a small corridor stays thinner than the largest), but
    # never thinner than a clear stroke, and every other arc is faded beside it.
    assert chosen[0]["line"]["width"] >= 5
    assert chosen[0]["opacity"] == 1 > max(t["opacity"] for t in others)
    assert any("Nepal → Kuwait" in text for text in chosen[0]["text"])


def test_en019_small_destinations_are_named_on_hover_not_on_the_map(data):
    places = recruitment.map_chart(data, Filters(), {}).figure["data"][-1]
    named = {h for h, t in zip(places["hovertext"], places["text"]) if t}
    assert set(places["hovertext"]) > named  # some only on hover
    assert {"Nepal", "Myanmar"} <= named  # origins always named


def test_en020_the_corridor_trend_never_compares_a_year_under_way(data):
    as_of = data.version().as_of
    under_way = as_of[:4]
    assert not as_of.endswith("-12"), "the test data (tests/conftest.py) ends mid-year"
    assert recruitment.trend_years(data, Filters(period=under_way)) is None
    recent, before = recruitment.trend_years(data, Filters())
    assert recent < under_way and int(before) == int(recent) - 1


def test_en021_a_chart_shown_by_year_marks_the_year_under_way(data):
    result = overview.cases_chart(data, Filters(origin="NP", destination="KW"), {})
    as_of = data.version().as_of
    label = result.table.rows[-1][0]
    assert label == f"{as_of[:4]} (to Jun)"  # the test data ends in June
    bars = result.figure["data"][0]
    assert bars["x"][-1] == label and bars["marker"]["pattern"]["shape"][-1]
    assert "not comparable with the full periods" in result.note


def test_en022_exposure_trend_marks_a_quarter_under_way():
    table = TableData(
        "Cases reported per quarter",
        ("Quarter", "TH seafood", "Footprint"),
        (
            ("2026-Q2", Published(40), Published(40)),
            ("2026-Q3 (to Aug)", Published(12), Published(12)),
        ),
    )
    figure = exposure.trend_figure(table, partial=True)
    tails = [t for t in figure["data"] if t.get("showlegend") is False]
    assert len(tails) == 2 and all(t["line"]["dash"] == "dot" for t in tails)
    assert figure["layout"]["xaxis"]["title"]["text"] == "Quarter"


def test_en023_validation_by_year_marks_the_year_under_way(data):
    result = remediation.validated_chart(data, Filters(), {})
    assert result.table.rows[-1][0] == "2026 (to Jun)"  # the test data ends in June
    assert result.figure["data"][0]["marker"]["pattern"]["shape"][-1]


def test_en024_a_chart_csv_cites_the_scope_its_numbers_have(client):
    url = f"/download/recruitment/{ids.RECRUITMENT_MAP}.csv?corridor=NP-KW"
    header = _header(_csv(client, url))
    assert header["filters"] == "Showing everything."
    assert "All corridors shown; Nepal → Kuwait highlighted." in header["citation"]
    assert "Showing: Nepal → Kuwait" not in header["citation"]


# Charts whose scope a view option changes: the option, and a filter it drops.
OPTION_SCOPES = [
    ("supply-chains", ids.SC_THEME_CHART, "theme=wages", "issue"),
    ("remediation", ids.REMEDIATION_RATE, "rate_by=theme", "issue"),
]


@pytest.mark.parametrize(("slug", "chart_id", "option", "name"), OPTION_SCOPES)
def test_en025_a_view_option_that_drops_a_filter_is_stated_too(
    client, slug, chart_id, option, name
):
    path = f"/download/{slug}/{chart_id}.csv?{option}"
    everything = _csv(client, path)
    filtered = _csv(client, path + "&" + FILTER_QUERIES[name])
    header = _header(filtered)
    label = dict(filter_items(parse_query("?" + FILTER_QUERIES[name])[0]))[name]
    assert _rows(filtered) == _rows(everything)
    assert label in header["not applied"] and label not in header["filters"]


def test_en026_the_worksite_map_says_withheld_countries_are_grey(data):
    result = supply_chains.map_chart(data, Filters(), {})
    grey = [t for t in result.figure["data"] if t.get("meta") == "no-data" and "z" in t]
    assert grey and "grey on the map" in result.note


def test_en027_nine_series_of_bars_have_nine_different_legend_keys():
    names = [f"n{i}" for i in range(9)]
    stacked = figures.stacked_bars(["2024"], [(n, [1]) for n in names], "Cases", "Year")
    ranked = wf.hbars(["a"], [(n, [1]) for n in names], "Cases", y_title="Issue category")
    for figure in (stacked, ranked):
        keys = {
            (t["marker"]["color"], (t["marker"].get("pattern") or {}).get("shape", ""))
            for t in figure["data"]
        }
        assert len(keys) == 9


def test_en028_an_empty_table_says_why_not_only_the_scope(data):
    chart = Chart(
        ChartMeta("test-empty", "Empty", "Nothing here."),
        lambda data, filters, options: ChartResult({"data": []}, None, ""),
        not_applied=("country",),
    )
    _figure, table, note, _summary = run(chart, data, {"country": "TH"}, {})
    assert table == {"empty": "Nothing to show."}
    assert "Thailand" in note.children

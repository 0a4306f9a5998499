"""Downloads, embeds, Share/Cite and methodology, generic over every registered view and chart."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import html
import io
import json
import math
import re

import pandas as pd
import pytest

from callbacks.charts import render_table
from callbacks.share import cite
from dashboard import exports
from dashboard.exports import export_figure, view_slug
from dashboard.factory import create_app
from dashboard.views import all_views, find_view
from data_access.query import DataAccess
from layouts import i18n, ids
from layouts.csvfile import BOM

# Selections every chart is checked under: everything, one country, a period and channel.
QUERIES = ("", "?country=TH", "?period=2024&channel=helpline")


def _charts():
    return [(v, chart) for v in all_views() for chart in (v.charts() if v.charts else [])]


CHARTS = _charts()
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


def _split_csv(text: str) -> tuple[dict[str, str], list[list[str]]]:
    text = text.removeprefix(BOM)  # tested on its own (ex021)
    header = {}
    lines = []
    for line in text.splitlines(keepends=True):
        if line.startswith("# "):
            name, _sep, value = line[2:].rstrip("\n").partition(": ")
            header.setdefault(name, value)
        else:
            lines.append(line)
    return header, list(csv.reader(io.StringIO("".join(lines))))


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def _html_rows(table, k: int) -> list[list[str]]:
    body = render_table(table, k, "").children[2]
    return [[_texts(cell)[0] for cell in row.children] for row in body.children]


def _same_value(csv_text: str, shown: str, k: int) -> bool:
    """A CSV cell and the HTML table's cell say the same number (or both say "<K", or
    "withheld", or give the same bound)."""
    if csv_text in (f"<{k}", "withheld") or shown in (f"<{k}", "withheld"):
        return csv_text == shown
    for word, sign in (("under ", "<"), ("over ", ">")):
        if shown.startswith(word):
            return csv_text.startswith(sign) and _same_value(csv_text[1:], shown[len(word) :], k)
    if shown.endswith("%"):
        # The table rounds to whole percent, the CSV keeps four decimals.
        return csv_text != "" and abs(float(csv_text) * 100 - int(shown[:-1])) <= 0.5 + 1e-9
    if shown == "not published":
        return csv_text in ("", shown)
    return csv_text == shown.replace(",", "")


def _figure_numbers(figure: dict) -> list[float]:
    numbers = []
    for trace in figure.get("data", []):
        if trace.get("meta") in ("geometry", "no-data"):
            continue  # map coordinates, or the flag of withheld cells: not published numbers
        for key in ("x", "y", "z", "values", "value"):
            values = trace.get(key)
            values = values if isinstance(values, (list, tuple)) else [values]
            for v in values:
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    numbers.append(float(v))
    return numbers


def _csv_numbers(rows: list[list[str]]) -> list[float]:
    out = []
    for row in rows[1:]:
        for cell in row[1:]:
            # A cell may carry its unit ("3 months"): the number is its first word.
            try:
                word = cell.split()[0].lstrip("≈<>") if cell.strip() else "nan"
                out.append(float(word))
            except ValueError:
                continue
    return out


def test_ex001_every_chart_is_registered_with_a_unique_id():
    assert CHARTS, "no chart in the registry"
    assert len(set(CHART_IDS)) == len(CHART_IDS)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_ex002_chart_csv_equals_its_view_as_table(client, data, view, chart, query):
    response = client.get(f"/download/{view_slug(view)}/{chart.id}.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    _header, rows = _split_csv(response.get_data(as_text=True))
    from callbacks.urlstate import parse_options, parse_query

    result = chart.build(data, parse_query(query)[0], parse_options(query)[0])
    if result.table is None:
        assert rows == []
        return
    k = data.params.k
    assert rows[0] == list(result.table.header)
    shown = _html_rows(result.table, k)
    assert len(rows) - 1 == len(shown)
    for csv_row, html_row in zip(rows[1:], shown):
        assert csv_row[0] == html_row[0]
        for a, b in zip(csv_row[1:], html_row[1:]):
            assert _same_value(a, b, k), (a, b)


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_ex003_every_number_in_a_chart_figure_is_in_its_csv(client, view, chart, query):
    response = client.get(f"/download/{view_slug(view)}/{chart.id}.csv{query}")
    _header, rows = _split_csv(response.get_data(as_text=True))
    export = client.get(f"/export/{view_slug(view)}/{chart.id}.json{query}").get_json()
    in_csv = _csv_numbers(rows)
    for number in _figure_numbers(export["figure"]):
        if number == 0:
            continue  # an absent cell is drawn as 0; the table lists it as 0 or leaves it out
        # Shares are drawn in percent (one decimal) and written as decimals.
        as_share = number / 100
        assert any(
            math.isclose(number, c, rel_tol=0, abs_tol=1e-4)
            or math.isclose(as_share, c, rel_tol=0, abs_tol=6e-4)
            for c in in_csv
        ), number


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_ex004_csv_header_block_says_what_where_when_and_under_which_rules(
    client, data, view, chart
):
    response = client.get(f"/download/{view_slug(view)}/{chart.id}.csv?country=MY")
    header, _rows = _split_csv(response.get_data(as_text=True))
    info = data.version()
    assert header["title"] == chart.meta.title
    assert header["definition"] == " ".join(chart.meta.definition.split())
    # A chart lists the country as applied, or as not applied where it says so.
    where = "not applied" if "country" in chart.not_applied else "filters"
    assert "Malaysia" in header[where]
    assert header["data version"] == str(info.version)
    assert header["data as of"] == info.as_of
    assert f"below {data.params.k}" in header["disclosure"]
    assert f"±{data.params.noise}" in header["disclosure"]
    assert header["source"].startswith("Source: ")
    assert header["licence"].startswith("CC BY 4.0")
    assert "ILM Community Dashboard" in header["citation"]
    assert header["url"].endswith(f"{view.path}?country=MY")
    assert "attachment" in response.headers["Content-Disposition"]


def test_ex005_suppressed_cells_are_less_than_k_in_the_csv_never_a_number(client, data):
    # A thin selection: the issue table then lists withheld categories as "<K".
    query = "?corridor=NP-MY&channel=viber"
    result_csv = client.get(f"/download/overview/{ids.ISSUES_CHART}.csv{query}")
    _header, rows = _split_csv(result_csv.get_data(as_text=True))
    from callbacks import overview
    from callbacks.urlstate import parse_query

    result = overview.issues_chart(data, parse_query(query)[0])
    if result.table is None:
        assert rows == []
        return
    k = data.params.k
    expected = [
        [str(row[0])] + [f"<{k}" if c.suppressed else str(c.value) for c in row[1:]]
        for row in result.table.rows
    ]
    assert rows[1:] == expected
    for row in rows[1:]:
        for cell in row[1:]:
            assert cell == f"<{k}" or int(cell) >= k or int(cell) == 0


def test_ex006_unknown_view_or_chart_is_a_404(client):
    assert client.get("/download/overview/nope.csv").status_code == 404
    assert client.get("/download/nowhere/overview-cases.csv").status_code == 404
    assert client.get("/embed/overview/nope").status_code == 404
    assert client.get("/export/nowhere/nope.json").status_code == 404


def test_ex007_bad_query_in_a_download_is_named_in_the_header_not_a_crash(client):
    response = client.get(f"/download/overview/{ids.CASES_CHART}.csv?country=ZZ&colour=red")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "# ignored:" in text and "ZZ" in text and "colour" in text


def test_ex008_export_figure_carries_title_filters_as_of_and_source():
    figure = {"data": [{"type": "bar", "x": ["a"], "y": [12]}], "layout": {"height": 320}}
    out = export_figure(figure, "Cases by month", "Showing: Thailand.", "Jun 2026", "Source: ILM.")
    texts = [out["layout"]["title"]["text"]] + [a["text"] for a in out["layout"]["annotations"]]
    joined = " ".join(texts)
    for part in ("Cases by month", "Showing: Thailand.", "Jun 2026", "Source: ILM."):
        assert part in joined
    assert out["data"] == figure["data"]
    assert figure["layout"] == {"height": 320}, "the chart's own figure is not changed"


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_ex009_image_export_of_every_chart_names_title_filters_as_of_and_source(
    client, data, view, chart
):
    payload = client.get(f"/export/{view_slug(view)}/{chart.id}.json?nationality=KH").get_json()
    layout = payload["figure"]["layout"]
    joined = " ".join([layout["title"]["text"]] + [a["text"] for a in layout["annotations"]])
    assert html.escape(chart.meta.title) in joined
    assert "Cambodian" in joined
    assert "Jun 2026" in joined
    assert f"data version {data.version().version}" in joined
    assert payload["filename"].startswith(f"{view_slug(view)}-{chart.id}")


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_ex010_embed_page_has_title_source_and_a_link_back_and_may_be_framed(client, view, chart):
    response = client.get(f"/embed/{view_slug(view)}/{chart.id}?country=TH")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    title = re.search(r'<h1 id="embed-title">([^<]*)</h1>', page)
    assert title and html.unescape(title.group(1)) == chart.meta.title
    # The test database is the demo: its source line says so (an import's: tests/test_synthetic).
    assert "Source: Demonstration data: synthetic, not ILM figures" in page
    assert re.search(rf'id="embed-link" href="[^"]*{re.escape(view.path)}\?country=TH"', page)
    assert "X-Frame-Options" not in response.headers
    assert response.headers["Content-Security-Policy"].endswith("; frame-ancestors *")
    assert 'src="http' not in page, "no third-party requests from readers' browsers"


@pytest.mark.parametrize("path", ["/", "/methodology", "/api/v1/meta", "/healthz", "/nowhere"])
def test_ex011_every_other_page_refuses_framing(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_ex012_citation_names_dashboard_view_filters_version_as_of_url_and_date(data):
    url = "https://dash.example.org/?period=2023&corridor=NP-KW&lang=en"
    text, bibtex, permalink = cite(data, find_view, url, dt.date(2026, 7, 3))
    info = data.version()
    for part in (
        "ILM Community Dashboard",
        "Overview",
        "Nepal → Kuwait",
        "2023",
        f"Data version {info.version}",
        "Jun 2026",
        url,
        "2026-07-03",
    ):
        assert part in text, part
    assert bibtex.startswith("@misc{ilm_dashboard_v")
    assert "urldate      = {2026-07-03}" in bibtex
    assert f"\\url{{{url}}}" in bibtex
    assert permalink == url


def test_ex013_bibtex_escapes_special_characters(data):
    url = "https://x.org/?industry=apparel_footwear"
    _text, bibtex, _url = cite(data, find_view, url, dt.date(2026, 7, 1))
    assert "Apparel \\& footwear" in bibtex


def test_ex014_methodology_lists_data_versions_with_as_of(data):
    from callbacks.shell import render_page

    page = render_page(data, find_view, "/methodology")
    texts = " ".join(_texts(page))
    for info in data.versions():
        assert "Jun 2026" in texts and str(info.version) in texts
    assert "refreshed" in texts
    for term in ("Worker contact", "Case", "Workers affected", "Workers remediated"):
        assert term in texts
    assert "Cases remediated" in texts and "Detection rate" in texts
    assert "CC BY 4.0" in texts


def test_ex015_versions_lists_every_loaded_version_newest_first(data):
    versions = data.versions()
    assert versions and versions[0] == data.version()
    assert [v.version for v in versions] == sorted((v.version for v in versions), reverse=True)


def test_ex016_every_chart_card_offers_csv_png_svg_and_embed(data):
    from callbacks.shell import render_page

    def walk(component):
        yield component
        children = getattr(component, "children", None)
        if isinstance(children, (list, tuple)):
            for c in children:
                yield from walk(c)
        elif children is not None:
            yield from walk(children)

    for view in all_views():
        if not view.charts:
            continue
        nodes = list(walk(render_page(data, find_view, view.path)))
        for chart in view.charts():
            marked = [n for n in nodes if getattr(n, "data-chart", None) == chart.id]
            classes = " ".join(getattr(n, "className", "") for n in marked)
            assert ids.DOWNLOAD_CSV in classes and ids.EMBED_LINK in classes, chart.id
            formats = {getattr(n, "data-format", None) for n in marked}
            assert {"png", "svg"} <= formats, chart.id


def test_ex017_a_year_the_data_does_not_cover_is_ignored_and_said_so_in_the_csv(client):
    # It made a 500 on every route (the fuzz suite found it).
    response = client.get("/download/supply-chains/supply-trend.csv?period=1999")
    assert response.status_code == 200
    assert "1999 was ignored" in response.get_data(as_text=True)


@pytest.mark.parametrize("route", ["/export/{}.json", "/embed/{}"])
def test_ex018_images_and_embeds_are_drawn_without_a_year_the_data_does_not_cover(client, route):
    response = client.get(route.format("supply-chains/supply-trend") + "?period=1999")
    assert response.status_code == 200
    assert "1999" not in response.get_data(as_text=True)


def test_ex019_the_embed_page_escapes_every_value_it_shows(app, data):
    """templates/embed.html is autoescaped: markup in a note, a table cell, a link or a
    figure label stays text, and the page's only scripts are its own four."""
    attack = "</script><script>alert(1)</script>"
    with app.server.test_request_context("/embed/audits/audits-bins"):
        built = exports.build(data, "audits", "audits-bins", "")
        table = built.result.table
        figure = {**built.result.figure, "layout": {"title": {"text": attack}}}
        result = dataclasses.replace(
            built.result,
            figure=figure,
            note=attack,
            table=dataclasses.replace(table, caption=attack, rows=[[attack, 1], *table.rows]),
        )
        page = exports.embed_html(dataclasses.replace(built, result=result), f'/x?a="{attack}')
    assert "<script>alert" not in page and '"/x?a="' not in page
    # The figure's data, plotly, the digits of the reader's language, the inline script.
    assert page.count("<script") == 4 and page.count("</script>") == 4
    assert f'<p class="note">{html.escape(attack, quote=False)}</p>' in page
    assert f"<caption>{html.escape(attack, quote=False)}</caption>" in page
    data_json = re.search(r'<script id="figure-data" type="application/json">(.*?)</script>', page)
    assert json.loads(data_json.group(1))["layout"]["title"]["text"] == attack
    # The one inline script is byte for byte the one the CSP allows by its hash.
    assert f"<script>{exports.EMBED_SCRIPT}</script>" in page


def test_ex020_a_csv_downloaded_in_a_language_has_its_whole_header_in_it(client):
    text = client.get("/download/supply-chains/supply-map.csv?lang=my").get_data(as_text=True)
    header = dict(line[2:].split(": ", 1) for line in text.splitlines() if line.startswith("# "))
    token = i18n.activate("my")
    try:
        view = find_view(ids.PATH_SUPPLY_CHAINS).label()
        everything = i18n._("Showing everything: no filters are set.")
    finally:
        i18n.deactivate(token)
    assert header["view"] == view != "Ethical supply chains"
    assert header["filters"] == everything


def test_ex021_a_downloaded_csv_opens_in_a_spreadsheet_in_the_readers_script(client):
    """A UTF-8 byte order mark first (Excel otherwise reads a legacy code page), which
    pandas skips, so the '#' lines still read as comments."""
    body = client.get("/download/supply-chains/supply-map.csv?lang=km").get_data()
    assert body.startswith(BOM.encode("utf-8"))
    table = pd.read_csv(io.BytesIO(body), comment="#")
    token = i18n.activate("km")
    try:
        country = i18n._("Country")
    finally:
        i18n.deactivate(token)
    assert list(table.columns)[0] == country != "Country"

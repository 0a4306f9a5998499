"""Demonstration data is labelled wherever it can be seen or copied; an imported extract is not.

Two deployments side by side: the small demo (`python -m dashboard demo`, synthetic) and
the same rows loaded with `python -m dashboard import` (what a real extract goes through).
Every surface must say "synthetic" for the first and must not for the second.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from callbacks import exposure
from callbacks import footprint as fp
from callbacks.share import cite
from dashboard.exports import view_slug
from dashboard.factory import create_app
from dashboard.views import all_views, find_view
from data_access.query import DataAccess
from layouts import ids
from layouts.csvfile import BOM

LABEL = "Demonstration data: synthetic, not ILM figures"
ILM_SOURCE = "Source: Inclusive Labor Monitoring (ILM) network worker-voice channels"
CHARTS = [(v, c) for v in all_views() for c in (v.charts() if v.charts else [])]
CHART_IDS = [f"{view_slug(v)}/{c.id}" for v, c in CHARTS]
API_ANSWERS = [
    "/api/v1/meta",
    "/api/v1/aggregates?measure=cases",
    "/api/v1/aggregates?measure=workers_remediated&by=country,year",
    "/api/v1/aggregates?measure=contacts&by=channel",
]


@pytest.fixture(scope="module")
def demo(small_url):
    return create_app({"DATABASE_URL": small_url, "DATA_VERSION_TTL": 0})


@pytest.fixture(scope="module")
def imported(imported_url):
    return create_app({"DATABASE_URL": imported_url, "DATA_VERSION_TTL": 0})


def _says_synthetic(text: str) -> bool:
    return "synthetic" in text.lower() or "demonstration" in text.lower()


def _texts(component) -> list[str]:
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_sy001_a_demo_build_is_synthetic_and_an_import_is_not(small_url, imported_url):
    assert DataAccess(small_url).version().synthetic is True
    assert DataAccess(imported_url).version().synthetic is False


def test_sy002_every_page_of_a_demo_carries_the_banner_and_an_import_none(demo, imported):
    # The page frame (banner and footer) is the same Dash layout for every path.
    shown = demo.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert ids.SYNTHETIC_BANNER in shown and LABEL in shown
    assert "Source: Demonstration data" in shown
    real = imported.server.test_client().get("/_dash-layout").get_data(as_text=True)
    assert ids.SYNTHETIC_BANNER not in real and not _says_synthetic(real)
    assert ILM_SOURCE in real


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_sy003_every_chart_csv_of_a_demo_says_so_first_and_an_import_not(
    demo, imported, view, chart
):
    path = f"/download/{view_slug(view)}/{chart.id}.csv?country=TH"
    response = demo.server.test_client().get(path)
    assert "-synthetic.csv" in response.headers["Content-Disposition"]
    # First after the byte order mark a spreadsheet needs (invisible to readers).
    shown = response.get_data(as_text=True).removeprefix(BOM).splitlines()
    assert shown[0] == f"# notice: {LABEL}"
    source = next(line for line in shown if line.startswith("# source: "))
    assert LABEL in source
    response = imported.server.test_client().get(path)
    assert "synthetic" not in response.headers["Content-Disposition"]
    real = response.get_data(as_text=True)
    assert not _says_synthetic(real)
    assert f"# source: {ILM_SOURCE}" in real


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_sy004_every_chart_image_of_a_demo_is_stamped_and_an_import_not(
    demo, imported, view, chart
):
    path = f"/export/{view_slug(view)}/{chart.id}.json"
    payload = demo.server.test_client().get(path).get_json()
    assert payload["filename"].endswith("-synthetic")
    layout = payload["figure"]["layout"]
    stamps = [a["text"] for a in layout["annotations"]]
    assert f"<b>{LABEL}</b>" in stamps
    assert any(f"Source: {LABEL}" in text for text in stamps)
    real = imported.server.test_client().get(path).get_json()
    assert not _says_synthetic(json.dumps(real))  # the figure, its stamps and its file name


@pytest.mark.parametrize(("view", "chart"), CHARTS, ids=CHART_IDS)
def test_sy005_every_embed_of_a_demo_has_the_banner_and_an_import_none(demo, imported, view, chart):
    path = f"/embed/{view_slug(view)}/{chart.id}"
    page = demo.server.test_client().get(path).get_data(as_text=True)
    assert 'id="embed-synthetic"' in page and LABEL in page
    real = imported.server.test_client().get(path).get_data(as_text=True)
    assert 'id="embed-synthetic"' not in real and ILM_SOURCE in real
    # The figure's own data may hold words; the page around it must not say "synthetic".
    assert not _says_synthetic(real.split('<script id="figure-data"')[0])


def test_sy006_a_demo_citation_says_synthetic_and_credits_no_ilm_author(demo, imported):
    url = "https://dash.example.org/?country=TH"
    day = dt.date(2026, 7, 3)
    text, bibtex, _url = cite(demo.server.extensions["ilm_data"], find_view, url, day)
    assert text.startswith(LABEL)
    assert LABEL in bibtex and "_demo," in bibtex
    assert "Inclusive Labor Monitoring" not in text and "Inclusive Labor Monitoring" not in bibtex
    text, bibtex, _url = cite(imported.server.extensions["ilm_data"], find_view, url, day)
    assert text.startswith("Inclusive Labor Monitoring (ILM) network (2026)")
    assert "author       = {{Inclusive Labor Monitoring (ILM) network}}" in bibtex
    assert not _says_synthetic(text + bibtex)


@pytest.mark.parametrize("path", API_ANSWERS)
def test_sy007_every_json_api_answer_says_whether_it_is_synthetic(demo, imported, path):
    shown = demo.server.test_client().get(path).get_json()
    assert shown["synthetic"] is True and shown["notice"] == LABEL
    real = imported.server.test_client().get(path).get_json()
    assert real["synthetic"] is False and "notice" not in real


@pytest.mark.parametrize("path", API_ANSWERS[1:])
def test_sy008_a_csv_api_answer_of_a_demo_starts_with_the_label(demo, imported, path):
    response = demo.server.test_client().get(path + "&format=csv")
    assert "-synthetic.csv" in response.headers["Content-Disposition"]
    shown = response.get_data(as_text=True)
    assert shown.splitlines()[0] == f"# {LABEL}"
    rows = list(csv.reader(io.StringIO(shown), delimiter=","))
    assert rows[1][-1] in ("cases", "workers_remediated", "contacts")
    real = imported.server.test_client().get(path + "&format=csv").get_data(as_text=True)
    assert not real.startswith("#") and not _says_synthetic(real)


def test_sy009_the_api_documents_say_synthetic_on_a_demo_only(demo, imported):
    for path in ("/api/v1/", "/api/v1/openapi.json"):
        assert LABEL in demo.server.test_client().get(path).get_data(as_text=True)
        assert LABEL not in imported.server.test_client().get(path).get_data(as_text=True)


def test_sy010_healthz_says_whether_the_data_is_synthetic(demo, imported):
    shown = demo.server.test_client().get("/healthz").get_json()
    assert shown["synthetic"] is True and shown["notice"] == LABEL
    real = imported.server.test_client().get("/healthz").get_json()
    assert real["synthetic"] is False and "notice" not in real


def test_sy011_the_exposure_report_of_a_demo_says_so_first(demo, imported):
    store = fp.to_store(fp.decode("TH:seafood:12:KH,MM~MY:electronics:30:"), "ui")
    day = dt.date(2026, 7, 3)
    shown = exposure.report_csv(demo.server.extensions["ilm_data"], store, {}, {}, day)
    assert shown.removeprefix(BOM).splitlines()[0] == f"# notice: {LABEL}"
    name = exposure.report_filename(demo.server.extensions["ilm_data"].version())
    assert name.endswith("-synthetic.csv")
    real = exposure.report_csv(imported.server.extensions["ilm_data"], store, {}, {}, day)
    assert not _says_synthetic(real) and ILM_SOURCE in real
    name = exposure.report_filename(imported.server.extensions["ilm_data"].version())
    assert "synthetic" not in name


def test_sy012_methodology_of_a_demo_says_what_it_is_calibrated_to(demo, imported):
    from callbacks.shell import render_page

    page = " ".join(
        _texts(render_page(demo.server.extensions["ilm_data"], find_view, "/methodology"))
    )
    assert LABEL in page and "282,619 workers remediated" in page
    assert "Demonstration data (synthetic)" in page  # the data-version history
    real_data = imported.server.extensions["ilm_data"]
    real = " ".join(_texts(render_page(real_data, find_view, "/methodology")))
    assert not _says_synthetic(real) and "Extract of the network's records" in real

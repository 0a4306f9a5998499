"""Overview callbacks as plain functions: protected numbers in, figures and tables out."""

from __future__ import annotations

import pytest
from dash import html

from callbacks import overview, protected
from callbacks.charts import filters_from_store, render_table
from callbacks.shell import render_page, sync_state
from dashboard.views import find_view
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import ids
from layouts.selection import describe


@pytest.fixture(scope="module")
def data(small_url) -> DataAccess:
    return DataAccess(small_url)


def _texts(component) -> list[str]:
    """Every string in a component tree, depth first."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def _table_rows(result) -> list[list[str]]:
    """The rows of a chart's rendered "View as table", as readers see them."""
    table = render_table(result.table, 10, result.note)
    body = table.children[2]
    return [[_texts(cell)[0] for cell in row.children] for row in body.children]


def test_ov001_kpi_cards_show_the_protected_totals(data):
    filters = Filters(period="2023")
    cards = overview.kpi_cards(data, filters)
    assert len(cards) == 5
    texts = _texts(cards)
    for measure in ("contacts", "cases", "workers_affected", "workers_remediated"):
        assert f"{data.total(measure, filters).value:,}" in texts


THIN = Filters(origin="NP", destination="GB", issue="physical_abuse", period="2024")
EMPTY = Filters(nationality="TH", country="GB", period="2021")


def test_ov002_thin_selection_says_why_and_shows_no_numbers(data):
    result = overview.cases_chart(data, THIN)
    assert result.figure["data"] == [] and result.table is None
    assert "Fewer than 10 cases, or none, match this selection" in result.note
    assert _texts(render_table(None, 10, result.note)) == [result.note]


def test_ov003_suppressed_kpi_reads_less_than_k_never_zero(data):
    texts = _texts(overview.kpi_cards(data, THIN))
    assert data.total("cases", THIN).suppressed
    assert "<10" in texts and "0" not in texts


def test_ov014_an_empty_selection_reads_exactly_like_a_small_one(data):
    """No presence signal: a selection with no case and one with a few say the same."""
    assert data.total("cases", EMPTY) == data.total("cases", THIN)
    assert overview.cases_chart(data, EMPTY) == overview.cases_chart(data, THIN)
    # The case cards (contacts follow other filters, so they differ on their own).
    assert _texts(overview.kpi_cards(data, EMPTY)[1:]) == _texts(overview.kpi_cards(data, THIN)[1:])


def test_ov004_issue_chart_figure_equals_its_table(data):
    result = overview.issues_chart(data, Filters())
    bars = result.figure["data"][0]
    in_figure = dict(zip(bars["y"], bars["x"]))
    rows = _table_rows(result)
    assert len(in_figure) == 10
    for name, value in rows[:10]:
        assert f"{in_figure[name]:,}" == value
    values = [int(v.replace(",", "")) for _n, v in rows[:10]]
    assert values == sorted(values, reverse=True)


def test_ov005_contacts_chart_notes_filters_that_do_not_apply(data):
    chart = next(c for c in overview.charts() if c.id.endswith("contacts"))
    note = chart.answer(data, Filters(country="TH"), {}).note
    assert "Not applied to this chart: Thailand." in note


def test_ov006_thin_series_falls_back_to_quarters_or_years(data):
    grain, _result = protected.series(data, "cases", Filters())
    assert grain == "month"
    grain, result = protected.series(data, "cases", Filters(origin="NP", destination="GB"))
    assert grain in ("quarter", "year")
    cells = [p for _k, p in result.rows]
    assert grain == "year" or sum(p.suppressed for p in cells) / len(cells) <= protected.THIN_SHARE


def test_ov007_cases_chart_table_matches_its_figure(data):
    result = overview.cases_chart(data, Filters(country="TH"))
    bars, line = result.figure["data"]
    rows = _table_rows(result)
    assert len(rows) == len(bars["x"])
    for row, cases, workers in zip(rows, bars["y"], line["y"]):
        assert row[1].lstrip("≈") == ("<10" if cases is None else f"{cases:,}")
        assert row[2].lstrip("≈") in (("<10", "withheld") if workers is None else (f"{workers:,}",))


def test_ov008_sync_control_change_writes_the_url():
    controls = dict.fromkeys(ids.FILTER_CONTROLS, None) | {"country": "TH"}
    state = sync_state(ids.FILTER_CONTROLS["country"], "", controls)
    assert state["url"] == "?country=TH"
    assert state["controls"] is None
    assert state["filters"] == Filters(country="TH")


def test_ov009_sync_url_sets_the_controls():
    state = sync_state(None, "?period=2023&corridor=NP-KW", {})
    assert state["url"] is None
    assert state["controls"]["corridor"] == "NP-KW"
    assert state["controls"]["period"] == "2023"


def test_ov010_sync_reset_clears_everything():
    state = sync_state(ids.RESET, "?country=TH", {})
    assert state["url"] == "" and state["filters"] == Filters()
    assert all(v is None for v in state["controls"].values())


def test_ov011_describe_names_filters_in_words():
    text = describe(Filters(origin="NP", destination="KW", issue="deception", period="2022"))
    assert "Nepal → Kuwait" in text and "Deception about the job" in text and "2022" in text
    assert "no filters" in describe(Filters())


def test_ov012_pages_by_path(data):
    assert "Overview" in _texts(render_page(data, find_view, "/"))
    assert "How these numbers are made" in _texts(render_page(data, find_view, "/methodology"))
    assert "Page not found" in _texts(render_page(data, find_view, "/nowhere"))
    assert isinstance(render_page(data, find_view, "/nowhere"), html.Div)


def test_ov013_filter_value_outside_the_taxonomy_is_refused_before_a_query():
    # The store only ever holds validated filters; a forged one fails in parsing.
    with pytest.raises(InvalidParameter) as caught:
        filters_from_store({"country": "Atlantis"})
    assert caught.value.parameter == "country"


def test_ov014_forged_store_key_is_refused():
    with pytest.raises(InvalidParameter) as caught:
        filters_from_store({"case_id": "C00000001"})
    assert caught.value.parameter == "case_id"


def test_ov015_chart_click_patch_sets_a_filter_and_the_url():
    controls = dict.fromkeys(ids.FILTER_CONTROLS, None) | {"country": "TH"}
    state = sync_state(ids.FILTER_PATCH, "?country=TH", controls, {}, {"issue": "deception"})
    assert state["filters"] == Filters(country="TH", issue="deception")
    assert state["url"] == "?country=TH&issue=deception"
    assert state["controls"]["issue"] == "deception"


def test_ov016_view_option_control_rewrites_the_url_keeping_filters():
    trigger = ids.option("measure")
    state = sync_state(trigger, "?country=TH", {}, {"measure": "workers"})
    assert state["url"] == "?country=TH&measure=workers"
    assert state["options"]["measure"] == "workers"
    assert state["filters"] == Filters(country="TH")


def test_ov017_loading_a_url_never_rewrites_it():
    state = sync_state(None, "?measure=workers&country=TH", {})
    assert state["url"] is None
    assert state["options"]["measure"] == "workers"

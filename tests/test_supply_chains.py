"""Ethical Supply Chains: chart data as plain functions, themes and tiers against the raw rows."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from callbacks import crossfilter
from callbacks import supply_chains as view
from callbacks.charts import filters_from_store, format_cell
from callbacks.shell import sync_state
from data_access import schema, taxonomy
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from layouts import ids

THIN = Filters(origin="NP", destination="GB", channel="helpline")


@pytest.fixture(scope="module")
def data(small_url) -> DataAccess:
    return DataAccess(small_url)


@pytest.fixture(scope="module")
def raw(small_url):
    engine = create_engine(small_url)
    with engine.connect() as conn:
        cases = pd.read_sql(text("select * from cases"), conn)
        issues = pd.read_sql(text("select * from case_issues"), conn)
        worksites = pd.read_sql(text("select * from worksites"), conn)
    engine.dispose()
    return cases, issues, worksites


def test_sc001_theme_counts_each_case_once_per_theme(data, raw):
    cases, issues, _w = raw
    employed = cases[cases.stage == "employment"]
    pairs = employed.merge(issues, on="case_id")
    pairs = pairs.assign(theme=pairs.issue.map(taxonomy.theme_of))
    distinct = pairs.drop_duplicates(["case_id", "theme"]).groupby("theme").size()
    summed = pairs.groupby("theme").size()
    assert (summed > distinct).any()  # some case reports two categories of one theme
    published = data.aggregate("cases", ("theme",), Filters(stage="employment")).as_dict()
    noise = data.params.noise
    for theme, n in distinct.items():
        p = published[(theme,)]
        assert p.suppressed or abs(p.value - n) <= noise, theme


def test_sc002_tier_comes_from_the_worksite(data, raw):
    cases, _i, worksites = raw
    employed = cases[cases.stage == "employment"].merge(worksites, on="worksite_id")
    truth = employed.groupby("tier").size()
    published = data.aggregate("cases", ("tier",), Filters(stage="employment")).as_dict()
    for tier, n in truth.items():
        assert abs(published[(tier,)].value - n) <= data.params.noise


def test_sc003_old_queries_still_read_the_old_cubes():
    month = {"month"}
    assert schema.covering_cube("received", False, month).name == "cube_received_0"
    assert schema.covering_cube("received", True, {"issue"} | month).name == (
        "cube_received_issue_0"
    )
    tier = schema.covering_cube("received", False, {"tier"} | month)
    assert tier.name.startswith("cube_received_tier")
    theme = schema.covering_cube("received", True, {"theme"} | month, "theme")
    assert theme.name == "cube_received_theme_0"
    # Without months, the same cube's yearly twin; without any time, its all-years twin.
    assert schema.covering_cube("received", False, set()).name == "cube_received_0_all"
    assert schema.covering_cube("received", False, {"year"}).name == "cube_received_0_yearly"


def test_sc004_theme_never_narrows_to_one_issue_and_tier_is_for_cases_received(data):
    # By issue and theme together, each issue row carries its own theme.
    rows = data.aggregate("cases", ("theme", "issue")).rows
    assert all(theme == taxonomy.ISSUES[issue].theme for (theme, issue), _p in rows)
    # An issue filter cannot narrow theme cells: it is ignored, and said to be.
    narrowed = data.aggregate("cases", ("theme",), Filters(issue="deception"))
    assert narrowed.ignored_filters == ("issue",)
    assert narrowed.rows == data.aggregate("cases", ("theme",)).rows
    with pytest.raises(InvalidParameter):
        data.aggregate("cases_remediated", ("tier",))


@pytest.mark.parametrize("chart", view.charts(), ids=lambda c: c.id)
def test_sc005_thin_selection_says_why_and_shows_no_numbers(data, chart):
    result = chart.build(data, THIN, {})
    assert result.table is None and result.figure["data"] == []
    assert "cases, or none, match this selection" in result.note


@pytest.mark.parametrize("chart", view.charts(), ids=lambda c: c.id)
def test_sc006_every_chart_has_a_protected_table(data, chart):
    result = chart.build(data, Filters(), {})
    assert result.table is not None and result.table.rows
    assert result.figure["data"]


def test_sc007_forged_filter_is_refused_before_any_query(data, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("queried")

    monkeypatch.setattr(DataAccess, "aggregate", boom)
    with pytest.raises(InvalidParameter):
        filters_from_store({"country": "ZZ"})
    with pytest.raises(InvalidParameter):
        filters_from_store({"issue": "not_an_issue"})


def test_sc008_top_issues_bars_carry_their_filter(data):
    result = view.issues_chart(data, Filters(), {"measure": "workers"})
    custom = result.figure["data"][0]["customdata"]
    assert all(c.startswith("issue=") for c in custom)
    codes = [c.removeprefix("issue=") for c in custom]
    assert set(codes) <= set(taxonomy.ISSUES) and len(codes) == 10
    assert result.table.header[1] == "All nationalities"


def test_sc009_suppressed_cells_read_less_than_k_in_the_table(data):
    result = view.issues_chart(data, Filters(country="MY"), {})
    cells = [format_cell(c, 10) for row in result.table.rows for c in row[1:]]
    assert "<10" in cells and "0" not in cells
    assert all(c in ("<10", "withheld") or int(c.lstrip("≈").replace(",", "")) >= 10 for c in cells)


def test_sc010_map_uses_iso3_and_sets_the_country(data):
    result = view.map_chart(data, Filters(), {})
    # The published values: the trace a click reads (the grey ones and the key carry none).
    trace = next(t for t in result.figure["data"] if "customdata" in t)
    assert trace["locationmode"] == "ISO-3"
    assert set(trace["locations"]) <= set(taxonomy.ISO3.values())
    assert "THA" in trace["locations"]
    click = {"points": [{"location": "THA", "customdata": "country=TH"}]}
    assert crossfilter.filter_patch(click) == {"country": "TH"}


def test_sc011_heatmap_cells_are_shares_and_set_two_filters(data):
    result = view.heatmap_chart(data, Filters(), {})
    trace = next(t for t in result.figure["data"] if "customdata" in t)
    values = [v for row in trace["z"] for v in row if v is not None]
    assert values and all(0 <= v <= 1 for v in values)
    click = {"points": [{"customdata": trace["customdata"][0][0]}]}
    patch = crossfilter.filter_patch(click)
    assert set(patch) == {"issue", "industry"}


def test_sc012_theme_drill_down_shows_the_theme_categories(data):
    themes = view.theme_chart(data, Filters(), {})
    assert themes.figure["data"][0]["customdata"][-1].startswith("theme=")
    click = {"points": [{"customdata": "theme=wages"}]}
    assert crossfilter.option_value(click, "theme") == "wages"
    assert crossfilter.filter_patch(click) is None
    wages = view.theme_chart(data, Filters(), {"theme": "wages"})
    codes = [r[0] for r in wages.table.rows]
    expected = [taxonomy.ISSUES[c].name for c, i in taxonomy.ISSUES.items() if i.theme == "wages"]
    assert codes == expected


def test_sc013_trend_shows_five_issues(data):
    result = view.trend_chart(data, Filters(), {})
    assert len(result.figure["data"]) == 5
    assert len(result.table.header) == 6


def test_sc014_chips_name_each_filter_and_remove_it():
    filters = Filters(country="TH", issue="deception", period="2023")
    label, *chips = crossfilter.chips(filters)
    assert label.children == "Active filters:"
    chips = [chip for chip in chips if "filter-chip" in chip.className]  # not profile links
    assert len(chips) == 3
    params = [chip.children[1].id["param"] for chip in chips]
    assert params == ["period", "country", "issue"]
    assert crossfilter.chip_patch("period") == {"period": None}
    assert crossfilter.chip_patch("country") == {"country": None}


def test_sc015_removing_a_chip_clears_the_filter_and_the_url():
    controls = {p: None for p in ids.FILTER_CONTROLS}
    controls.update(country="TH", issue="deception")
    state = sync_state(
        ids.FILTER_PATCH, "?country=TH&issue=deception", controls, {}, {"country": None}
    )
    assert state["filters"] == Filters(issue="deception")
    assert state["url"] == "?issue=deception"


def test_sc016_theme_and_tier_cells_match_on_both_backends(backend_url, small_url):
    for by in (("theme",), ("tier", "nationality"), ("theme", "industry")):
        got = DataAccess(backend_url).aggregate("workers_affected", by, Filters(country="TH"))
        expected = DataAccess(small_url).aggregate("workers_affected", by, Filters(country="TH"))
        assert got.rows == expected.rows

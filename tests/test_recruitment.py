"""Ethical Recruitment callbacks as plain functions: protected numbers in, figures out.

Ground truth is computed with SQL on the raw case rows of the small demo.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from callbacks import recruitment
from callbacks.charts import Share
from callbacks.shell import sync_state
from callbacks.urlstate import parse_options, to_query
from data_access import taxonomy
from data_access.disclosure import Published
from data_access.filters import Filters
from data_access.query import DataAccess
from layouts import ids

NP_KW = Filters(origin="NP", destination="KW")


@pytest.fixture(scope="module")
def data(small_url) -> DataAccess:
    return DataAccess(small_url)


@pytest.fixture(scope="module")
def sql(small_url):
    engine = create_engine(small_url)

    def run(query: str, **params) -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query), params)]

    yield run
    engine.dispose()


def test_er001_map_draws_one_arc_per_published_corridor_and_tables_the_rest(data):
    result = recruitment.map_chart(data, Filters(), {})
    drawn = {t["customdata"][0] for t in result.figure["data"] if "customdata" in t}
    published = {
        key[0]
        for key, p in data.aggregate("cases", ("corridor",)).rows
        if not p.suppressed and p.value and key[0][:2] != key[0][3:]
    }
    assert drawn == published
    assert len(result.table.rows) >= len(drawn)
    widths = {
        t["customdata"][0]: t["line"]["width"] for t in result.figure["data"] if "customdata" in t
    }
    cells = data.aggregate("cases", ("corridor",)).as_dict()
    biggest = max(drawn, key=lambda c: cells[(c,)].value)
    assert widths[biggest] == max(widths.values())


def test_er002_thin_corridors_are_withheld_not_drawn(data):
    thin = Filters(nationality="NP")
    result = recruitment.map_chart(data, thin, {})
    withheld = [row for row in result.table.rows if row[1].suppressed]
    assert withheld, "the small demo has thin corridors for Nepali workers"
    drawn = {t["customdata"][0] for t in result.figure["data"] if "customdata" in t}
    labels = {recruitment.corridor_label(c) for c in drawn}
    assert not labels & {row[0] for row in withheld}
    assert "are not drawn" in result.note


def test_er003_stage_switch_changes_the_arcs(data):
    recruit = recruitment.map_chart(data, Filters(), {"map_stage": "recruitment"})
    employ = recruitment.map_chart(data, Filters(), {"map_stage": "employment"})
    assert recruit.table.rows != employ.table.rows
    assert "Recruitment-stage" in recruit.note


def test_er004_workers_measure_sets_the_width_from_workers_affected(data):
    result = recruitment.map_chart(data, Filters(), {"measure": "workers"})
    cells = data.aggregate("workers_affected", ("corridor",)).as_dict()
    for trace in result.figure["data"][:-1]:
        code = trace["customdata"][0]
        assert f"{cells[(code,)].value:,}" in trace["hovertemplate"]


def test_er005_selected_corridor_is_highlighted_and_all_stay_on_the_map(data):
    everything = recruitment.map_chart(data, Filters(), {})
    selected = recruitment.map_chart(data, NP_KW, {})
    assert len(selected.figure["data"]) == len(everything.figure["data"])
    colours = {t["customdata"][0]: t["line"]["color"] for t in selected.figure["data"][:-1]}
    assert colours["NP-KW"] != colours["MM-TH"]


def test_er006_clicks_on_arcs_and_links_name_a_corridor():
    assert recruitment.corridor_from_click({"points": [{"customdata": "NP-KW"}]}) == "NP-KW"
    assert recruitment.corridor_from_click({"points": [{"customdata": ""}]}) is None
    assert recruitment.corridor_from_click({"points": [{"customdata": "NP-NP"}]}) is None
    assert recruitment.corridor_from_click(None) is None


def test_er007_corridor_pick_sets_the_filter_and_the_url():
    controls = dict.fromkeys(ids.FILTER_CONTROLS, None)
    state = sync_state(ids.FILTER_PATCH, "", controls, {}, {"corridor": "NP-KW"})
    assert state["filters"] == NP_KW
    assert state["url"] == "?corridor=NP-KW"


def test_er008_sankey_theme_links_count_each_case_once_per_theme(data, sql):
    result = recruitment.sankey_chart(data, Filters(), {})
    link = result.figure["data"][0]["link"]
    rows = dict(result.table.rows)
    exact = {
        theme: 0 for theme in taxonomy.THEMES
    }  # distinct cases per theme among cases to Kuwait
    pairs = sql(
        "select distinct c.case_id, ci.issue from cases c join case_issues ci"
        " on ci.case_id = c.case_id where c.destination = 'KW'"
    )
    themes = {(case, taxonomy.theme_of(issue)) for case, issue in pairs}
    for _case, theme in themes:
        exact[theme] += 1
    noise = data.params.noise
    for theme, n in exact.items():
        label = f"Kuwait → {taxonomy.THEMES[theme]}"
        if n >= data.params.k:
            assert abs(rows[label].value - n) <= noise
        elif n:
            assert rows[label].suppressed
    # Links out of a destination add up to at least its cases: cases have several themes.
    kw_cases = sum(p.value for label, p in rows.items() if label.endswith("→ Kuwait"))
    kw_themes = sum(p.value or 0 for label, p in rows.items() if label.startswith("Kuwait →"))
    assert kw_themes >= kw_cases
    assert "NP-KW" in link["customdata"]


def test_er009_corridor_table_values_match_the_protected_cells(data, sql):
    table = recruitment.corridor_rows(data, Filters(), {})
    row = next(r for r in table.rows if r[0] == "NP-KW")
    assert row[1] == data.total("cases", NP_KW)
    assert row[2] == data.total("workers_affected", NP_KW)
    [(exact_cases,)] = sql("select count(*) from cases where origin='NP' and destination='KW'")
    assert abs(row[1].value - exact_cases) <= data.params.noise
    top = sql(
        "select ci.issue, count(*) from cases c join case_issues ci on ci.case_id = c.case_id"
        " where origin='NP' and destination='KW' group by ci.issue order by count(*) desc"
    )
    leaders = {taxonomy.ISSUES[issue].name for issue, _n in top[:2]}
    assert leaders <= set(row[3].split(", "))
    assert isinstance(row[4], Share) and 0 <= row[4].value <= 1
    assert row[5] in ("↑", "↓", "→", "–")


@pytest.mark.parametrize("sort", ["cases", "workers", "rate", "corridor"])
def test_er010_corridor_table_sorts(data, sort):
    rows = recruitment.corridor_rows(data, Filters(), {"corridor_sort": sort}).rows
    if sort == "corridor":
        labels = [recruitment.corridor_label(r[0]) for r in rows]
        assert labels == sorted(labels)
        return
    column = {"cases": 1, "workers": 2, "rate": 4}[sort]
    values = [r[column].value for r in rows if r[column].value is not None]
    assert values == sorted(values, reverse=True)


def test_er011_corridor_table_payload_names_pick_buttons_and_less_than_k(data):
    table = recruitment.corridor_rows(data, Filters(nationality="NP"), {})
    payload = recruitment.corridor_payload(table, data.params.k, "NP-KW")
    assert payload["patch"] == ids.FILTER_PATCH
    assert payload["selected"] == "NP-KW"
    assert len(payload["header"]) == len(payload["rows"][0]) - 1  # the code names the button
    codes = [row[0] for row in payload["rows"]]
    assert "NP-KW" in codes
    assert payload["rows"][codes.index("NP-KW")][1] == "Nepal → Kuwait"
    cells = [c for row in payload["rows"] for c in row[2:]]
    assert all(isinstance(c, str) for c in cells)
    assert "<10" in cells
    assert not any(row[2] == "0" for row in payload["rows"])
    json.dumps(payload)  # strings only: the browser builds the table


def test_er011b_corridor_table_payload_says_when_nothing_matches(data):
    payload = recruitment.corridor_payload(None, data.params.k, None)
    assert set(payload) == {"empty"}


def test_er012_trend_arrow():
    assert recruitment.trend_arrow(Published(130), Published(100)) == "↑"
    assert recruitment.trend_arrow(Published(80), Published(100)) == "↓"
    assert recruitment.trend_arrow(Published(105), Published(100)) == "→"
    assert recruitment.trend_arrow(Published(None), Published(100)) == "–"
    assert recruitment.trend_arrow(Published(50), None) == "–"


def test_er013_fees_chart_follows_the_corridor_filter(data, sql):
    result = recruitment.fees_chart(data, Filters(origin="MM", destination="TH"), {})
    # A last period still under way is a trace of its own, without legend entry.
    names = [t["name"] for t in result.figure["data"] if t.get("showlegend", True)]
    assert names == [taxonomy.ISSUES[i].name for i in recruitment.FEES_ISSUES]
    fees = sum(r[1].value or 0 for r in result.table.rows)
    [(exact,)] = sql(
        "select count(*) from cases c join case_issues ci on ci.case_id = c.case_id"
        " where origin='MM' and destination='TH' and ci.issue='recruitment_fees'"
    )
    # Each period is perturbed by at most the noise; withheld ones are under K, and one
    # shown as a wider selection's number holds fewer than K more.
    assert result.table.rows
    bound = len(result.table.rows) * max(data.params.noise, data.params.k)
    assert abs(fees - exact) <= bound
    assert "Myanmar → Thailand" in result.table.caption


def test_er014_compare_shows_both_corridors_on_one_scale(data):
    options = {"compare": "NP-SA"}
    trend = recruitment.compare_trend_chart(data, NP_KW, options)
    layout = trend.figure["layout"]
    assert layout["yaxis2"]["matches"] == "y"
    assert layout["yaxis"]["range"] == layout["yaxis2"]["range"]
    assert {t["yaxis"] for t in trend.figure["data"]} == {"y", "y2"}
    assert len(trend.table.header) == 5
    themes = recruitment.compare_themes_chart(data, NP_KW, options)
    assert [t["name"] for t in themes.figure["data"]] == ["Nepal → Kuwait", "Nepal → Saudi Arabia"]
    assert themes.table.rows[0][1:] == (
        data.total("cases", NP_KW),
        data.total("cases", Filters(origin="NP", destination="SA")),
    )


def test_er015_compare_needs_two_different_corridors(data):
    for filters, options in (
        (Filters(), {"compare": "NP-SA"}),
        (NP_KW, {}),
        (NP_KW, {"compare": "NP-KW"}),
    ):
        result = recruitment.compare_trend_chart(data, filters, options)
        assert result.table is None and "compare" in result.note


def test_er016_compare_of_a_thin_corridor_shows_less_than_k(data):
    code = "KH-KW"  # a corridor off the corridor list: fewer than K cases, or none
    assert code not in data.corridors()
    result = recruitment.compare_themes_chart(data, NP_KW, {"compare": code})
    assert result.table.rows[0][2].suppressed
    assert "withheld" in result.note


def test_er017_compare_option_round_trips_and_rejects_bad_codes():
    query = to_query(NP_KW, {"compare": "NP-SA", "map_stage": "recruitment"})
    assert query == "?corridor=NP-KW&compare=NP-SA&map_stage=recruitment"
    options, notices = parse_options(query)
    assert options["compare"] == "NP-SA" and not notices
    for bad in ("NP-NP", "ZZ-KW", "NPKW"):
        options, notices = parse_options(f"?compare={bad}")
        assert options["compare"] == "" and notices


def test_er018_published_corridor_choices_hold_no_thin_corridor(data):
    choices = {o["value"] for o in recruitment.published_corridors(data)}
    cells = data.aggregate("cases", ("corridor",)).as_dict()
    assert choices and all(not cells[(c,)].suppressed for c in choices)

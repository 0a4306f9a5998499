"""The benchmark harness's building blocks on the small demo: shape, never timings."""

from __future__ import annotations

import pytest

from bench import bundles, common, harness, naive, payloads, redraw, report, timing
from callbacks import inputs
from dashboard.factory import create_app
from layouts import ids


@pytest.fixture(scope="module")
def small_run(small_url, browser_ready):
    case = harness.run_case(
        50,  # a label: the small demo stands in for a size here
        "sqlite",
        small_url,
        repeat=1,
        browser_runs=1,
        users=2,
        load_seconds=2,
        think=(0.1, 0.2),
        workers=1,
        redis_url=None,
        cold_db_runs=1,
        redraw_passes=1,
        # A view of plain charts and the one opened with a footprint: every view would
        # take minutes more of CI for the same code path.
        redraw_views=("/", "/exposure"),
    )
    return case, report.report([case], bundles.plotly_bundles(fetch=False), "# test run")


def test_bh001_every_filter_callback_of_every_view_is_measured(small_url):
    targets = payloads.callback_targets(create_app({"DATABASE_URL": small_url}))
    by_name = {t.name: t.view for t in targets}
    assert by_name[ids.KPI] == ids.PATH_OVERVIEW
    for chart in (ids.CONTACTS_CHART, ids.CASES_CHART, ids.ISSUES_CHART):
        assert by_name[ids.graph(chart)] == ids.PATH_OVERVIEW


def test_bh002_bench_callbacks_stay_in_the_bench_app(small_url):
    naive.bench_app(small_url)
    production = create_app({"DATABASE_URL": small_url})
    assert not [key for key in production.callback_map if "bench-" in key]


def test_bh003_report_has_every_section(small_run):
    _case, text = small_run
    for section in report.SECTIONS:
        assert section in text


def test_bh004_every_callback_has_cold_warm_floor_and_naive_figures(small_run):
    case, _text = small_run
    assert {s.name for s in case.callbacks} >= set(naive.NAIVE_PAIRS.values())
    for stats in case.callbacks:
        count = len(common.SELECTIONS)
        assert len(stats.cold) == len(stats.warm) == len(stats.floor) == count
        assert stats.naive is None or len(stats.naive_times) == count


def test_bh005_serve_answers_the_page_and_load_without_errors(small_run):
    case, _text = small_run
    assert case.page["first_chart_ms"] is not None
    assert case.page["transfer"] > 0
    assert case.load["requests"] > 0 and case.load["errors"] == 0
    assert len(case.memory["after load"]) == 1


def test_bh006_every_target_gets_a_verdict(small_run):
    case, text = small_run
    verdicts = report.targets(case)
    assert len(verdicts) == 9
    assert all(met is not None for _name, _value, met in verdicts)
    assert "met |" in text


def test_bh007_a_later_callback_with_its_own_inputs_is_measured(small_url, monkeypatch):
    from dash import ALL, Input, Output

    app = create_app({"DATABASE_URL": small_url})
    # The callback guard allows only inputs it knows: this view's control is new.
    monkeypatch.setitem(inputs.RULES, ("later-view-control", "value"), inputs._text(40))

    @app.callback(
        Output("later-view-chart", "children"),
        Input(ids.FILTERS, "data"),
        Input({"type": ids.OPTION, "name": ALL}, "value"),
        Input("later-view-control", "value"),
    )
    def _later(stored, option_values, control):
        return f"{sorted(stored)} {option_values} {control}"

    target = next(t for t in payloads.callback_targets(app) if t.name == "later-view-chart")
    body = payloads.payload(target, common.SELECTIONS["country TH"])
    response = app.server.test_client().post(common.UPDATE, json=body)
    assert response.status_code == 200
    assert response.get_json()["response"]["later-view-chart"]["children"] == "['country'] [] None"


def test_bh008_targets_apply_at_the_sizes_the_issue_sets_them():
    assert report.target_applies(1_000_000, "warm p95 ≤ 5 ms")
    assert report.target_applies(10_000_000, "cold p95 ≤ 200 ms per callback")
    assert not report.target_applies(10_000_000, "cold p50 ≤ 5 × the floor")
    assert not report.target_applies(50_000, "cold p95 ≤ 50 ms per callback")


def test_bh009_view_inputs_are_given_a_readers_value_not_left_empty(small_url):
    targets = payloads.callback_targets(create_app({"DATABASE_URL": small_url}))
    profile = next(t for t in targets if (ids.EX_FOOTPRINT, "data") in t.inputs)
    sent = payloads.payload(profile, {})
    footprint = next(i["value"] for i in sent["inputs"] if i["id"] == ids.EX_FOOTPRINT)
    assert len(footprint["rows"]) == 20
    assert payloads.payload(targets[0], {})["inputs"][0] is not None
    options = next(i["value"] for i in sent["inputs"] if i["id"] == ids.OPTIONS)
    assert options["compare"] == "NP-SA"


def test_bh010_an_idle_answer_is_flagged_not_exercised():
    idle = timing.CallbackStats("/", "x", cold=[1.0], cold_over_floor=[1.1], raw_bytes=[5000])
    small = timing.CallbackStats("/", "y", cold=[9.0], cold_over_floor=[9.0], raw_bytes=[200])
    busy = timing.CallbackStats("/", "z", cold=[9.0], cold_over_floor=[9.0], raw_bytes=[5000])
    assert timing.exercised(idle) == timing.exercised(small) == "**not exercised**"
    assert timing.exercised(busy) == "yes"


def test_bh011_every_view_is_timed_as_a_filter_change_fires_it(small_run):
    """Section 1b: each view's callbacks at once, one figure per selection and repetition."""
    case, text = small_run
    assert "### 1b. A filter change" in text
    assert {v.view for v in case.views} >= {"/", "/supply-chains", "/audits"}
    for v in case.views:
        assert v.callbacks >= 1 and len(v.cold) >= len(common.SELECTIONS)
        assert all(ms > 0 for ms in v.cold) and v.unanswered == 0


def test_bh012_every_callback_is_also_timed_by_a_fresh_process_from_a_cold_database(small_run):
    case, text = small_run
    cold = case.cold_database
    assert not cold.failures
    assert len(cold.built_s) == len(common.SELECTIONS)
    assert cold.files >= 1 and cold.dropped_bytes > 0  # the SQLite file's pages were dropped
    measured = {f"{s.view}|{s.name}" for s in case.callbacks if s.cold}
    assert measured <= set(cold.times)
    assert "### 1c. A fresh process from a cold database" in text


def test_bh013_every_view_is_timed_from_a_filter_change_to_its_last_chart(small_run):
    case, text = small_run
    for runs in (case.redraw, case.redraw_loaded):
        assert [r["view"] for r in runs] == ["/", "/exposure"]
        for r in runs:
            assert r["timeouts"] == 0, r
            assert r["changes"] == len(common.SELECTIONS), r
            assert r["p50"] > 0 and r["answered_p50"] > 0, r
    assert "### 4b. A filter change to the last chart redrawn" in text
    assert "filter to last chart redrawn p95" in text


def test_bh014_a_selection_sets_every_filter_menu_and_clears_the_others():
    assert {"/", "/exposure"} <= set(redraw.VIEWS)
    values = redraw.menu_values({"origin": "NP", "destination": "KW", "period": "2025"})
    assert values[ids.FILTER_CONTROLS["corridor"]] == "NP-KW"
    assert values[ids.FILTER_CONTROLS["period"]] == "2025"
    assert values[ids.FILTER_CONTROLS["country"]] is None
    assert set(values) == set(ids.FILTER_CONTROLS.values())

"""Audits vs worker voice: the protected comparison against the raw rows.

Truth is computed here with pandas from the raw tables (audits, findings, worksites,
cases, issues); the published numbers must be within the noise of it, withheld for a
stated reason, and never describe fewer than K worksites.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from callbacks import audits as view
from data_access import contract
from data_access.audits import BIN_EDGES, DEFAULT_WINDOW, AuditGaps, bin_of, check_window
from data_access.demo import SILENT_AUDIT_ID, SILENT_AUDIT_WORKSITE
from data_access.disclosure import FEWER_THAN_K, NEAR_TOTAL
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess
from tests.oracle import audit_rows

W = DEFAULT_WINDOW
SELECTIONS = {
    "all": Filters(),
    "thailand_burmese_2023": Filters(country="TH", nationality="MM", period="2023"),
    "seafood": Filters(industry="seafood"),
}


@pytest.fixture(scope="module")
def raw(demo_url):
    engine = create_engine(demo_url)
    with engine.connect() as conn:
        tables = {
            name: pd.read_sql(text(f"select * from {name}"), conn)
            for name in ("audits", "audit_findings", "worksites", "cases", "case_issues")
        }
    engine.dispose()
    return tables


@pytest.fixture(scope="module")
def demo(demo_url) -> DataAccess:
    return DataAccess(demo_url)


@pytest.fixture(scope="module")
def small(small_url) -> DataAccess:
    return DataAccess(small_url)


def truth(raw, filters: Filters, window: int = W) -> dict[str, tuple[str, set, set]]:
    """audit_id -> (worksite, reported categories in the window, found ∩ reported)."""
    audits = raw["audits"].merge(raw["worksites"], on="worksite_id")
    if filters.period:
        audits = audits[audits.month.str[:4] == filters.period]
    if filters.country:
        audits = audits[audits.country == filters.country]
    if filters.industry:
        audits = audits[audits.industry == filters.industry]
    reports = raw["cases"].merge(raw["case_issues"], on="case_id")
    for name in ("nationality", "channel", "origin", "destination", "stage"):
        if getattr(filters, name):
            reports = reports[reports[name] == getattr(filters, name)]
    if filters.issue:
        reports = reports[reports.issue == filters.issue]
    reports = reports.assign(m=reports.month_received.map(contract.month_index))
    found = raw["audit_findings"].groupby("audit_id").issue.apply(set).to_dict()
    by_site = {w: g for w, g in reports.groupby("worksite_id")}
    out = {}
    for audit in audits.itertuples():
        at = contract.month_index(audit.month)
        site = by_site.get(audit.worksite_id)
        if site is None:
            continue
        near = set(site[(site.m - at).abs() <= window].issue)
        if near:
            out[audit.audit_id] = (audit.worksite_id, near, near & found.get(audit.audit_id, set()))
    return out


def per_site(expected) -> dict[str, tuple[int, int]]:
    """worksite -> (pairs reported, pairs found)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for worksite, reported, hits in expected.values():
        out[worksite][0] += len(reported)
        out[worksite][1] += len(hits)
    return {w: (r, f) for w, (r, f) in out.items()}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au001_derived_pairs_equal_the_raw_rows(demo, raw, name):
    filters = SELECTIONS[name]
    rows = audit_rows(AuditGaps(demo), filters, W)
    got: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        got[row.worksite_id][0] += row.reported
        got[row.worksite_id][1] += row.found
    expected = per_site(truth(raw, filters))
    assert len(expected) >= 10
    assert {w: tuple(v) for w, v in got.items()} == expected


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au002_published_detection_rate_is_the_true_rate_within_the_noise(demo, raw, name):
    filters = SELECTIONS[name]
    sites = per_site(truth(raw, filters))
    reported = sum(r for r, _f in sites.values())
    hits = sum(f for _r, f in sites.values())
    overall = AuditGaps(demo).gap(filters, W).overall
    noise = demo.params.noise
    if overall.worksites.reason == NEAR_TOTAL:
        return
    assert abs(overall.reported.value - reported) <= noise
    assert abs(overall.worksites.value - len(sites)) <= noise
    if overall.found.suppressed:
        # Audits found fewer than K: only an upper bound on the rate is published.
        assert hits < demo.params.k or len([f for _r, f in sites.values() if f]) < 3
        assert overall.below is not None and hits / reported < overall.below + 0.01
    else:
        assert abs(overall.found.value - hits) <= noise


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au003_rates_by_issue_follow_the_raw_rows(demo, raw, name):
    filters = SELECTIONS[name]
    expected = truth(raw, filters)
    result = AuditGaps(demo).gap(filters, W)
    noise, k = demo.params.noise, demo.params.k
    for issue, rate in result.by_issue:
        pairs = [(w, issue in h) for w, r, h in expected.values() if issue in r]
        sites = {w for w, _f in pairs}
        if len(sites) < k:
            assert rate.rate is None and rate.reported.suppressed
            continue
        if rate.worksites.reason == NEAR_TOTAL:
            continue
        assert abs(rate.reported.value - len(pairs)) <= noise
        found = sum(f for _w, f in pairs)
        assert rate.found.suppressed or abs(rate.found.value - found) <= noise


def test_au004_silent_factory_lands_in_the_zero_bin_with_many_others(demo, raw):
    expected = truth(raw, Filters())
    worksite, reported, hits = expected[SILENT_AUDIT_ID]
    assert worksite == SILENT_AUDIT_WORKSITE and len(reported) == 16 and not hits
    sites = per_site(expected)
    assert bin_of(sites[SILENT_AUDIT_WORKSITE][1] / sites[SILENT_AUDIT_WORKSITE][0]) == 0
    result = AuditGaps(demo).gap(Filters(), W)
    zero = result.bins[0]
    silent = sum(1 for r, f in sites.values() if f == 0)
    assert zero.is_zero and abs(zero.worksites.value - silent) <= demo.params.noise
    assert silent >= demo.params.k  # one worksite among many: none stands out
    assert result.found_none == zero.worksites


def test_au005_every_bin_holds_at_least_k_worksites_and_bins_never_move(demo, small):
    for data in (demo, small):
        for filters in (Filters(), Filters(country="MY"), Filters(industry="seafood")):
            bins = AuditGaps(data).gap(filters, W).bins
            assert [(b.low, b.high) for b in bins] == [
                (BIN_EDGES[i - 1] if i else 0.0, BIN_EDGES[i]) for i in range(len(BIN_EDGES))
            ]
            for b in bins:
                assert b.worksites.suppressed or b.worksites.value >= data.params.k


def test_au006_thin_selection_withholds_everything_and_says_the_same_when_empty(small):
    thin = Filters(country="MM", nationality="KH", period="2025")
    empty = Filters(country="GB", nationality="VN", period="2025")
    results = [AuditGaps(small).gap(f, W) for f in (thin, empty)]
    for result in results:
        assert result.overall.worksites.suppressed
        assert result.overall.worksites.reason == FEWER_THAN_K
    assert results[0].overall == results[1].overall
    chart = view.bins_chart(small, thin, {})
    assert chart.table is None and chart.figure["data"] == []
    assert "worksite" in chart.note
    assert view.bins_chart(small, empty, {}).note == chart.note


def test_au007_small_groups_publish_no_rate(small):
    result = AuditGaps(small).gap(Filters(), W)
    for _key, rate in (*result.by_issue, *result.by_industry, *result.by_country):
        if rate.worksites.suppressed:
            assert rate.rate is None and rate.reported.suppressed and rate.found.suppressed


def test_au008_window_not_in_the_list_is_refused_before_any_query(small, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("queried")

    monkeypatch.setattr(type(small), "_db", property(boom))
    for bad in ("6", "24", "x", "", None, "12; drop table cases"):
        with pytest.raises(InvalidParameter):
            AuditGaps(small).gap(Filters(), bad)
    assert check_window("12") == 12


def test_au009_a_found_count_below_k_is_withheld_and_gives_only_a_bound(demo):
    result = AuditGaps(demo).gap(Filters(), W)
    bounded = [r for _i, r in result.by_issue if r.found.suppressed and not r.reported.suppressed]
    assert bounded, "the demo has categories audits almost never find"
    for rate in bounded:
        assert rate.found.reason == FEWER_THAN_K and rate.rate is None
        assert rate.below == pytest.approx(min(1.0, demo.params.k / rate.reported.value))


def test_au010_charts_show_rates_and_clickable_categories(small):
    chart = view.issue_chart(small, Filters(), {})
    assert chart.table is not None
    trace = chart.figure["data"][0]
    assert all(c.startswith("issue=") for c in trace["customdata"])
    assert all(0 <= x <= 1 for x in trace["x"])
    kpis = view.kpi_cards(small, Filters(), {})
    assert len(kpis) == 3


def test_au011_same_question_same_answer(demo_url):
    first = AuditGaps(DataAccess(demo_url)).gap(Filters(country="TH"), W)
    assert AuditGaps(DataAccess(demo_url)).gap(Filters(country="TH"), W) == first


def test_au012_both_backends_give_the_same_audit_gap(backend_url, small_url):
    filters = Filters(country="TH")
    got = AuditGaps(DataAccess(backend_url)).gap(filters, W)
    expected = AuditGaps(DataAccess(small_url)).gap(filters, W)
    assert (got.overall, got.bins, got.by_issue) == (
        expected.overall,
        expected.bins,
        expected.by_issue,
    )


def test_au013_a_row_within_k_worksites_of_the_selection_is_withheld(demo, raw):
    """By country, with the country filter set: the row is the selection itself."""
    result = AuditGaps(demo).gap(Filters(country="TH"), W)
    (country, rate), *_rest = result.by_country
    assert country == "TH" and rate.worksites.reason == NEAR_TOTAL


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_au014_any_selection_reads_the_derived_pairs_exactly(demo, raw, data):
    audited = raw["cases"][raw["cases"].worksite_id.isin(raw["audits"].worksite_id)]

    def maybe(values):
        return data.draw(st.one_of(st.none(), st.sampled_from(sorted(set(values)))))

    chosen = {
        "period": maybe(raw["audits"].month.str[:4]),
        "country": maybe(raw["worksites"].country),
        "industry": maybe(raw["worksites"].industry),
        "nationality": maybe(audited.nationality),
        "channel": maybe(audited.channel),
        "issue": maybe(raw["case_issues"].issue),
        "stage": maybe(audited.stage),
    }
    fine = [n for n in ("country", "industry", "nationality", "channel", "issue") if chosen[n]]
    for name in fine[2:]:
        chosen[name] = None  # at most two fine filters
    filters = Filters(**chosen)
    got: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in audit_rows(AuditGaps(demo), filters, W):
        got[row.worksite_id][0] += row.reported
        got[row.worksite_id][1] += row.found
    assert {w: tuple(v) for w, v in got.items()} == per_site(truth(raw, filters))


def test_au015_derived_pairs_are_exact_on_both_backends(backend_url, small_url):
    for filters in (Filters(), Filters(country="TH", nationality="MM"), Filters(issue="deception")):
        got = sorted(audit_rows(AuditGaps(DataAccess(backend_url)), filters, W))
        assert got == sorted(audit_rows(AuditGaps(DataAccess(small_url)), filters, W))


def test_au016_many_segments_at_once_read_what_each_reads_alone(demo):
    gaps = AuditGaps(demo)
    segments = [
        ("TH", "seafood"),
        ("MY", "electronics"),
        ("TH", "apparel_footwear"),
        ("GB", "other"),
    ]
    for period in (Filters(), Filters(period="2024")):
        together = gaps.overall_each(period, segments, W)
        for country, industry in segments:
            alone = gaps.gap(Filters(period=period.period, country=country, industry=industry), W)
            assert together[(country, industry)] == alone.overall, (period, country, industry)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(origin="MM", destination="TH"),
        Filters(origin="MM", destination="TH", nationality="MM", period="2024"),
        Filters(nationality="MM", channel="line"),
        Filters(channel="line", origin="KH", destination="TH", stage="employment"),
        Filters(stage="recruitment"),
    ],
    ids=repr,
)
def test_au017_every_slice_of_case_dimensions_reads_the_raw_pairs(demo, raw, filters):
    """Slices of one or two case dimensions (and the stage, which needs none) hold
    exactly the pairs of the raw rows."""
    got: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in audit_rows(AuditGaps(demo), filters, W):
        got[row.worksite_id][0] += row.reported
        got[row.worksite_id][1] += row.found
    assert {w: tuple(v) for w, v in got.items()} == per_site(truth(raw, filters))


def test_au018_a_cold_start_drops_the_slices_a_process_keeps(demo):
    """The benchmark's cold start (`forget`) reads the slices again: no answer's cost
    hides in memory."""
    gaps = AuditGaps(demo)
    gaps.gap(Filters(period="2024"), W)
    assert any(key[0] == "audit-slice" for key in demo._derived)
    demo.forget()
    assert not demo._derived


def test_au019_slices_of_another_build_are_read_again_not_mixed(demo, monkeypatch):
    """An import that lands between two reads leaves a process with worksites numbered by
    one build and a slice of another: it reads both again rather than mix them."""
    from data_access import audit_arrays as aa

    gaps = AuditGaps(demo)
    expected = gaps.gap(Filters(industry="seafood"), W)
    demo.forget()
    real = aa.read_slice
    calls = {"n": 0}

    def stale(conn, *args):
        calls["n"] += 1
        pairs = real(conn, *args)
        return replace(pairs, build="another") if calls["n"] == 1 else pairs

    monkeypatch.setattr(aa, "read_slice", stale)
    assert AuditGaps(demo).gap(Filters(industry="seafood"), W) == expected
    assert calls["n"] > 1

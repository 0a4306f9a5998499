"""Audits vs worker voice: ground truth from the raw rows, protection, the view's charts.

Truth is computed here with pandas from `audits`, `audit_findings`, `worksites`, `cases`
and `case_issues` (never through data_access.audits internals).
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from callbacks import audits as view
from data_access import contract
from data_access.audits import BIN_EDGES, AuditGaps, bin_of, check_window
from data_access.demo import SILENT_AUDIT_ID, SILENT_AUDIT_WORKSITE
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess

SELECTIONS = {
    "all": (Filters(), 12),
    "thailand_burmese_2022_on": (Filters(country="TH", nationality="MM", start="2022-01"), 6),
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


def truth(raw, filters: Filters, window: int) -> dict[str, tuple[str, set, set]]:
    """audit_id -> (worksite, reported categories in the window, found ∩ reported)."""
    audits = raw["audits"].merge(raw["worksites"], on="worksite_id")
    if filters.start:
        audits = audits[audits.month >= filters.start]
    if filters.end:
        audits = audits[audits.month <= filters.end]
    if filters.country:
        audits = audits[audits.country == filters.country]
    if filters.industry:
        audits = audits[audits.industry == filters.industry]
    reports = raw["cases"].merge(raw["case_issues"], on="case_id")
    for name in ("nationality", "channel", "origin", "destination"):
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


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au001_comparisons_equal_the_raw_rows(demo, raw, name):
    filters, window = SELECTIONS[name]
    expected = truth(raw, filters, window)
    got = {
        c.audit_id: (c.worksite_id, set(c.reported), set(c.hits))
        for c in AuditGaps(demo).comparisons(filters, window)
    }
    assert len(expected) >= 10
    assert got == expected


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au002_published_detection_rate_is_the_true_rate_within_the_noise(demo, raw, name):
    filters, window = SELECTIONS[name]
    expected = truth(raw, filters, window)
    reported = sum(len(r) for _w, r, _h in expected.values())
    hits = sum(len(h) for _w, _r, h in expected.values())
    sites = {w for w, _r, _h in expected.values()}
    overall = AuditGaps(demo).gap(filters, window).overall
    noise = demo.params.noise
    assert abs(overall.reported.value - reported) <= noise
    assert abs(overall.worksites.value - len(sites)) <= noise
    assert overall.found.suppressed or abs(overall.found.value - hits) <= noise
    if not overall.found.suppressed:
        bound = (hits + noise) / (reported - noise) - (hits - noise) / (reported + noise)
        assert abs(overall.rate - hits / reported) <= bound


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_au003_rates_by_issue_follow_the_raw_rows(demo, raw, name):
    filters, window = SELECTIONS[name]
    expected = truth(raw, filters, window)
    result = AuditGaps(demo).gap(filters, window)
    noise, k = demo.params.noise, demo.params.k
    for issue, rate in result.by_issue:
        pairs = [(w, issue in h) for w, r, h in expected.values() if issue in r]
        sites = {w for w, _f in pairs}
        if len(sites) < k:
            assert rate.reported.suppressed and rate.found.suppressed
            continue
        assert abs(rate.reported.value - len(pairs)) <= noise
        found = sum(f for _w, f in pairs)
        assert rate.found.suppressed or abs(rate.found.value - found) <= noise


def test_au004_silent_factory_lands_in_the_zero_bin(demo, raw):
    expected = truth(raw, Filters(), 12)
    worksite, reported, hits = expected[SILENT_AUDIT_ID]
    assert worksite == SILENT_AUDIT_WORKSITE and len(reported) == 16 and not hits
    site_audits = [v for v in expected.values() if v[0] == SILENT_AUDIT_WORKSITE]
    rate = sum(len(h) for _w, _r, h in site_audits) / sum(len(r) for _w, r, _h in site_audits)
    assert bin_of(rate) == 0
    result = AuditGaps(demo).gap(Filters(), 12)
    zero = result.bins[0]
    assert zero.is_zero and zero.worksites.value >= demo.params.k
    # The 0% bin is the set of worksites whose audits found nothing: same records, same value.
    assert result.found_none == zero.worksites


def test_au005_every_bin_holds_at_least_k_worksites(demo, small):
    for data in (demo, small):
        for filters in (Filters(), Filters(country="MY"), Filters(industry="seafood")):
            for b in AuditGaps(data).gap(filters, 12).bins:
                assert b.worksites.suppressed or b.worksites.value >= data.params.k
            bins = AuditGaps(data).gap(filters, 12).bins
            assert all(b.low in BIN_EDGES and b.high in BIN_EDGES for b in bins)


def test_au006_thin_selection_withholds_everything(small):
    filters = Filters(country="MM", nationality="KH", start="2025-06")
    result = AuditGaps(small).gap(filters, 6)
    assert result.overall.worksites.value == 0 or result.overall.worksites.suppressed
    chart = view.bins_chart(small, filters, {"window": "6"})
    assert chart.table is None and chart.figure["data"] == []
    assert "worksite" in chart.note


def test_au007_small_groups_publish_no_rate(small):
    result = AuditGaps(small).gap(Filters(), 12)
    for _key, rate in (*result.by_issue, *result.by_industry, *result.by_country):
        if rate.worksites.suppressed:
            assert rate.rate is None and rate.reported.suppressed and rate.found.suppressed


def test_au008_window_not_in_the_list_is_refused_before_any_query(small, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("queried")

    monkeypatch.setattr(type(small), "engine", property(boom))
    for bad in ("7", "x", "", None, "12; drop table cases"):
        with pytest.raises(InvalidParameter):
            AuditGaps(small).gap(Filters(), bad)
    assert check_window("24") == 24


def test_au009_filter_not_in_the_taxonomy_is_refused():
    with pytest.raises(InvalidParameter):
        Filters(country="ZZ")


def test_au010_charts_show_rates_and_clickable_categories(small):
    chart = view.issue_chart(small, Filters(), {})
    assert chart.table is not None
    trace = chart.figure["data"][0]
    assert all(c.startswith("issue=") for c in trace["customdata"])
    assert all(0 <= x <= 1 for x in trace["x"])
    kpis = view.kpi_cards(small, Filters(), {})
    assert len(kpis) == 3


def test_au011_same_question_same_answer(demo_url):
    first = AuditGaps(DataAccess(demo_url)).gap(Filters(country="TH"), 24)
    assert AuditGaps(DataAccess(demo_url)).gap(Filters(country="TH"), 24) == first


def test_au012_both_backends_give_the_same_audit_gap(backend_url, small_url):
    filters = Filters(country="TH")
    got = AuditGaps(DataAccess(backend_url)).gap(filters, 12)
    expected = AuditGaps(DataAccess(small_url)).gap(filters, 12)
    assert (got.overall, got.bins, got.by_issue) == (
        expected.overall,
        expected.bins,
        expected.by_issue,
    )

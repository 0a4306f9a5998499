"""Audits vs worker voice: ground truth from the raw rows, protection, the view's charts.

Truth is computed here with pandas from `audits`, `audit_findings`, `worksites`, `cases`
and `case_issues` (never through data_access.audits internals).
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from callbacks import audits as view
from data_access import audits, contract
from data_access.audits import (
    BIN_EDGES,
    WINDOWS,
    AuditGap,
    AuditGaps,
    Bin,
    Rate,
    _binned,
    _merge,
    bin_of,
    check_window,
)
from data_access.demo import SILENT_AUDIT_ID, SILENT_AUDIT_WORKSITE
from data_access.disclosure import SUPPRESSED
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


# -- the derived tables (issue 7) against the exact comparisons ---------------------------
# Requests read tables derived at load time; `comparisons` computes the same pairs from the
# raw rows (and is itself held to the pandas truth above). Any difference is a bug.
EXACT = settings(max_examples=40, deadline=None)
NARROWING = {
    "all": Filters(),
    "period": Filters(start="2022-01", end="2024-12"),
    "from": Filters(start="2023-06"),
    "country": Filters(country="TH"),
    "industry": Filters(industry="seafood"),
    "nationality": Filters(nationality="MM"),
    "channel": Filters(channel="line"),
    "corridor": Filters(origin="MM", destination="TH"),
    "stage": Filters(stage="employment"),
    "issue": Filters(issue="wages_unpaid"),
    "nationality_issue": Filters(nationality="KH", issue="deception"),
    "everything": Filters(
        start="2021-01", end="2025-12", country="TH", nationality="MM", channel="line"
    ),
}


def reference_gap(gaps: AuditGaps, keys: dict[str, int], filters: Filters, window: int):
    """The protection as computed per comparison before the derived tables, unchanged."""
    comparisons = gaps.comparisons(filters, window)
    protector = gaps.data.protector

    def rate(parts):
        reported = sum(r for _, r, _h in parts)
        hits = sum(h for _, _r, h in parts)
        sites = {wid for wid, _r, _h in parts}
        hit_sites = {wid for wid, _r, h in parts if h}
        n_sites = protector.count(len(sites), sum(keys[wid] for wid in sites), len(sites))
        if n_sites.suppressed:
            return Rate(SUPPRESSED, SUPPRESSED, SUPPRESSED)
        return Rate(
            protector.count(reported, sum(keys[wid] * r for wid, r, _h in parts), len(sites)),
            protector.count(hits, sum(keys[wid] * h for wid, _r, h in parts), len(hit_sites)),
            n_sites,
        )

    parts = [(cmp.worksite_id, len(cmp.reported), len(cmp.hits)) for cmp in comparisons]
    by_issue, by_industry, by_country = defaultdict(list), defaultdict(list), defaultdict(list)
    per_site = defaultdict(lambda: [0, 0])
    for cmp, part in zip(comparisons, parts):
        for issue in cmp.reported:
            by_issue[issue].append((cmp.worksite_id, 1, int(issue in cmp.found)))
        by_industry[cmp.industry].append(part)
        by_country[cmp.country].append(part)
        per_site[cmp.worksite_id][0] += part[1]
        per_site[cmp.worksite_id][1] += part[2]
    rates = {wid: hits / reported for wid, (reported, hits) in per_site.items()}
    zero = [wid for wid, r in rates.items() if r == 0]
    bins = [
        Bin(low, high, protector.count(len(members), sum(keys[m] for m in members)))
        for low, high, members in _merge(_binned(rates), protector.k)
    ]
    return AuditGap(
        window,
        rate(parts),
        tuple((k, rate(v)) for k, v in sorted(by_issue.items())),
        tuple((k, rate(v)) for k, v in sorted(by_industry.items())),
        tuple((k, rate(v)) for k, v in sorted(by_country.items())),
        tuple(bins),
        protector.count(len(zero), sum(keys[wid] for wid in zero)),
        gaps.data.version().version,
    )


@pytest.fixture(scope="module")
def raw_keys(raw) -> dict[str, int]:
    """Each worksite's record key from the raw rows (worksites.record_key)."""
    return raw["worksites"].set_index("worksite_id").record_key.astype(int).to_dict()


@st.composite
def audit_selections(draw, raw) -> tuple[Filters, int]:
    """Selections that meet the audited worksites' data, so most compare something."""
    audited = raw["cases"][raw["cases"].worksite_id.isin(raw["audits"].worksite_id)]

    def maybe(values):
        return draw(st.one_of(st.none(), st.sampled_from(sorted(set(values)))))

    months = sorted(set(raw["audits"].month))
    start, end = maybe(months), maybe(months)
    if start and end and start > end:
        start, end = end, start
    corridor = maybe(zip(audited.origin, audited.destination))
    filters = Filters(
        start=start,
        end=end,
        country=maybe(raw["worksites"].country),
        industry=maybe(raw["worksites"].industry),
        nationality=maybe(audited.nationality),
        channel=maybe(audited.channel),
        stage=maybe(audited.stage),
        issue=maybe(raw["case_issues"].issue),
        origin=corridor[0] if corridor else None,
        destination=corridor[1] if corridor else None,
    )
    return filters, draw(st.sampled_from(WINDOWS))


def in_order(pooled):
    sites, issues = pooled
    return sorted(sites), issues


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("name", sorted(NARROWING))
def test_au013_derived_pairs_equal_the_exact_comparisons(demo, name, window):
    gaps = AuditGaps(demo)
    filters = NARROWING[name]
    expected = in_order(gaps.exact_pooled(filters, window))
    assert in_order(gaps.pooled(filters, window)) == expected
    if name in ("all", "country", "nationality"):
        sites, issues = expected
        assert len(sites) >= 10 and len(issues) >= 10


@pytest.mark.parametrize("window", WINDOWS)
@pytest.mark.parametrize("name", sorted(NARROWING))
def test_au014_gap_equals_the_protected_exact_comparisons(demo, raw_keys, name, window):
    gaps = AuditGaps(demo)
    filters = NARROWING[name]
    assert gaps.gap(filters, window) == reference_gap(gaps, raw_keys, filters, window)


@EXACT
@given(data=st.data())
def test_au015_any_selection_gives_the_gap_of_the_exact_comparisons(demo, raw, raw_keys, data):
    filters, window = data.draw(audit_selections(raw), label="selection")
    gaps = AuditGaps(demo)
    assert in_order(gaps.pooled(filters, window)) == in_order(gaps.exact_pooled(filters, window))
    assert gaps.gap(filters, window) == reference_gap(gaps, raw_keys, filters, window)


@pytest.mark.parametrize("window", WINDOWS)
def test_au016_derived_pairs_are_exact_on_both_backends(backend_url, window):
    gaps = AuditGaps(DataAccess(backend_url))
    for filters in (Filters(), Filters(country="TH", nationality="MM"), Filters(issue="deception")):
        expected = in_order(gaps.exact_pooled(filters, window))
        assert in_order(gaps.pooled(filters, window)) == expected


@pytest.mark.parametrize("window", WINDOWS)
def test_au017_per_worksite_sums_answer_as_the_pairs_do_on_both_backends(backend_url, window):
    """Selections with no period and no case dimension read `audit_site_issues`."""
    data = DataAccess(backend_url)

    def answer(queries) -> tuple:
        by_site, by_issue = queries
        with data.engine.connect() as conn:
            return sorted(map(tuple, conn.execute(by_site))), sorted(
                map(tuple, conn.execute(by_issue))
            )

    for filters in (
        Filters(),
        Filters(country="TH"),
        Filters(industry="seafood", issue="wages_unpaid"),
        Filters(country="MY", industry="electronics", issue="deception"),
    ):
        fast = answer(audits._site_queries(filters, window))
        assert fast == answer(audits._pair_queries(filters, window, {}))
        assert fast[0] or filters.issue  # the demo has audited worksites in each

"""Remediation: callbacks, and ground truth computed from the raw case rows (SQL).

Published counts are within the count noise of the exact ones, sums within the count
noise of the cases' workers each times its own factor (data_access.disclosure, rule 5),
and medians follow the documented method
(data_access.outcomes.published_median): with protection switched off it returns the
exact lower median of the rows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from callbacks import remediation
from data_access import contract, disclosure, outcomes, taxonomy
from data_access.disclosure import DisclosureParams, Published
from data_access.filters import Filters
from data_access.query import DataAccess

PERIOD = Filters(period="2023")
BETWEEN = "between '2023-01' and '2023-12'"
RAW = DisclosureParams(k=1, c=1, noise=0)


def _sql(url: str):
    engine = create_engine(url)

    def run(query: str, **params) -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query), params)]

    return engine, run


@pytest.fixture(scope="module")
def sql(small_url):
    engine, run = _sql(small_url)
    yield run
    engine.dispose()


@pytest.fixture(scope="module")
def data(small_url) -> DataAccess:
    return DataAccess(small_url)


@pytest.fixture(scope="module")
def raw(small_url) -> DataAccess:
    """The same data with protection off: only to check the median method, never shown."""
    return DataAccess(small_url, RAW)


def _months(received: str, resolved: str) -> int:
    return contract.month_index(resolved) - contract.month_index(received)


def test_rm001_demo_2022_to_2024_reads_282619_within_a_few_percent(demo_url):
    """The network's public figure, the demo's calibration: the three published years add
    up to it within the noise every case's workers carry (a few percent over thousands)."""
    data = DataAccess(demo_url)
    years = [data.total("workers_remediated", Filters(period=y)) for y in ("2022", "2023", "2024")]
    assert abs(sum(p.value for p in years) - 282_619) <= 0.03 * 282_619
    texts = repr(remediation.kpi_cards(data, Filters(period="2023")))
    assert f"{years[1].value:,}" in texts


def test_rm002_totals_equal_the_rows(data, sql):
    rows = sql(
        "select workers_remediated, record_key from cases"
        " where status = 'remediated' and month_resolved " + BETWEEN
    )
    perturbed = sum(disclosure.perturbed_workers(w, key) for w, key in rows)
    published = data.total("workers_remediated", PERIOD).value
    assert abs(published - perturbed) <= data.params.noise
    assert abs(data.total("cases_remediated", PERIOD).value - len(rows)) <= data.params.noise


def test_rm003_funnel_stages_equal_the_rows(data, sql):
    result = remediation.funnel_chart(data, PERIOD)
    published = [row[1].value for row in result.table.rows]
    where = "month_received " + BETWEEN
    [(reported, raised, remediated, validated)] = sql(
        "select count(*),"
        " sum(case when status <> 'open' then 1 else 0 end),"
        " sum(case when status = 'remediated' then 1 else 0 end),"
        " sum(case when status = 'remediated' and validated = 'yes' then 1 else 0 end)"
        f" from cases where {where}"
    )
    exact = [reported, raised, remediated, validated]
    for value, truth in zip(published, exact):
        assert abs(value - truth) <= data.params.noise
    assert published == sorted(published, reverse=True) or published[0] >= published[2]
    assert result.figure["data"][0]["x"] == published


def test_rm004_funnel_follows_the_period(data):
    early = remediation.funnel_chart(data, Filters(period="2020"))
    late = remediation.funnel_chart(data, PERIOD)
    assert early.table.rows[0][1] != late.table.rows[0][1]


def test_rm005_raised_statuses_are_every_status_past_intake():
    assert set(outcomes.RAISED_STATUSES) == set(taxonomy.STATUSES) - {"open"}


def test_rm006_medians_by_theme_follow_the_method_exactly_without_protection(raw, sql):
    rows = sql(
        "select c.case_id, c.month_received, c.month_resolved, ci.issue from cases c"
        " join case_issues ci on ci.case_id = c.case_id where c.status = 'remediated'"
        " and c.month_resolved " + BETWEEN
    )
    by_theme: dict[str, dict[str, int]] = {}
    for case, received, resolved, issue in rows:
        by_theme.setdefault(taxonomy.theme_of(issue), {})[case] = _months(received, resolved)
    medians = remediation.median_by(raw, PERIOD, "theme")
    for theme, cases in by_theme.items():
        ordered = sorted(min(m, outcomes.TTR_CAP) for m in cases.values())
        lower_median = ordered[(len(ordered) - 1) // 2]
        total, median = medians[(theme,)]
        assert total.value == len(ordered)
        assert median == lower_median
        assert abs(median - outcomes.exact_median(list(cases.values()))) <= 0.5


def test_rm007_published_medians_stay_near_the_exact_ones(data, sql):
    rows = sql(
        "select month_received, month_resolved from cases where status = 'remediated'"
        " and month_resolved " + BETWEEN
    )
    exact = outcomes.exact_median([_months(a, b) for a, b in rows])
    total, median = remediation.median_by(data, PERIOD)[()]
    assert not total.suppressed
    assert abs(median - exact) <= 1


def test_rm008_no_median_without_k_cases_behind_it():
    k = 10
    buckets = {"1": Published(12), "2": Published(None)}
    assert outcomes.published_median(buckets, Published(None)) is None
    assert outcomes.published_median({}, Published(0)) is None
    assert outcomes.published_median(buckets, Published(k + 5)) == 1


def test_rm009_median_method_ignores_withheld_buckets_and_reads_whole_months():
    buckets = {"1": Published(10), "2": Published(None), "3": Published(20), "24+": Published(12)}
    assert outcomes.published_median(buckets, Published(40)) == 3
    assert outcomes.published_median({"24+": Published(30)}, Published(30)) == outcomes.TTR_CAP


def test_rm010_ttr_chart_tables_every_theme_with_its_count(data):
    result = remediation.ttr_median_chart(data, PERIOD)
    themes = {row[0] for row in result.table.rows}
    assert themes <= set(taxonomy.THEMES.values())
    for _name, count, median in result.table.rows:
        if count.suppressed:
            assert median == "not published"
    bars = dict(zip(result.figure["data"][0]["y"], result.figure["data"][0]["x"]))
    for name, _count, median in result.table.rows:
        if name in bars:
            assert median.startswith(str(bars[name]))


def test_rm011_distribution_equals_the_rows(data, sql):
    result = remediation.ttr_distribution_chart(data, PERIOD)
    rows = sql(
        "select month_received, month_resolved from cases where status = 'remediated'"
        " and month_resolved " + BETWEEN
    )
    exact: dict[int, int] = {}
    for a, b in rows:
        m = min(_months(a, b), outcomes.TTR_CAP)
        exact[m] = exact.get(m, 0) + 1
    bars = dict(zip(result.figure["data"][0]["x"], result.figure["data"][0]["y"]))
    cells = data.aggregate("cases_remediated", ("ttr",), PERIOD).as_dict()
    for bucket, value in bars.items():
        truth = exact.get(outcomes.bucket_months(bucket), 0)
        if value is None:
            # Fewer than K (0 included), or within K of a wider cell.
            assert truth < data.params.k or cells[(bucket,)].reason == "near_total"
        elif cells[(bucket,)].reason is None:
            assert abs(value - truth) <= data.params.noise


def test_rm012_route_shares_come_from_protected_counts(data, sql):
    result = remediation.routes_chart(data, PERIOD)
    exact = dict(
        sql(
            "select route, count(*) from cases where status = 'remediated'"
            " and month_resolved " + BETWEEN + " group by route"
        )
    )
    total = data.total("cases_remediated", PERIOD).value
    for name, count, share in result.table.rows:
        code = next(c for c, n in taxonomy.ROUTES.items() if n == name)
        assert abs(count.value - exact[code]) <= data.params.noise
        assert share.value == pytest.approx(count.value / total)


@pytest.mark.parametrize("by", ["country", "industry", "nationality", "theme"])
def test_rm013_rate_by_each_breakdown(data, by):
    result = remediation.rate_chart(data, PERIOD, {"rate_by": by})
    assert result.table.rows
    for _name, received, remediated, rate in result.table.rows:
        if rate.value is not None:
            assert rate.value == pytest.approx(min(1.0, remediated.value / received.value))


def test_rm014_rate_by_theme_counts_a_case_once_per_theme(data, sql):
    result = remediation.rate_chart(data, PERIOD, {"rate_by": "theme"})
    pairs = sql(
        "select distinct c.case_id, ci.issue, c.status from cases c join case_issues ci"
        " on ci.case_id = c.case_id where c.month_received " + BETWEEN
    )
    cases: dict[str, set] = {}
    for case, issue, _status in pairs:
        cases.setdefault(taxonomy.theme_of(issue), set()).add(case)
    rows = {name: received for name, received, _r, _s in result.table.rows}
    for theme, members in cases.items():
        assert abs(rows[taxonomy.THEMES[theme]].value - len(members)) <= data.params.noise


def test_rm015_validation_chart_says_why_it_matters(data, sql):
    result = remediation.validated_chart(data, PERIOD)
    assert "workers themselves confirm" in result.note
    exact = dict(
        sql(
            "select validated, count(*) from cases where status = 'remediated'"
            " and month_resolved between '2023-01' and '2023-12' group by validated"
        )
    )
    row = next(r for r in result.table.rows if r[0] == "2023")
    for cell, code in zip(row[1:], remediation.VALIDATION):
        if cell.reason is None:
            assert abs(cell.value - exact.get(code, 0)) <= data.params.noise
        else:
            assert cell.reason != "fewer_than_k" or exact.get(code, 0) < data.params.k


def test_rm016_monthly_and_cumulative_agree(data, sql):
    [(largest,)] = sql(
        "select max(workers_remediated) from cases"
        " where status = 'remediated' and month_resolved " + BETWEEN
    )
    result = remediation.monthly_chart(data, PERIOD, {"measure": "workers"})
    running = 0
    for _period, cell, cumulative in result.table.rows:
        running += cell.value or 0
        assert cumulative == running
    headline = data.total("workers_remediated", PERIOD).value
    # Each part carries its own count noise on top of the same per-case factors; a
    # withheld part adds nothing, so the line ends at most that part's workers below.
    withheld = [c for _p, c, _c in result.table.rows if c.suppressed]
    noise = data.params.noise * (len(result.table.rows) + 1)
    assert running <= headline + noise
    assert withheld or abs(running - headline) <= noise
    assert largest >= 1


def test_rm017_thin_selection_shows_no_numbers(data):
    thin = Filters(origin="NP", destination="GB", issue="physical_abuse", period="2024")
    for build in (
        remediation.monthly_chart,
        remediation.routes_chart,
        remediation.ttr_median_chart,
        remediation.validated_chart,
    ):
        result = build(data, thin)
        assert result.table is None and result.figure["data"] == []
    cards = repr(remediation.kpi_cards(data, thin))
    assert "<10" in cards and "'0'" not in cards


def test_rm018_theme_queries_report_an_ignored_issue_filter(data):
    result = data.aggregate("cases", ("theme",), Filters(issue="deception"))
    assert result.ignored_filters == ("issue",)
    plain = data.aggregate("cases", ("theme",), Filters())
    assert result.rows == plain.rows


def test_rm019_outcome_cubes_agree_with_the_rows_on_both_backends(backend_url):
    engine, run = _sql(backend_url)
    try:
        rows = run(
            "select c.case_id, c.month_received, c.month_resolved, ci.issue from cases c"
            " join case_issues ci on ci.case_id = c.case_id where c.status = 'remediated'"
        )
    finally:
        engine.dispose()
    exact: dict[tuple[str, str], set] = {}
    for case, received, resolved, issue in rows:
        bucket = min(_months(received, resolved), outcomes.TTR_CAP)
        label = outcomes.TTR_LAST if bucket == outcomes.TTR_CAP else str(bucket)
        exact.setdefault((taxonomy.theme_of(issue), label), set()).add(case)
    raw = DataAccess(backend_url, RAW)
    published = raw.aggregate("cases_remediated", ("theme", "ttr")).as_dict()
    assert {key: p.value for key, p in published.items() if p.value is not None} == {
        key: len(cases) for key, cases in exact.items()
    }


def test_rm020_theme_with_issue_reads_the_theme_off_each_issue(data):
    # The issue filter does not narrow an issue breakdown: it is reported as ignored.
    both = data.aggregate("cases", ("theme", "issue"), Filters(issue="deception"))
    assert both.ignored_filters == ("issue",)
    assert len(both.rows) == len(taxonomy.ISSUES)
    issues = data.aggregate("cases", ("issue",)).as_dict()
    for (theme, issue), p in data.aggregate("cases", ("theme", "issue")).rows:
        assert theme == taxonomy.theme_of(issue)
        assert p == issues[(issue,)]

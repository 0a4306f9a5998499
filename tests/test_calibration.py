"""The default demo keeps its calibration to the network's public figures.

Plain SQL on the raw tables of the default demo (60,000 cases, seed 2024, as of 2026-06);
see data_access/demo.py and docs/data-contract.md ("Demo data").
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from data_access import contract
from data_access.demo import MANY_REPORTED, MAX_CASE_WORKERS, DemoGenerator, DemoSpec
from data_access.load import build_demo
from tests.conftest import TEST_AS_OF


@pytest.fixture(scope="module")
def sql(demo_url):
    engine = create_engine(demo_url)

    def run(query: str, **params) -> list[tuple]:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(query), params)]

    yield run
    engine.dispose()


def _month(index: int) -> str:
    return contract.month_from_index(index)


def test_ca001_workers_remediated_2022_to_2024_is_exact(sql):
    [(total,)] = sql(
        "select sum(workers_remediated) from cases where status = 'remediated'"
        " and month_resolved between '2022-01' and '2024-12'"
    )
    assert total == 282_619


def test_ca002_every_month_has_10k_to_20k_contacts(sql):
    per_month = dict(sql("select month, sum(count) from contacts group by month"))
    first, last = contract.month_index("2019-01"), contract.month_index(TEST_AS_OF)
    months = [_month(i) for i in range(first, last + 1)]
    assert sorted(per_month) == months
    outside = {m: n for m, n in per_month.items() if not 10_000 <= n <= 20_000}
    assert not outside


def test_ca003_silent_audit_factory_has_16_reported_issues_and_no_findings(sql):
    audit = sql("select worksite_id, month from audits where audit_id = 'A000016'")
    assert audit == [("W000016", "2023-06")]
    audit_index = contract.month_index("2023-06")
    lo, hi = _month(audit_index - 12), _month(audit_index + 12)
    [(reported,)] = sql(
        "select count(distinct ci.issue) from cases c"
        " join case_issues ci on ci.case_id = c.case_id"
        " where c.worksite_id = 'W000016' and c.month_received between :lo and :hi",
        lo=lo,
        hi=hi,
    )
    assert reported == 16
    assert sql("select issue from audit_findings where audit_id = 'A000016'") == []


def test_ca004_audits_find_only_a_few_percent_of_reported_issues(sql):
    """Detection rate = |found ∩ reported within ±12 months| / |reported|, pooled."""
    reported: dict[str, list[tuple[int, str]]] = {}
    for worksite, month, issue in sql(
        "select c.worksite_id, c.month_received, ci.issue from cases c"
        " join case_issues ci on ci.case_id = c.case_id where c.worksite_id is not null"
    ):
        reported.setdefault(worksite, []).append((contract.month_index(month), issue))
    found: dict[str, set[str]] = {}
    for audit_id, issue in sql("select audit_id, issue from audit_findings"):
        found.setdefault(audit_id, set()).add(issue)
    hits = total = audits_used = 0
    for audit_id, worksite, month in sql("select audit_id, worksite_id, month from audits"):
        at = contract.month_index(month)
        near = {issue for m, issue in reported.get(worksite, []) if abs(m - at) <= 12}
        if not near:
            continue
        audits_used += 1
        hits += len(found.get(audit_id, set()) & near)
        total += len(near)
    assert audits_used >= 100
    rate = hits / total
    assert 0 < rate < 0.10


def test_ca005_most_cases_are_at_worksites_in_th_my_mm(sql):
    by_country = dict(
        sql(
            "select w.country, count(*) from cases c"
            " join worksites w on w.worksite_id = c.worksite_id group by w.country"
        )
    )
    [(n_cases,)] = sql("select count(*) from cases")
    assert set(by_country) == {"TH", "MY", "MM"}
    assert sum(by_country.values()) > n_cases / 2
    assert by_country["TH"] > by_country["MY"] > by_country["MM"] > 0


@pytest.mark.parametrize("destination", ["KW", "SA", "AE"])
def test_ca006_recruitment_corridors_from_nepal_with_fees_and_deception(sql, destination):
    rows = dict(
        sql(
            "select ci.issue, count(*) from cases c"
            " join case_issues ci on ci.case_id = c.case_id"
            " where c.stage = 'recruitment' and c.origin = 'NP'"
            " and c.destination = :destination group by ci.issue",
            destination=destination,
        )
    )
    assert rows.get("recruitment_fees", 0) > 0
    assert rows.get("deception", 0) > 0
    # Fees and deception lead the issues reported on these corridors.
    top_two = sorted(rows, key=rows.get, reverse=True)[:2]
    assert set(top_two) == {"recruitment_fees", "deception"}


def test_ca007_workers_affected_has_a_heavy_tail(sql):
    sizes = [n for (n,) in sql("select workers_affected from cases")]
    assert statistics.median(sizes) == 1
    assert sum(n >= 1_000 for n in sizes) >= 1
    assert 1_000 <= max(sizes) <= MAX_CASE_WORKERS


def _case_hash(url: str) -> str:
    engine = create_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as conn:
        for row in conn.execute(text("select * from cases order by case_id")):
            digest.update(repr(tuple(row)).encode())
        for row in conn.execute(text("select * from case_issues order by case_id, issue")):
            digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def test_ca008_same_seed_gives_the_same_rows(tmp_path):
    spec = DemoSpec(cases=2_000, seed=5, last_month="2026-06")
    urls = [f"sqlite:///{tmp_path / name}.sqlite3" for name in ("a", "b", "other")]
    build_demo(urls[0], spec)
    build_demo(urls[1], spec)
    build_demo(urls[2], DemoSpec(cases=2_000, seed=6, last_month="2026-06"))
    first, second, other = (_case_hash(url) for url in urls)
    assert first == second
    assert other != first  # the hash does see the rows


def test_ca009_every_year_has_the_same_workers_remediated_per_case(sql):
    """Calibration generates the 2022-2024 volume: no step where the target years start."""
    per_year = sql(
        "select substr(month_resolved, 1, 4), count(*), sum(workers_remediated) from cases"
        " where status = 'remediated' group by 1 order by 1"
    )
    means = {year: total / n for year, n, total in per_year}
    assert set(means) >= {str(y) for y in range(2019, 2027)}
    target = means["2023"]
    assert all(abs(mean - target) / target < 0.01 for mean in means.values()), means


def test_ca010_case_sizes_keep_their_documented_caps(sql):
    [(largest, over)] = sql(
        "select max(workers_affected), sum(workers_remediated > workers_affected) from cases"
    )
    assert largest == MAX_CASE_WORKERS and over == 0


def test_ca011_no_worksite_dominates(sql):
    [(n_cases,)] = sql("select count(*) from cases")
    [(busiest,)] = sql(
        "select max(n) from (select count(*) as n from cases"
        " where worksite_id is not null group by worksite_id)"
    )
    assert busiest / n_cases < 0.02


LEADING = {"apparel_footwear", "electronics", "food_beverage", "seafood"}


def test_ca012_the_four_industries_the_network_names_lead(sql):
    shares = dict(sql("select industry, count(*) from cases group by industry"))
    assert set(sorted(shares, key=shares.get, reverse=True)[:4]) == LEADING


@pytest.mark.parametrize("seed", [1, 7])
def test_ca013_other_seeds_keep_the_shape(seed):
    gen = DemoGenerator(DemoSpec(seed=seed, last_month=TEST_AS_OF))
    industries, worksites = Counter(), Counter()
    for batch in gen.case_batches():
        industries.update(row["industry"] for row in batch)
        worksites.update(row["worksite_id"] for row in batch if row["worksite_id"])
    assert set(sorted(industries, key=industries.get, reverse=True)[:4]) == LEADING
    assert worksites.most_common(1)[0][1] / sum(industries.values()) < 0.02


def test_ca014_the_silent_audit_stands_out(sql):
    """Of the audits that found none of what workers reported, A000016 heard the most."""
    reported: dict[str, list[tuple[int, str]]] = {}
    for worksite, month, issue in sql(
        "select c.worksite_id, c.month_received, ci.issue from cases c"
        " join case_issues ci on ci.case_id = c.case_id where c.worksite_id is not null"
    ):
        reported.setdefault(worksite, []).append((contract.month_index(month), issue))
    found: dict[str, set[str]] = {}
    for audit_id, issue in sql("select audit_id, issue from audit_findings"):
        found.setdefault(audit_id, set()).add(issue)
    missed_all = {}
    for audit_id, worksite, month in sql("select audit_id, worksite_id, month from audits"):
        at = contract.month_index(month)
        near = {issue for m, issue in reported.get(worksite, []) if abs(m - at) <= 12}
        if near and not near & found.get(audit_id, set()):
            missed_all[audit_id] = len(near)
    assert missed_all.pop("A000016") == 16
    assert max(missed_all.values()) < MANY_REPORTED

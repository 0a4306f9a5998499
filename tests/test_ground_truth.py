"""The query layer against ground truth computed independently from the raw tables.

Truth is read with plain SQL from `cases`, `case_issues` and `contacts` and grouped here
with pandas (no cube tables, no DataAccess internals). Every published cell must be
suppressed for a stated reason or lie within the documented bound of the truth, and no
cell that holds records may be missing. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data_access.disclosure import Protector, share
from data_access.filters import Filters, InvalidParameter
from data_access.query import DataAccess

# The measures as the methodology describes them: (rows, kind, month column, workers).
SPEC = {
    "cases": ("received", "count"),
    "workers_affected": ("received", "sum"),
    "cases_remediated": ("remediated", "count"),
    "workers_remediated": ("remediated", "sum"),
    "remediations_validated": ("validated", "count"),
    "contacts": ("contacts", "count"),
}
SELECTIONS = {
    "all": Filters(),
    "period": Filters(start="2023-01", end="2023-12"),
    "country_TH": Filters(country="TH"),
    "corridor_NP_KW": Filters(origin="NP", destination="KW"),
    "nationality_issue": Filters(nationality="MM", issue="wages_unpaid"),
    "channel": Filters(channel="facebook"),
}
BREAKDOWNS = [(), ("month",), ("issue",), ("quarter",), ("corridor",), ("quarter", "issue")]
CASE_FILTER_COLUMNS = {
    "country": "destination",
    "nationality": "nationality",
    "industry": "industry",
    "origin": "origin",
    "destination": "destination",
    "channel": "channel",
    "stage": "stage",
}


@dataclass(frozen=True)
class Truth:
    value: int  # the count or sum
    contributors: int  # cases (contacts for the contacts measure)
    largest: int  # the largest single case's workers (sums)


@pytest.fixture(scope="module")
def load_raw():
    loaded: dict[str, tuple] = {}

    def load(url: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        if url not in loaded:
            engine = create_engine(url)
            with engine.connect() as conn:
                loaded[url] = tuple(
                    pd.read_sql(text(f"select * from {name}"), conn)
                    for name in ("cases", "case_issues", "contacts")
                )
            engine.dispose()
        return loaded[url]

    return load


def _quarter(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def truth(raw, measure: str, by: tuple[str, ...], filters: Filters) -> dict[tuple, Truth]:
    cases, case_issues, contacts = raw
    rows, kind = SPEC[measure]
    if rows == "contacts":
        df = contacts.copy()
        df["month_key"] = df["month"]
        df["workers"] = df["count"]
        for name in ("nationality", "channel"):  # the only filters contacts have
            if getattr(filters, name):
                df = df[df[name] == getattr(filters, name)]
    else:
        df = cases.copy()
        if rows == "received":
            df["month_key"], df["workers"] = df["month_received"], df["workers_affected"]
        else:
            df = df[df["status"] == "remediated"]
            if rows == "validated":
                df = df[df["validated"] == "yes"]
            df["month_key"], df["workers"] = df["month_resolved"], df["workers_remediated"]
        for name, column in CASE_FILTER_COLUMNS.items():
            if getattr(filters, name):
                df = df[df[column] == getattr(filters, name)]
        if filters.issue:
            with_issue = case_issues.loc[case_issues["issue"] == filters.issue, "case_id"]
            df = df[df["case_id"].isin(with_issue)]
        if "issue" in by:
            df = df.merge(case_issues, on="case_id")
            if filters.issue:
                df = df[df["issue"] == filters.issue]
        df["corridor"] = df["origin"] + "-" + df["destination"]
    if filters.start:
        df = df[df["month_key"] >= filters.start]
    if filters.end:
        df = df[df["month_key"] <= filters.end]
    df = df.assign(
        month=df["month_key"],
        quarter=df["month_key"].map(_quarter),
        year=df["month_key"].str[:4],
    )
    out: dict[tuple, Truth] = {}
    groups = df.groupby(list(by), dropna=False) if by else [((), df)]
    for keys, group in groups:
        keys = keys if isinstance(keys, tuple) else (keys,)
        if rows == "contacts":
            value = int(group["workers"].sum())
            out[keys] = Truth(value, value, 0)
        else:
            n, workers = len(group), int(group["workers"].sum())
            largest = int(group["workers"].max()) if n else 0
            out[keys] = Truth(n if kind == "count" else workers, n, largest)
    return {k: t for k, t in out.items() if t.contributors > 0}


def queries(measure: str):
    for selection, filters in SELECTIONS.items():
        for by in BREAKDOWNS:
            if measure == "contacts" and {"issue", "corridor"} & set(by):
                continue
            yield f"{selection} by {by}", filters, by


def why_suppressed(protector: Protector, measure: str, cell: Truth) -> list[str]:
    p = protector.params
    reasons = []
    if cell.value < p.k:
        reasons.append("below K")
    if cell.contributors < p.c:
        reasons.append("fewer than C contributors")
    if SPEC[measure][1] == "sum" and cell.largest > p.dominance * cell.value:
        reasons.append("dominated by one case")
    return reasons


@pytest.fixture(scope="module")
def cells(load_raw):
    """(label, key, published, true cell) for every cell of every query of a measure."""
    done: dict[tuple[str, str], list] = {}

    def compare(url: str, measure: str) -> list:
        if (url, measure) not in done:
            raw, access, out = load_raw(url), DataAccess(url), []
            for label, filters, by in queries(measure):
                published = access.aggregate(measure, by, filters).as_dict()
                expected = truth(raw, measure, by, filters)
                for key in sorted(set(published) | set(expected), key=str):
                    out.append((label, key, published.get(key), expected.get(key, EMPTY)))
            done[url, measure] = out
        return done[url, measure]

    return compare


EMPTY = Truth(0, 0, 0)


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt001_published_cells_are_within_the_bound_of_the_truth(backend_url, cells, measure):
    protector = Protector()
    noise = protector.params.noise
    checked = 0
    for label, key, published, cell in cells(backend_url, measure):
        if published is None or published.suppressed:
            continue
        where = (label, key, published, cell)
        if cell.value == 0:
            assert published.value == 0, where
            continue
        assert published.value >= protector.k, where
        if SPEC[measure][1] == "count":
            assert abs(published.value - cell.value) <= noise, where
            if published.value == protector.k:  # the K floor
                assert cell.value < protector.k + noise + 1, where
        else:
            bound = protector.max_sum_error(cell.value, cell.largest)
            assert abs(published.value - cell.value) <= bound, where
        checked += 1
    assert checked > 50


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt002_suppressed_cells_are_small_few_or_dominated(backend_url, cells, measure):
    protector = Protector()
    suppressed = 0
    for label, key, published, cell in cells(backend_url, measure):
        if published is not None and published.suppressed:
            assert why_suppressed(protector, measure, cell), (label, key, cell)
            suppressed += 1
    if measure != "contacts":  # contacts run to thousands a month: never small
        assert suppressed > 0  # the selections do reach small cells


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt003_publishable_cells_are_published(backend_url, cells, measure):
    """No cell with value >= K, >= C contributors (and no dominance) is suppressed."""
    protector = Protector()
    for label, key, published, cell in cells(backend_url, measure):
        if cell.contributors and not why_suppressed(protector, measure, cell):
            assert published is not None and not published.suppressed, (label, key, cell)


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt004_no_cell_holding_records_is_missing(backend_url, cells, measure):
    for label, key, published, cell in cells(backend_url, measure):
        if cell.contributors:
            assert published is not None, ("missing", label, key, cell)
        else:
            assert published is None or published.value == 0, ("extra", label, key, published)


def test_gt005_contacts_ignore_and_report_case_only_filters(backend_url):
    access = DataAccess(backend_url)
    result = access.aggregate("contacts", (), Filters(country="TH", issue="wages_unpaid"))
    assert set(result.ignored_filters) == {"country", "issue"}
    assert result.single == access.total("contacts")
    assert access.aggregate("cases", (), Filters(country="TH")).ignored_filters == ()


def test_gt006_validated_share_comes_from_published_parts(backend_url):
    access = DataAccess(backend_url)
    for filters in SELECTIONS.values():
        expected = share(
            access.total("remediations_validated", filters),
            access.total("cases_remediated", filters),
        )
        assert access.validated_share(filters) == expected


def test_gt007_sqlite_and_postgresql_publish_identical_results(small_url, pg_small_url):
    sqlite, postgres = DataAccess(small_url), DataAccess(pg_small_url)
    compared = 0
    for measure in SPEC:
        for label, filters, by in queries(measure):
            a = sqlite.aggregate(measure, by, filters)
            b = postgres.aggregate(measure, by, filters)
            assert (a.rows, a.ignored_filters) == (b.rows, b.ignored_filters), (measure, label)
            compared += 1
    assert compared > 150


@pytest.fixture
def untouchable(tmp_path) -> DataAccess:
    """A DataAccess whose database does not exist: any query would fail loudly."""
    return DataAccess(f"sqlite:///{tmp_path / 'missing' / 'none.sqlite3'}")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"country": "ZZ"},
        {"nationality": "XX"},
        {"issue": "not_an_issue"},
        {"channel": "carrier_pigeon"},
        {"stage": "retirement"},
        {"industry": "mining"},
        {"origin": "NP"},
        {"origin": "NP", "destination": "ZZ"},
        {"start": "2023-13"},
        {"start": "2024-01", "end": "2023-01"},
        {"start": "2023-1; drop table cases"},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
def test_gt008_unknown_filter_value_raises_before_any_query(untouchable, kwargs):
    with pytest.raises(InvalidParameter):
        untouchable.aggregate("cases", (), Filters(**kwargs))
    assert untouchable._engine is None


@pytest.mark.parametrize(
    "measure, by",
    [
        ("workers", ()),
        ("cases; drop table cases", ()),
        ("cases", ("worksite_id",)),
        ("cases", ("month", "issue", "channel")),
        ("cases", ("month", "month")),
        ("contacts", ("issue",)),
        ("contacts", ("corridor",)),
        ("cases", ("record_key",)),
    ],
)
def test_gt009_unknown_measure_or_breakdown_raises(untouchable, measure, by):
    with pytest.raises(InvalidParameter):
        untouchable.aggregate(measure, by)
    assert untouchable._engine is None


@pytest.mark.parametrize(
    "measure, bys, within, filters",
    [
        ("cases", [("month", "issue")], {"issue": ["wages_unpaid", "overtime_unpaid"]}, Filters()),
        (
            "workers_affected",
            [("month", "issue"), ("quarter", "issue"), ("year", "issue")],
            {"issue": ["wages_unpaid", "recruitment_fees", "deception"]},
            Filters(country="TH"),
        ),
        ("cases", [("nationality", "industry")], {"nationality": ["MM", "KH"]}, Filters()),
        ("contacts", [("month", "channel")], {"channel": ["facebook"]}, Filters()),
    ],
    ids=["issue", "grains", "nationality", "contacts"],
)
def test_gt010_within_keeps_exactly_the_listed_rows_of_the_whole_breakdown(
    backend_url, measure, bys, within, filters
):
    """`within` narrows the rows, never the cells: each kept row is the whole one's."""
    kept_access, whole_access = DataAccess(backend_url), DataAccess(backend_url)
    kept = kept_access.aggregates(measure, bys, filters, within=within)
    ((name, codes),) = within.items()
    for by, result in zip(bys, kept):
        whole = whole_access.aggregate(measure, by, filters)
        at = by.index(name)
        expected = tuple(row for row in whole.rows if row[0][at] in codes)
        assert expected and result.rows == expected


def test_gt011_within_and_whole_breakdowns_are_cached_apart(small_url):
    from flask_caching.backends import SimpleCache

    access = DataAccess(small_url, cache=SimpleCache())
    top = access.aggregate("cases", ("issue",), within={"issue": ["overtime_unpaid"]})
    whole = access.aggregate("cases", ("issue",))
    assert [k for k, _p in top.rows] == [("overtime_unpaid",)]
    assert len(whole.rows) > 1
    assert access.aggregate("cases", ("issue",), within={"issue": ["overtime_unpaid"]}) == top


@pytest.mark.parametrize(
    "measure, by, within",
    [
        ("cases", ("month",), {"issue": ["overtime_unpaid"]}),  # not a breakdown asked
        ("cases", ("month", "issue"), {"issue": ["not_an_issue"]}),
        ("cases", ("month", "issue"), {"issue": []}),
        ("cases", ("month",), {"month": ["2023-01"]}),  # not a coded name
        ("cases", ("corridor",), {"corridor": ["NP-KW"]}),
        ("contacts", ("language",), {"language": ["my"]}),
    ],
)
def test_gt012_within_outside_the_allow_lists_raises_before_any_query(
    untouchable, measure, by, within
):
    with pytest.raises(InvalidParameter):
        untouchable.aggregate(measure, by, within=within)
    assert untouchable._engine is None


ALL_MEASURES = (
    "contacts",
    "cases",
    "workers_affected",
    "cases_remediated",
    "workers_remediated",
    "remediations_validated",
    "cases_raised",
    "cases_received_remediated",
)


@pytest.mark.parametrize(
    "by, filters",
    [((), Filters()), (("year",), Filters(country="TH")), (("quarter",), Filters(start="2023-02"))],
    ids=["total", "year", "quarter"],
)
def test_gt013_measures_give_what_aggregate_gives_in_fewer_queries(backend_url, by, filters):
    from sqlalchemy import event

    shared, alone = DataAccess(backend_url), DataAccess(backend_url)
    shared.version()
    statements = []
    event.listen(shared.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results = shared.measures(ALL_MEASURES, by, filters)
    for name, result in zip(ALL_MEASURES, results):
        assert result == alone.aggregate(name, by, filters), name
    # contacts; cases and workers affected; remediated cases and workers; validated
    # remediations; and one each for the two outcome measures of cases received.
    assert len(statements) == 6


def test_gt014_measures_share_the_cache_entries_of_aggregate(small_url):
    from flask_caching.backends import SimpleCache
    from sqlalchemy import event

    access = DataAccess(small_url, cache=SimpleCache())
    first = access.measures(("cases", "workers_affected"), ("year",))
    statements = []
    event.listen(access.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert access.aggregate("cases", ("year",)) == first[0]
    assert access.aggregate("workers_affected", ("year",)) == first[1]
    assert access.measures(("cases", "workers_affected"), ("year",)) == first
    assert statements == []


@pytest.mark.parametrize(
    "names, by",
    [
        (("cases", "workers"), ()),
        (("cases", "contacts"), ("issue",)),
        (("cases", "workers_affected"), ("month", "issue", "channel")),
    ],
)
def test_gt015_measures_outside_the_allow_lists_raise_before_any_query(untouchable, names, by):
    with pytest.raises(InvalidParameter):
        untouchable.measures(names, by)
    assert untouchable._engine is None


@pytest.mark.parametrize(
    "measure, by, filters, over, keys",
    [
        (
            "cases",
            ("issue",),
            Filters(),
            ("country", "industry"),
            [
                ("TH", "seafood"),
                ("MY", "electronics"),
                ("TH", "apparel_footwear"),
                ("MM", "seafood"),
            ],
        ),
        (
            "workers_affected",
            ("quarter",),
            Filters(start="2023-03", end="2024-08"),
            ("country", "industry"),
            [("TH", "seafood"), ("MY", "electronics")],
        ),
        ("cases", ("theme",), Filters(issue="wages_unpaid"), ("country",), [("TH",), ("MY",)]),
        ("cases_remediated", ("ttr",), Filters(), ("country", "industry"), [("TH", "seafood")]),
        ("cases_remediated", (), Filters(), ("country", "industry"), [("TH", "seafood")]),
        (
            "cases",
            (),
            Filters(stage="recruitment"),
            ("origin", "destination"),
            [("NP", "KW"), ("MM", "TH"), ("KH", "MY")],
        ),
        (
            "cases",
            ("nationality",),
            Filters(),
            ("country", "industry"),
            [("KW", "apparel_footwear")],
        ),
    ],
    ids=["issue", "quarter-period", "theme", "ttr", "total", "corridors", "empty"],
)
def test_gt016_each_gives_what_aggregate_gives_per_key_in_one_query(
    backend_url, measure, by, filters, over, keys
):
    from dataclasses import replace

    from sqlalchemy import event

    batched, alone = DataAccess(backend_url), DataAccess(backend_url)
    batched.version()
    statements = []
    event.listen(batched.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    results = batched.each(measure, by, filters, over, keys)
    assert len(statements) == 1
    assert list(results) == keys
    for key in keys:
        narrowed = replace(filters, **dict(zip(over, key)))
        assert results[key] == alone.aggregate(measure, by, narrowed), key


def test_gt017_each_shares_the_cache_entries_of_aggregate(small_url):
    from flask_caching.backends import SimpleCache
    from sqlalchemy import event

    access = DataAccess(small_url, cache=SimpleCache())
    single = access.aggregate("cases", ("issue",), Filters(country="TH", industry="seafood"))
    statements = []
    event.listen(access.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    keys = [("TH", "seafood"), ("MY", "electronics")]
    results = access.each("cases", ("issue",), Filters(), ("country", "industry"), keys)
    assert results[("TH", "seafood")] == single
    assert len(statements) == 1  # only the missing key was asked for
    again = access.each("cases", ("issue",), Filters(), ("country", "industry"), keys)
    assert again == results and len(statements) == 1


@pytest.mark.parametrize(
    "measure, by, filters, over, keys",
    [
        ("contacts", (), Filters(), ("nationality",), [("MM",)]),
        ("cases", ("issue",), Filters(), ("issue",), [("wages_unpaid",)]),
        ("cases", ("theme",), Filters(), ("issue",), [("wages_unpaid",)]),  # a case has several
        ("cases", (), Filters(country="TH"), ("country",), [("MY",)]),
        ("cases", (), Filters(), ("month",), [("2023-01",)]),
        ("cases", (), Filters(), ("country",), [("ZZ",)]),
        ("cases", (), Filters(), ("origin",), [("NP",)]),  # a corridor needs both ends
        ("cases", ("month", "issue", "channel"), Filters(), ("country",), [("TH",)]),
    ],
)
def test_gt018_each_outside_the_allow_lists_raises_before_any_query(
    untouchable, measure, by, filters, over, keys
):
    with pytest.raises(InvalidParameter):
        untouchable.each(measure, by, filters, over, keys)
    assert untouchable._engine is None

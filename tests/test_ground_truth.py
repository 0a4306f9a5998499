"""The query layer against ground truth computed independently from the raw tables.

Truth is read with plain SQL from `cases`, `case_issues` and `contacts` and grouped here
with pandas (no cube tables, no DataAccess internals). Every published cell must be
withheld for a stated reason or lie within the documented bound of the truth, every row
of the breakdown's code lists must be there (an empty one as withheld, never as 0), and
nothing published may be below K. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data_access.disclosure import (
    EZS_HIGH,
    FEWER_THAN_K,
    NEAR_TOTAL,
    SAME_AS_LARGER,
    Protector,
    share,
)
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
    "period": Filters(period="2023"),
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
        if filters.issue and "issue" not in by:
            with_issue = case_issues.loc[case_issues["issue"] == filters.issue, "case_id"]
            df = df[df["case_id"].isin(with_issue)]
        if "issue" in by:
            df = df.merge(case_issues, on="case_id")
            # The issue filter does not apply to an issue breakdown (it is reported as
            # ignored): every issue row of the cases of the rest of the selection.
        df["corridor"] = df["origin"] + "-" + df["destination"]
    if filters.period:
        df = df[df["month_key"].str[:4] == filters.period]
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


def too_small(protector: Protector, cell: Truth, measure: str) -> bool:
    """Rules 1 and 2: fewer than K records (a sum: fewer than K cases), or than C."""
    p = protector.params
    n = cell.contributors if SPEC[measure][1] == "sum" else cell.value
    return n < p.k or cell.contributors < p.c


@pytest.fixture(scope="module")
def cells(load_raw):
    """(label, key, published, true cell) for every cell of every query of a measure."""
    done: dict[tuple[str, str], list] = {}

    def compare(url: str, measure: str) -> list:
        if (url, measure) not in done:
            raw, access, out = load_raw(url), DataAccess(url), []
            for label, filters, by in queries(measure):
                result = access.aggregate(measure, by, filters)
                if result.refused:
                    # Refused whole as too sparse: nothing of it is published.
                    assert result.rows == () and by, label
                    continue
                published = result.as_dict()
                expected = truth(raw, measure, by, filters)
                for key in sorted(set(published) | set(expected), key=str):
                    out.append((label, key, published.get(key), expected.get(key, EMPTY)))
            done[url, measure] = out
        return done[url, measure]

    return compare


EMPTY = Truth(0, 0, 0)


def _home(label: str, key: tuple) -> bool:
    """A "corridor" from a country to itself: no migration, not on the corridor list."""
    return "corridor" in label and any(
        isinstance(part, str) and part[:2] == part[3:5] and part[2:3] == "-" for part in key
    )


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt001_published_cells_are_within_the_bound_of_the_truth(backend_url, cells, measure):
    protector = Protector()
    noise, k = protector.params.noise, protector.k
    checked = 0
    for label, key, published, cell in cells(backend_url, measure):
        if published is None or published.suppressed:
            continue
        where = (label, key, published, cell)
        assert published.value >= k, where
        if published.reason == SAME_AS_LARGER:
            # A wider selection's number: at most K-1 records more than the cell's own.
            if SPEC[measure][1] == "count":
                assert cell.value - noise <= published.value <= cell.value + k - 1 + noise, where
            continue
        assert cell.value >= k, where
        if SPEC[measure][1] == "count":
            assert abs(published.value - cell.value) <= noise or published.value == k, where
        else:
            # Each case's workers within its own factor, then the count noise.
            assert abs(published.value - cell.value) <= EZS_HIGH * cell.value + noise + 1, where
        checked += 1
    assert checked > 50


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt002_withheld_cells_say_why_truthfully(backend_url, cells, measure):
    protector = Protector()
    withheld = 0
    for label, key, published, cell in cells(backend_url, measure):
        if published is not None and published.suppressed:
            if published.reason == FEWER_THAN_K:
                assert too_small(protector, cell, measure), (label, key, cell)
            else:
                # Within K of a wider cell: a large cell withheld so that a subtraction
                # cannot read the few records that differ.
                assert published.reason == NEAR_TOTAL and not too_small(protector, cell, measure)
            withheld += 1
    if measure != "contacts":  # contacts run to thousands a month: never small
        assert withheld > 0  # the selections do reach small cells


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt003_publishable_cells_are_published_or_within_k_of_a_wider_one(
    backend_url, cells, measure
):
    """A cell of at least K records from at least C is never withheld as small."""
    protector = Protector()
    for label, key, published, cell in cells(backend_url, measure):
        if _home(label, key):
            continue
        if not too_small(protector, cell, measure):
            assert published is not None, (label, key, cell)
            assert published.reason != FEWER_THAN_K, (label, key, cell)


@pytest.mark.parametrize("measure", sorted(SPEC))
def test_gt004_every_row_is_listed_and_an_empty_one_reads_as_withheld(backend_url, cells, measure):
    for label, key, published, cell in cells(backend_url, measure):
        if _home(label, key):
            assert published is None, (label, key)  # workers in their own country
            continue
        if "corridor" in label and published is None:
            # Only the corridor list is listed: a corridor off it has fewer than K cases.
            assert cell.contributors < Protector().k, (label, key, cell)
            continue
        assert published is not None, ("missing", label, key, cell)
        if cell.contributors == 0:
            assert published.suppressed and published.reason == FEWER_THAN_K, (label, key)


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
        {"period": "2023-13"},
        {"period": "2023; drop table cases"},
        {"period": "٢٠٢٣"},
        {"country": "TH", "nationality": "MM", "industry": "seafood"},
        {"country": "TH", "origin": "NP", "destination": "KW"},
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
        (
            "cases",
            [("quarter", "issue")],
            {"issue": ["wages_unpaid", "overtime_unpaid"]},
            Filters(),
        ),
        (
            "workers_affected",
            [("quarter", "issue"), ("year", "issue")],
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
    """`within` narrows the rows, never the cells: each kept row is the whole one's.

    (A kept set of rows is weighed for sparsity against its own rows' totals, so it may
    be published where the whole table is refused: the cells are the same either way.)
    """
    kept_access, whole_access = DataAccess(backend_url), DataAccess(backend_url)
    kept = kept_access.aggregates(measure, bys, filters, within=within)
    ((name, codes),) = within.items()
    for by, result in zip(bys, kept):
        whole = whole_access.aggregate(measure, by, filters)
        assert not whole.refused
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
    [((), Filters()), (("year",), Filters(country="TH")), (("quarter",), Filters(period="2023"))],
    ids=["total", "year", "quarter"],
)
def test_gt013_measures_give_what_aggregate_gives_in_fewer_queries(backend_url, by, filters):
    from sqlalchemy import event

    shared, alone = DataAccess(backend_url), DataAccess(backend_url)
    shared.frame()
    alone.frame()
    together, apart = [], []
    event.listen(shared._db, "before_cursor_execute", lambda *a: together.append(a[2]))
    event.listen(alone._db, "before_cursor_execute", lambda *a: apart.append(a[2]))
    results = shared.measures(ALL_MEASURES, by, filters)
    for name, result in zip(ALL_MEASURES, results):
        assert result == alone.aggregate(name, by, filters), name
    # Cells of the same shape are read together: fewer queries than one measure at a time.
    assert len(together) < len(apart)


def test_gt014_measures_share_the_cache_entries_of_aggregate(small_url):
    from flask_caching.backends import SimpleCache
    from sqlalchemy import event

    access = DataAccess(small_url, cache=SimpleCache())
    first = access.measures(("cases", "workers_affected"), ("year",))
    statements = []
    event.listen(access._db, "before_cursor_execute", lambda *a: statements.append(a[2]))
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
            Filters(period="2024"),
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

    batched, one, alone = (DataAccess(backend_url) for _ in range(3))
    batched.frame()
    one.frame()
    statements, single = [], []
    event.listen(batched._db, "before_cursor_execute", lambda *a: statements.append(a[2]))
    event.listen(one._db, "before_cursor_execute", lambda *a: single.append(a[2]))
    results = batched.each(measure, by, filters, over, keys)
    # Against two keys when there are more: with a single key every condition takes one
    # value, so the shapes of a cube may share one statement (data_access.cells._together),
    # a saving batching has nothing to do with; from two keys on the statements are the
    # same for any number of keys.
    one.each(measure, by, filters, over, keys[:2] if len(keys) > 2 else keys[:1])
    # The number of queries does not grow with the number of keys.
    assert len(statements) <= len(single) + 1
    assert list(results) == keys
    for key in keys:
        narrowed = replace(filters, **dict(zip(over, key)))
        assert results[key] == alone.aggregate(measure, by, narrowed), key


def test_gt017_each_shares_the_cache_entries_of_aggregate(small_url):
    from flask_caching.backends import SimpleCache
    from sqlalchemy import event

    access = DataAccess(small_url, cache=SimpleCache())
    single = access.aggregate("cases", ("issue",), Filters(country="TH", industry="seafood"))
    keys = [("TH", "seafood"), ("MY", "electronics")]
    results = access.each("cases", ("issue",), Filters(), ("country", "industry"), keys)
    assert results[("TH", "seafood")] == single
    statements = []
    event.listen(access._db, "before_cursor_execute", lambda *a: statements.append(a[2]))
    again = access.each("cases", ("issue",), Filters(), ("country", "industry"), keys)
    assert again == results and statements == []


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

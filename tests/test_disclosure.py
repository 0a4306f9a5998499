"""Properties of disclosure control: the Protector alone, then every cell the query layer
publishes from the small demo database.

Nothing published may be in 1..K-1, the same records always give the same value by any
route, and a pair of overlapping selections that differ by a small group must not pin
down the size of that group (the differencing attack, shared/notes/disclosure-control.md).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from data_access.disclosure import (
    KEY_SPACE,
    DisclosureParams,
    Protector,
    Published,
    perturbation_table,
    share,
)
from data_access.filters import Filters
from data_access.query import CASE_DIMS, CONTACT_DIMS, DERIVED, MEASURES, DataAccess

FAST = settings(max_examples=200, deadline=None)
DB = settings(max_examples=60, deadline=None)


@st.composite
def params(draw) -> DisclosureParams:
    k = draw(st.integers(1, 30))
    return DisclosureParams(
        k=k,
        c=draw(st.integers(1, k)),
        noise=draw(st.integers(0, 10)),
        sum_noise=draw(st.floats(0, 0.49)),
        dominance=draw(st.floats(0.01, 1.0)),
        top_noise=draw(st.floats(0, 0.5)),
    )


counts = st.integers(0, 100_000)
keys = st.integers(0, 10**9)


def in_gap(published: Published, k: int) -> bool:
    """A published value that would reveal a small group: 1..K-1."""
    return published.value is not None and 0 < published.value < k


# -- the Protector alone -----------------------------------------------------------
@FAST
@given(p=params(), n=counts, key=keys, contributors=st.none() | st.integers(0, 100_000))
def test_dc001_count_never_in_small_range(p, n, key, contributors):
    contributors = None if contributors is None else min(contributors, n)
    published = Protector(p).count(n, key, contributors)
    assert not in_gap(published, p.k)
    assert published.suppressed or published.value == 0 or published.value >= p.k


@FAST
@given(p=params(), n=st.integers(1, 100_000), key=keys, data=st.data())
def test_dc002_count_with_too_few_contributors_is_suppressed(p, n, key, data):
    contributors = data.draw(st.integers(0, p.c - 1), label="contributors")
    assert Protector(p).count(n, key, contributors).suppressed
    # However large the count: a single case of 2,000 workers is one contributor.
    assert Protector(p).count(n + 10_000, key, contributors).suppressed


@FAST
@given(p=params(), n=st.integers(-5, 0), key=keys)
def test_dc003_empty_cell_is_published_as_zero(p, n, key):
    protector = Protector(p)
    assert protector.count(n, key) == Published(0)
    assert protector.total(n, n, key, 0) == Published(0)
    assert protector.total(0, 5, key, 0) == Published(0)


@FAST
@given(p=params(), n=counts, key=keys, workers=counts)
def test_dc004_same_inputs_give_same_output(p, n, key, workers):
    first, second = Protector(p), Protector(p)
    assert first.count(n, key) == first.count(n, key) == second.count(n, key)
    # Only the key modulo the key space matters: the cell key of the same records.
    assert first.count(n, key) == second.count(n, key % KEY_SPACE)
    largest = workers // 3
    assert first.total(workers, n, key, largest) == second.total(workers, n, key, largest)


@FAST
@given(p=params(), n=counts, key=keys)
def test_dc005_count_error_is_bounded_by_noise(p, n, key):
    published = Protector(p).count(n, key)
    if n < p.k:
        assert published.value in (None, 0)
        return
    table = perturbation_table(p.noise)
    assert published.value == max(n + table[key % KEY_SPACE], p.k)
    assert abs(published.value - n) <= p.noise


@settings(max_examples=60, deadline=None)
@given(noise=st.integers(0, 40), salt=st.integers(0, 5))
def test_dc006_perturbation_table_is_mean_zero_symmetric_bounded(noise, salt):
    table = perturbation_table(noise, salt)
    assert len(table) == KEY_SPACE == 256
    assert sum(table) == 0
    assert all(-noise <= v <= noise and isinstance(v, int) for v in table)
    tally = Counter(table)
    assert all(tally[d] == tally[-d] for d in range(1, noise + 1))
    assert tally[0] >= max(tally.values())  # more small noise than large
    assert perturbation_table(noise, salt) == table  # fixed by its arguments


@FAST
@given(p=params(), data=st.data(), key=keys)
def test_dc007_sum_dominated_by_one_case_is_suppressed(p, data, key):
    total = data.draw(st.integers(max(p.k, 1), 1_000_000))
    largest = data.draw(st.integers(0, total))
    n_cases = data.draw(st.integers(max(p.c, 2), 10_000))
    published = Protector(p).total(total, n_cases, key, largest)
    if largest > p.dominance * total:
        assert published.suppressed
    else:
        assert not published.suppressed


@FAST
@given(p=params(), total=st.integers(1, 1_000_000), key=keys, data=st.data())
def test_dc008_sum_with_too_few_cases_or_below_k_is_suppressed(p, total, key, data):
    protector = Protector(p)
    if p.c > 1:
        few = data.draw(st.integers(1, p.c - 1))
        assert protector.total(total, few, key, 0).suppressed
    if total < p.k:
        assert protector.total(total, max(p.c, 1), key, 0).suppressed


@FAST
@given(
    p=params(),
    total=st.integers(1, 5_000_000),
    n_cases=st.integers(1, 10_000),
    key=keys,
    share_largest=st.floats(0, 1),
)
def test_dc009_sum_error_is_within_max_sum_error(p, total, n_cases, key, share_largest):
    protector = Protector(p)
    largest = int(total * share_largest)
    published = protector.total(total, n_cases, key, largest)
    assert not in_gap(published, p.k)
    if published.suppressed:
        assert n_cases < p.c or total < p.k or largest > p.dominance * total
        return
    assert published.value >= p.k
    assert abs(published.value - total) <= protector.max_sum_error(total, largest)


@FAST
@given(num=st.none() | st.integers(0, 10_000), den=st.none() | st.integers(0, 10_000))
def test_dc010_share_is_none_when_a_part_is_suppressed(num, den):
    result = share(Published(num), Published(den))
    if num is None or den is None or den == 0:
        assert result is None
    else:
        assert result == min(1.0, num / den)
        assert 0 <= result <= 1


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": 0},
        {"k": -3},
        {"c": 0},
        {"noise": -1},
        {"k": 5, "c": 6},
        {"sum_noise": -0.01},
        {"sum_noise": 0.5},
        {"sum_noise": 2.0},
        {"dominance": 0},
        {"dominance": -0.5},
        {"dominance": 1.01},
    ],
    ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()),
)
def test_dc011_params_reject_bad_values(kwargs):
    with pytest.raises(ValueError):
        DisclosureParams(**kwargs)


@FAST
@given(p=params())
def test_dc012_params_accept_every_valid_combination(p):
    assert 1 <= p.c <= p.k and p.noise >= 0
    assert Protector(p).params == p


# -- every published cell of the small demo ----------------------------------------
@pytest.fixture(scope="module")
def raw(small_url):
    """The raw tables, read with plain SQL (not through DataAccess)."""
    engine = create_engine(small_url)
    with engine.connect() as conn:
        cases = pd.read_sql(text("select * from cases"), conn)
        issues = pd.read_sql(text("select case_id, issue from case_issues"), conn)
    engine.dispose()
    return cases, issues


@pytest.fixture(scope="module")
def present(raw) -> dict[str, list]:
    """Filter values present in the data."""
    cases, issues = raw
    values = {
        name: sorted(cases[name].dropna().unique())
        for name in ("nationality", "industry", "channel", "stage")
    }
    values["country"] = sorted(cases["destination"].unique())
    values["issue"] = sorted(issues["issue"].unique())
    values["corridor"] = sorted(set(zip(cases["origin"], cases["destination"])))
    values["month"] = sorted(cases["month_received"].unique())
    return values


FILTER_NAMES = ("nationality", "country", "industry", "channel", "issue", "stage", "corridor")


def draw_filters(data, present, exclude=()) -> Filters:
    """Up to three filters (most data-present combinations are then non-empty)."""
    allowed = [n for n in (*FILTER_NAMES, "period") if n not in exclude]
    names = data.draw(st.lists(st.sampled_from(allowed), max_size=3, unique=True), label="on")
    kwargs = {}
    for name in names:
        if name == "period":
            pair = st.lists(st.sampled_from(present["month"]), min_size=2, max_size=2)
            a, b = data.draw(pair, label="period")
            kwargs.update(start=min(a, b), end=max(a, b))
        elif name == "corridor":
            origin, destination = data.draw(st.sampled_from(present[name]), label=name)
            kwargs.update(origin=origin, destination=destination)
        else:
            kwargs[name] = data.draw(st.sampled_from(present[name]), label=name)
    return Filters(**kwargs)


def draw_by(data, measure: str) -> tuple[str, ...]:
    if MEASURES[measure].source == "contacts":
        names = [*CONTACT_DIMS, "quarter", "year"]
    else:
        names = [*CASE_DIMS, *DERIVED]
    return tuple(data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True)))


@DB
@given(data=st.data())
def test_dc020_no_published_cell_is_in_small_range(small_url, present, data):
    access = DataAccess(small_url)
    measure = data.draw(st.sampled_from(sorted(MEASURES)))
    by = draw_by(data, measure)
    result = access.aggregate(measure, by, draw_filters(data, present))
    assert result.rows or by  # a query without breakdown always has its one cell
    k = access.params.k
    event("some cell published" if any(v.value for _, v in result.rows) else "none published")
    for keys_, published in result.rows:
        assert not in_gap(published, k), (keys_, published)
        assert published.suppressed or published.value == 0 or published.value >= k


@DB
@given(data=st.data())
def test_dc021_same_query_gives_same_result_again_and_elsewhere(small_url, present, data):
    measure = data.draw(st.sampled_from(sorted(MEASURES)))
    by = draw_by(data, measure)
    filters = draw_filters(data, present)
    access = DataAccess(small_url)
    first = access.aggregate(measure, by, filters)
    assert access.aggregate(measure, by, filters) == first
    assert DataAccess(small_url).aggregate(measure, by, filters) == first


ROUTE_DIMS = ("nationality", "country", "industry", "channel", "stage", "issue", "corridor")


@DB
@given(data=st.data())
def test_dc022_cell_reached_by_filter_or_breakdown_is_the_same(small_url, present, data):
    """Total for dim=X (optionally by a second dimension) equals the X row of a breakdown."""
    access = DataAccess(small_url)
    measure = data.draw(st.sampled_from([m for m in MEASURES if m != "contacts"]))
    dim = data.draw(st.sampled_from(ROUTE_DIMS))
    base = draw_filters(data, present, exclude=(dim,))
    second = data.draw(st.none() | st.sampled_from(["month", "quarter", "issue", "stage"]))
    second = None if second == dim else second
    by = (dim,) if second is None else (dim, second)
    broken_down = access.aggregate(measure, by, base).as_dict()
    value = data.draw(st.sampled_from(present[dim]))
    if dim == "corridor":
        narrowed = replace(base, origin=value[0], destination=value[1])
        value = f"{value[0]}-{value[1]}"
    else:
        narrowed = replace(base, **{dim: value})
    if second is None:
        direct = {(value,): access.total(measure, narrowed)}
    else:
        direct = {(value, *k): v for k, v in access.aggregate(measure, (second,), narrowed).rows}
    expected = {k: v for k, v in broken_down.items() if k[0] == value}
    if second is None:
        expected.setdefault((value,), Published(0))
    event("published" if any(v.value for v in direct.values()) else "zero or suppressed")
    assert direct == expected


@DB
@given(data=st.data())
def test_dc023_quarter_and_year_rows_equal_the_period_total(small_url, present, data):
    """By quarter (months folded) equals the total filtered to that quarter's months."""
    access = DataAccess(small_url)
    measure = data.draw(st.sampled_from(sorted(MEASURES)))
    base = draw_filters(data, present, exclude=("period",))
    period = data.draw(st.sampled_from(["quarter", "year"]))
    rows = access.aggregate(measure, (period,), base).rows
    if not rows:
        return
    (label,), published = data.draw(st.sampled_from(rows))
    if period == "quarter":
        year, q = label.split("-Q")
        first = 3 * (int(q) - 1) + 1
        start, end = f"{year}-{first:02d}", f"{year}-{first + 2:02d}"
    else:
        start, end = f"{label}-01", f"{label}-12"
    narrowed = replace(base, start=start, end=end)
    event("published" if published.value else "zero or suppressed")
    assert access.total(measure, narrowed) == published


# -- the differencing attack -------------------------------------------------------
def consistent_true_counts(published: int, k: int, support: set[int]) -> set[int]:
    """True counts n >= K that some public noise value maps to `published`."""
    top = max(support)
    return {
        n
        for n in range(max(k, published - top), published + top + 1)
        if any(max(n + d, k) == published for d in support)
    }


def test_dc024_differencing_overlapping_selections_does_not_pin_down_small_group(small_url, raw):
    """A ⊃ B with 1 <= |A - B| < K, both published: the difference stays uncertain."""
    cases, issues = raw
    access = DataAccess(small_url)
    k = access.params.k
    support = set(perturbation_table(access.params.noise))
    ids = cases["case_id"].to_numpy()
    months = cases["month_received"].to_numpy()
    # Boolean masks per filter value, computed straight from the raw rows.
    masks: dict[tuple[str, object], np.ndarray] = {}
    for name, column in (
        ("nationality", "nationality"),
        ("country", "destination"),
        ("industry", "industry"),
        ("channel", "channel"),
        ("stage", "stage"),
    ):
        for value in cases[column].dropna().unique():
            masks[(name, value)] = (cases[column] == value).to_numpy()
    for value, group in issues.groupby("issue"):
        masks[("issue", value)] = np.isin(ids, group["case_id"].to_numpy())
    for origin, destination in set(zip(cases["origin"], cases["destination"])):
        masks[("corridor", (origin, destination))] = (
            (cases["origin"] == origin) & (cases["destination"] == destination)
        ).to_numpy()
    for year in sorted({m[:4] for m in months}):
        masks[("period", year)] = np.char.startswith(months.astype(str), year)

    def to_filters(parts) -> Filters:
        kwargs = {}
        for name, value in parts:
            if name == "corridor":
                kwargs.update(origin=value[0], destination=value[1])
            elif name == "period":
                kwargs.update(start=f"{value}-01", end=f"{value}-12")
            else:
                kwargs[name] = value
        return Filters(**kwargs)

    names = list(masks)
    matrix = np.array([masks[name] for name in names], dtype=np.int32)
    bases = [()] + [(a,) for a in names]
    bases += [(a, b) for a, b in itertools.combinations(names, 2) if a[0] != b[0]]
    pairs = []
    for base in bases:
        base_mask = np.ones(len(cases), dtype=bool)
        for name in base:
            base_mask &= masks[name]
        true_a = int(base_mask.sum())
        if true_a < k:
            continue
        narrowed_counts = matrix @ base_mask.astype(np.int32)
        for extra, true_b in zip(names, narrowed_counts.tolist(), strict=True):
            new_dimension = all(extra[0] != name[0] for name in base)
            if new_dimension and true_b >= k and 1 <= true_a - true_b <= k - 1:
                pairs.append((base, base + (extra,), true_a, true_b))
    seen, examined, exact = set(), 0, 0
    for base, narrowed, true_a, true_b in pairs:
        key = (frozenset(base), frozenset(narrowed))
        if key in seen:
            continue
        seen.add(key)
        published_a = access.total("cases", to_filters(base))
        published_b = access.total("cases", to_filters(narrowed))
        if published_a.suppressed or published_b.suppressed:
            continue
        examined += 1
        true_diff = true_a - true_b
        possible = {
            a - b
            for a, b in itertools.product(
                consistent_true_counts(published_a.value, k, support),
                consistent_true_counts(published_b.value, k, support),
            )
            if a >= b
        }
        assert true_diff in possible, (base, narrowed)
        assert len(possible) > 1, (base, narrowed, published_a, published_b)
        exact += published_a.value - published_b.value == true_diff
    assert examined >= 20
    assert exact / examined < 0.6, (exact, examined)


@FAST
@given(p=params(), total=st.integers(1, 5_000_000), key=keys, share_largest=st.floats(0, 1))
def test_dc030_sum_noise_scales_with_the_largest_case(p, total, key, share_largest):
    """A large case withheld from one cell cannot be read back from a total to within
    top_noise of its size: the total's noise scale covers that share of its largest case."""
    protector = Protector(p)
    largest = int(total * share_largest)
    assert protector.max_sum_error(total, largest) >= int(p.top_noise * largest)
    assert protector.max_sum_error(total, largest) >= protector.max_sum_error(total)


def test_dc031_a_sum_with_one_large_case_gets_noise_of_its_scale():
    protector = Protector(DisclosureParams(top_noise=0.1))
    # 2,000 workers in one case among 10,000: 1 % of the sum (100) is less than a tenth
    # of the case (200); over all cell keys the noise reaches the larger scale.
    errors = {abs(protector.total(10_000, 50, key, 2_000).value - 10_000) for key in range(256)}
    assert max(errors) == 200

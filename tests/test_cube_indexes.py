"""The cubes' indexes as the query layer uses them.

A nationality in an industry over every month (the supply-chain trend, and the cells
rule 3 weighs it against) reads the level-2 monthly cubes; every such read must be
answered from an index alone, without fetching table rows, and a read with one
nationality or one industry must visit only that value's entries.
"""

from __future__ import annotations

from sqlalchemy import event

from data_access import cells, schema
from data_access.filters import Filters
from data_access.query import DataAccess

COVERED = ("cube_received_2", "cube_received_issue_2", "cube_received_theme_2")


def _statements(url: str, asks) -> list[tuple[str, tuple]]:
    data = DataAccess(url)
    seen: list[tuple[str, tuple]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, tuple(parameters)))

    engine = data._db
    event.listen(engine, "before_cursor_execute", record)
    try:
        for measure, by, filters in asks:
            data.aggregate(measure, by, filters)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    with engine.connect() as conn:
        plans = [
            (statement, conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all())
            for statement, params in seen
        ]
    data.close()
    return plans


FINE = Filters(nationality="MM", industry="seafood", stage="employment")
ASKS = [
    ("cases", ("month", "issue"), FINE),
    ("cases", ("month", "theme"), FINE),
    ("cases", ("month",), Filters(nationality="MM", industry="seafood")),
]


def test_ci001_month_reads_of_a_nationality_in_an_industry_never_visit_the_table(small_url):
    plans = _statements(small_url, ASKS)
    read = {cube: [] for cube in COVERED}
    for statement, plan in plans:
        for cube in COVERED:
            if f"FROM {cube} " in statement + " ":
                read[cube].append(" / ".join(str(step[-1]) for step in plan))
    for cube, steps in read.items():
        assert steps, f"no read of {cube}: the asks no longer reach it"
        for step in steps:
            assert f"USING COVERING INDEX ix_{cube}_" in step, step
            assert step.split("USING COVERING INDEX ")[1].split(" ")[0].endswith("_cover")


def test_ci003_a_month_read_of_one_nationality_or_industry_is_led_by_that_value(small_url):
    led = 0
    for statement, plan in _statements(small_url, ASKS):
        cube = next((c for c in schema.NARROWED_MONTHLY if f"FROM {c} " in statement), None)
        if cube is None or "GROUP BY month" not in statement:
            continue
        narrowed = [d for d in schema.NARROWED_MONTHLY[cube] if f"{d} IN (?)" in statement]
        if not narrowed:
            continue
        used = " / ".join(str(step[-1]) for step in plan)
        assert " OR " not in statement, statement  # read alone, not merged
        assert any(f"INDEX ix_{cube}_{d}_cover ({d}=?" in used for d in narrowed), used
        led += 1
    assert led >= 6, "the asks no longer make narrowed month reads"


def test_ci004_consecutive_months_are_read_as_one_range(small_url):
    statements = [s for s, _plan in _statements(small_url, ASKS) if "GROUP BY month" in s]
    assert statements and all("month BETWEEN" in s for s in statements)


def _read(months, time_name="month", year_of_month=False):
    return cells._Read(
        "cube_received_issue_2",
        time_name,
        year_of_month,
        (),
        (),
        (),
        tuple(months),
        "month",
        (),
        (),
        frozenset(),
    )


def test_ci005_only_a_run_of_three_or_more_consecutive_months_is_a_range():
    run = ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert cells._span(_read(run), run) == ("2023-11", "2024-02")
    gap = ["2023-11", "2024-01", "2024-02"]
    assert cells._span(_read(gap), gap) is None
    assert cells._span(_read(run[:2]), run[:2]) is None
    assert cells._span(_read(run, year_of_month=True), run) is None
    years = ["2022", "2023", "2024"]
    assert cells._span(_read(years, time_name="year"), years) is None


def test_ci002_only_the_trend_cubes_carry_a_covering_index():
    covering = sorted(
        name
        for name, table in schema.cube_tables.items()
        if any(index.name.endswith("_cover") for index in table.indexes)
    )
    assert covering == sorted(COVERED)

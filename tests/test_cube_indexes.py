"""The cubes' indexes as the query layer uses them.

A nationality in an industry over every month (the supply-chain trend, and the cells
rule 3 weighs it against) reads the level-2 monthly cubes; every such read must be
answered from an index alone, without fetching table rows.
"""

from __future__ import annotations

from sqlalchemy import event

from data_access import schema
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


def test_ci001_month_reads_of_a_nationality_in_an_industry_never_visit_the_table(small_url):
    fine = Filters(nationality="MM", industry="seafood", stage="employment")
    plans = _statements(
        small_url,
        [
            ("cases", ("month", "issue"), fine),
            ("cases", ("month", "theme"), fine),
            ("cases", ("month",), Filters(nationality="MM", industry="seafood")),
        ],
    )
    read = {cube: [] for cube in COVERED}
    for statement, plan in plans:
        for cube in COVERED:
            if f"FROM {cube} " in statement + " ":
                read[cube].append(" / ".join(str(step[-1]) for step in plan))
    for cube, steps in read.items():
        assert steps, f"no read of {cube}: the asks no longer reach it"
        for step in steps:
            assert f"USING COVERING INDEX ix_{cube}_cover" in step, step


def test_ci002_only_the_trend_cubes_carry_a_covering_index():
    covering = sorted(
        name
        for name, table in schema.cube_tables.items()
        if any(index.name.endswith("_cover") for index in table.indexes)
    )
    assert covering == sorted(COVERED)

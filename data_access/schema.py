"""Database tables: the extract as loaded, the pre-aggregated cells, and data versions.

Raw tables mirror the contract (data_access.contract) plus a `record_key` per case,
contacts row and worksite, derived from the row's natural id with the deployment's secret
(data_access.keys), so the same extract gets the same keys on any database: the
cell-key method of disclosure control needs it (docs/methodology.md).

The `cube_*` tables hold exact counts, sums, maxima and record-key sums per fine cell.
All of them are additive, so any union of cells (any filter, any breakdown) gets the
same numbers and the same cell key as a scan of the case rows would, in far fewer rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
)

metadata = MetaData()


def _s(name: str, nullable: bool = False, length: int = 40) -> Column:
    return Column(name, String(length), nullable=nullable)


worksites = Table(
    "worksites",
    metadata,
    Column("worksite_id", String(40), primary_key=True),
    _s("country", length=2),
    _s("industry"),
    _s("tier", length=2),
    Column("record_key", BigInteger, nullable=False),
)

audits = Table(
    "audits",
    metadata,
    Column("audit_id", String(40), primary_key=True),
    _s("worksite_id"),
    _s("month", length=7),
    _s("audit_type"),
    Index("ix_audits_worksite", "worksite_id"),
)

audit_findings = Table(
    "audit_findings",
    metadata,
    Column("audit_id", String(40), primary_key=True),
    Column("issue", String(40), primary_key=True),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    _s("month_received", length=7),
    _s("channel"),
    _s("language", length=8),
    _s("stage"),
    _s("nationality", length=2),
    _s("sex"),
    _s("origin", length=2),
    _s("destination", length=2),
    _s("worksite_id", nullable=True),
    _s("industry", nullable=True),
    Column("workers_affected", Integer, nullable=False),
    _s("status"),
    _s("month_resolved", nullable=True, length=7),
    Column("workers_remediated", Integer, nullable=False),
    _s("validated"),
    _s("route", nullable=True),
    Column("record_key", BigInteger, nullable=False),
    Index("ix_cases_worksite", "worksite_id"),
    # An update (load.update_extract) refills only the cube cells of the months its cases
    # were and are in; these find those months' cases without reading the others.
    Index("ix_cases_month_received", "month_received"),
    Index("ix_cases_month_resolved", "month_resolved"),
)

case_issues = Table(
    "case_issues",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("issue", String(40), primary_key=True),
)

contacts = Table(
    "contacts",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("channel", String(40), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("nationality", String(2), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("record_key", BigInteger, nullable=False),
)

data_versions = Table(
    "data_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("as_of", String(7), nullable=False),
    Column("loaded_at", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("checksum", String(64), nullable=False),
    Column("cases", BigInteger, nullable=False),
    Column("contacts", BigInteger, nullable=False),
)


@dataclass(frozen=True)
class CubeSpec:
    """A pre-aggregated table: which case rows, grouped by which columns.

    Each source (cases received, cases remediated; with or without the issue column)
    has a lattice of cubes from coarse to fine. A query reads the smallest cube whose
    columns cover its filters and breakdown; coarser cubes are rolled up from the
    finest one, which is built from the case rows, and every cube has a yearly twin.
    """

    name: str
    source: str  # "received" or "remediated"
    dims: tuple[str, ...]  # besides `month` (and `issue` when with_issue)
    with_issue: bool
    parent: str | None  # the cube it is rolled up from; None: built from the case rows
    # What `with_issue` adds per case: an issue category, or an issue theme (a case is
    # counted once per theme, however many of the theme's categories it reports).
    item: str = "issue"
    # "month", or "year": the same cells summed over the months of each year, for the
    # many questions that need no finer time (no month breakdown, whole years only); or
    # "all": summed over every month loaded, for questions about all years.
    grain: str = "month"

    @property
    def needs_worksite(self) -> bool:
        """Whether the cube carries columns of the case's worksite (its tier)."""
        return "tier" in self.dims

    @property
    def month_column(self) -> str:
        return "month_received" if self.source == "received" else "month_resolved"

    @property
    def value_column(self) -> str:
        return "workers_affected" if self.source == "received" else "workers_remediated"

    @property
    def time_column(self) -> str | None:
        return None if self.grain == "all" else self.grain

    @property
    def columns(self) -> tuple[str, ...]:
        time = (self.time_column,) if self.time_column else ()
        return (*time, *self.dims, *((self.item,) if self.with_issue else ()))

    @property
    def covers(self) -> frozenset[str]:
        """The columns a query can ask of this cube: a month grain also answers years."""
        extra = {"year"} if self.grain == "month" else set()
        return frozenset(self.columns) | extra


_DIMS = ("stage", "destination", "origin", "nationality", "industry", "channel")
# Coarse to fine; the last level is every dimension.
_LEVELS = (
    (),
    ("stage", "destination", "origin"),
    ("stage", "destination", "industry", "nationality"),
    _DIMS,
)


def _lattice() -> dict[str, CubeSpec]:
    cubes: dict[str, CubeSpec] = {}
    for source, extra in (("received", ()), ("remediated", ("validated",))):
        for with_issue in (False, True):
            family = f"cube_{source}" + ("_issue" if with_issue else "")
            finest = f"{family}_{len(_LEVELS) - 1}"
            for level, dims in enumerate(_LEVELS):
                name = f"{family}_{level}"
                parent = None if name == finest else finest
                cubes[name] = CubeSpec(name, source, dims + extra, with_issue, parent)
    return cubes


# Worksite views: cases received by supply-chain tier (from the case's worksite), and
# by issue theme. They come after the families above, so a query that needs neither a
# tier nor a theme is still answered by the smaller cubes.
_WORKSITE_LEVELS = (
    ("stage", "destination", "industry", "nationality", "tier"),
    (*_DIMS, "tier"),
)
_THEME_LEVELS = ((), ("stage", "destination", "origin"), *_WORKSITE_LEVELS)


# Case outcomes, remediation routes, time to remediation and issue themes
# (data_access.outcomes). Added after the lattice above, so a query that needs none of
# their columns keeps reading the same, smaller cubes.
TTR_CAP = 24  # months to remediation: the last bucket holds this many or more (outcomes)
_OUTCOME_LEVELS = ((), ("stage", "destination", "origin"), _DIMS)


def _outcome_lattice() -> dict[str, CubeSpec]:
    cubes: dict[str, CubeSpec] = {}
    # Both sources carry every outcome column, so any breakdown of any case measure has a
    # cube (for cases received, route and ttr are empty until the case is remediated).
    extra = ("status", "validated", "route", "ttr")
    for source in ("received", "remediated"):
        for variant in ("", "_issue", "_theme"):
            family = f"cube_outcome_{source}{variant}"
            finest = f"{family}_{len(_OUTCOME_LEVELS) - 1}"
            for level, dims in enumerate(_OUTCOME_LEVELS):
                name = f"{family}_{level}"
                parent = None if name == finest else finest
                item = "theme" if variant == "_theme" else "issue"
                cubes[name] = CubeSpec(name, source, dims + extra, variant != "", parent, item)
    return cubes


# Narrow outcome cubes: each carries only the outcome columns one kind of question needs
# (the funnel and remediation rates: status and validation; time to remediation; routes),
# at the levels of the first lattice. A wide outcome cube holds a row per combination of
# all four columns, about ten times as many rows as one of these. They come before the
# wide families, so a query that needs only their columns reads them; they are rolled up
# from the finest wide cube of the same source and variant (their own finest first).
_NARROW_OUTCOMES = (
    ("received", "status", ("status", "validated")),
    ("remediated", "ttr", ("ttr",)),
    ("remediated", "route", ("route",)),
)


def _narrow_outcome_lattice() -> dict[str, CubeSpec]:
    cubes: dict[str, CubeSpec] = {}
    for source, label, extra in _NARROW_OUTCOMES:
        for variant in ("", "_issue", "_theme"):
            family = f"cube_outcome_{source}_{label}{variant}"
            finest = f"{family}_{len(_LEVELS) - 1}"
            wide = f"cube_outcome_{source}{variant}_{len(_OUTCOME_LEVELS) - 1}"
            item = "theme" if variant == "_theme" else "issue"
            for level, dims in enumerate(_LEVELS):
                name = f"{family}_{level}"
                parent = wide if name == finest else finest
                cubes[name] = CubeSpec(name, source, dims + extra, variant != "", parent, item)
    return cubes


def _worksite_lattice() -> dict[str, CubeSpec]:
    cubes: dict[str, CubeSpec] = {}
    families = (
        ("cube_received_tier", False, "issue", _WORKSITE_LEVELS),
        ("cube_received_tier_issue", True, "issue", _WORKSITE_LEVELS),
        ("cube_received_theme", True, "theme", _THEME_LEVELS),
    )
    for family, with_issue, item, levels in families:
        finest = f"{family}_{len(levels) - 1}"
        for level, dims in enumerate(levels):
            name = f"{family}_{level}"
            parent = None if name == finest else finest
            cubes[name] = CubeSpec(name, "received", dims, with_issue, parent, item)
    return cubes


_MONTHLY: dict[str, CubeSpec] = {
    **_lattice(),
    **_worksite_lattice(),
    **_narrow_outcome_lattice(),
    **_outcome_lattice(),
}


def _yearly(spec: CubeSpec) -> CubeSpec:
    """The cube's twin by year, rolled up from it (about a tenth of its rows)."""
    name = f"{spec.name}_yearly"
    return CubeSpec(name, spec.source, spec.dims, spec.with_issue, spec.name, spec.item, "year")


def _all_years(spec: CubeSpec) -> CubeSpec:
    """The yearly twin summed over the years (a quarter to a seventh of its rows at a
    million cases): a question about all years scans it instead of every year's rows."""
    name = spec.name.removesuffix("_yearly") + "_all"
    return CubeSpec(name, spec.source, spec.dims, spec.with_issue, spec.name, spec.item, "all")


# Every all-years twin comes first, then every yearly twin: a query that needs no time
# reads an all-years cube, and one that needs no month a yearly cube, with the same
# columns as the monthly cube it would otherwise read. The wide outcome cubes have
# none: the narrow ones answer every view, and their twins would be about a quarter of
# the database.
_WIDE = set(_outcome_lattice())
_YEARLY: dict[str, CubeSpec] = {
    f"{name}_yearly": _yearly(spec) for name, spec in _MONTHLY.items() if name not in _WIDE
}
CUBES: dict[str, CubeSpec] = {
    **{(twin := _all_years(spec)).name: twin for spec in _YEARLY.values()},
    **_YEARLY,
    **_MONTHLY,
}


class NoCube(ValueError):
    """No cube of the release holds these columns together: the combination is not part
    of the publication (the query layer answers it as a refused parameter, not a fault)."""


def covering_cube(source: str, with_issue: bool, needed: set[str], item: str = "issue") -> CubeSpec:
    """The smallest cube of a family that has every column in `needed`.

    `needed` names "month" when the query needs months (a month or quarter breakdown, a
    period that does not start and end on whole years), "year" when whole years do.
    """
    for spec in CUBES.values():
        family = spec.source == source and spec.with_issue == with_issue
        if family and (not with_issue or spec.item == item) and needed <= spec.covers:
            return spec
    raise NoCube(f"no cube has the columns {sorted(needed)}")


def build_order() -> list[CubeSpec]:
    """Every cube after the cube it is rolled up from (roots, built from the cases, first)."""

    def depth(spec: CubeSpec) -> int:
        return 0 if spec.parent is None else 1 + depth(CUBES[spec.parent])

    return sorted(CUBES.values(), key=depth)


def _cube_table(spec: CubeSpec) -> Table:
    columns = [Column(spec.time_column, String(7), nullable=False)] if spec.time_column else []
    columns += [Column(d, String(40), nullable=True) for d in spec.dims]
    if spec.with_issue:
        columns.append(Column(spec.item, String(40), nullable=False))
    columns += [
        Column("n_cases", BigInteger, nullable=False),
        Column("key_sum", BigInteger, nullable=False),
        Column("workers", BigInteger, nullable=False),
        Column("max_workers", BigInteger, nullable=False),
        # Workers with every case's own multiplicative noise (data_access.disclosure,
        # rule 5): the only sum of workers that is ever published.
        Column("pworkers", BigInteger, nullable=False),
    ]
    # Filters are equality tests on a dimension plus a month range: lead with the
    # dimension (issue first where present) so one index serves both.
    lead = (spec.item,) if spec.with_issue else ()
    keys = (*lead, *((spec.time_column,) if spec.time_column else ()))
    indexes = [Index(primary_index(spec), *keys)] if keys else []
    if spec.grain != "month":
        # A thin selection (a country and a channel in a year) otherwise walks every
        # item's rows of the year, or of the whole twin, to keep a few: at a million
        # cases such reads took 2-7 ms each, and rule 3 makes tens of them. Led by the
        # selected value, the read visits only its rows. Only the twins: on the monthly
        # cubes the same indexes would add about 80 % to the database.
        indexes += [
            Index(f"ix_{spec.name}_{dim}", dim, *keys) for dim in _NARROWING if dim in spec.dims
        ]
    if spec.name in NARROWED_MONTHLY:
        # Month-grain reads of a nationality in an industry (a trend, and the cells rule 3
        # weighs it against) walk every row of a few items over every month, 45,000 rows
        # at a million cases, testing dimensions each row must be fetched for. With every
        # column they read in the index, SQLite never visits the table: those reads took
        # 25-30 % less (bench/results/2026-12-01-covering-indexes.md), for about 13 MB
        # per index at a million cases.
        indexes.append(Index(f"ix_{spec.name}_cover", *keys, *spec.dims, *_SUMMED))
        # Led by a nationality or an industry, such a read visits that value's entries
        # only (a tenth to a quarter of them) when it is read on its own
        # (data_access.cells: `_narrowed`), and the exposure profile's industries by
        # month come out in the order they are grouped in (no sort: 12 -> 5 ms).
        indexes += [
            Index(
                f"ix_{spec.name}_{dim}_cover",
                dim,
                *keys,
                *(d for d in spec.dims if d != dim),
                *_SUMMED,
            )
            for dim in NARROWED_MONTHLY[spec.name]
        ]
    return Table(spec.name, metadata, *columns, *indexes)


# The monthly cubes that answer the finest selections of the trend charts, each with a
# covering index led by its item and month, and one led by each of these dimensions: a
# month-grain read with one value of one of them reads that value's entries only.
NARROWED_MONTHLY: dict[str, tuple[str, ...]] = {
    "cube_received_2": ("nationality", "industry"),
    "cube_received_issue_2": ("nationality", "industry"),
    "cube_received_theme_2": ("nationality", "industry"),
}
# The columns every read of a cube sums (data_access.cells).
_SUMMED = ("n_cases", "key_sum", "pworkers")

# Dimensions a selection narrows to one value that hold few of a cube's rows each (not
# the stage: half the cases are at each).
_NARROWING = ("destination", "origin", "nationality", "industry", "channel")


def primary_index(spec: CubeSpec) -> str:
    """The name of the cube's (item, period) index, the order its rows are written in."""
    return f"ix_{spec.name}_{spec.grain}"


cube_tables: dict[str, Table] = {name: _cube_table(spec) for name, spec in CUBES.items()}

# Derived from case_issues at every load: one row per case and issue theme, so a case
# that reports two categories of one theme counts once for that theme.
case_themes = Table(
    "case_themes",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("theme", String(40), primary_key=True),
)


def _audit_columns() -> list[Column]:
    """The columns both audit tables share (a Column belongs to one table only)."""
    return [
        Column("window_months", Integer, primary_key=True, autoincrement=False),
        Column("worksite_id", String(40), primary_key=True),
        Column("issue", String(40), primary_key=True),
        Column("audit_id", String(40), primary_key=True),
        Column("month", String(7), nullable=False),
        Column("country", String(2), nullable=False),
        Column("industry", String(40), nullable=False),
        Column("found", Integer, nullable=False),
        Column("worksite_key", BigInteger, nullable=False),
    ]


# Derived at every load for Audits vs worker voice (data_access.audits): one row per
# window (months before and after the audit month), audit and issue category that workers
# at the audited worksite reported within the window. `found` is 1 when the audit also
# found the category. The audit's month and its worksite's country and industry are
# copied in, as the audit filters test them, and so is the worksite's record key
# (worksites.record_key), which the disclosure rules need for every worksite.
# `audit_case_reports` adds the case dimensions a selection can narrow the reports by, one
# row per distinct combination. Requests read neither: `audit_arrays` sums them per slice.
AUDIT_CASE_DIMS = ("nationality", "channel", "origin", "destination", "stage")

audit_reports = Table(
    "audit_reports",
    metadata,
    *_audit_columns(),
    sqlite_with_rowid=False,
)

audit_case_reports = Table(
    "audit_case_reports",
    metadata,
    *_audit_columns(),
    *(Column(d, String(40), primary_key=True) for d in AUDIT_CASE_DIMS),
    sqlite_with_rowid=False,
)

# Derived from both audit tables (data_access.audit_arrays): per window, period (a year,
# or "" for all years) and case dimension value a selection may narrow the reports by,
# the pairs per worksite and category as numpy arrays. Window 0 holds the worksites'
# attributes and the code lists the arrays index into.
audit_arrays = Table(
    "audit_arrays",
    metadata,
    Column("window_months", Integer, primary_key=True, autoincrement=False),
    Column("period", String(4), primary_key=True),
    Column("dim", String(20), primary_key=True),
    Column("value", String(40), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

# Tables an import replaces, in an order that respects references.
EXTRACT_TABLES: dict[str, Table] = {
    "worksites": worksites,
    "audits": audits,
    "audit_findings": audit_findings,
    "cases": cases,
    "case_issues": case_issues,
    "contacts": contacts,
}

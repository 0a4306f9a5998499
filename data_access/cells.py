"""Cells of the release: canonical definitions, the cells they nest in, and exact sums.

A published number is the protected value of one *cell*: a set of records given by a
definition (a family of records, a time period and conditions on their attributes). The
definition is canonical, so two questions that describe the same records by the same
conditions get the same cell and therefore the same published value, and a condition
implied by another (a supply-chain tier implies the employment stage, a remediation
route implies the case was remediated) is written once.

`parents` lists the cells a cell nests in one step away: the same definition with one
condition relaxed (a filter dropped, a month widened to its quarter, a quarter to its
year, an issue to its theme, a status to the statuses it belongs to). The differencing
guard of data_access.disclosure compares a cell with each of them.

`Resolver` computes exact sums of many cells in few queries: cells of the same shape
(family, item and the attributes they constrain) are read from the smallest
pre-aggregated cube that holds those columns (data_access.schema), the cells over all
years from an all-years cube and the cells of a period from its periods' rows; shapes
that read the same cube at the same grain and differ only in one-value conditions share
one grouped statement.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Engine

from data_access import contract, schema, taxonomy
from data_access.outcomes import RAISED_STATUSES

RECEIVED = "received"  # cases, by the month they were received
RESOLVED = "resolved"  # remediated cases, by the month they were resolved
CONTACTS = "contacts"  # contacts with the channels, by month

RAISED = "@raised"  # every status past intake (data_access.outcomes.RAISED_STATUSES)
# Attributes a cell may constrain, by family; the order is the canonical order.
CASE_ATTRS = (
    "stage",
    "destination",
    "origin",
    "nationality",
    "industry",
    "channel",
    "tier",
    "status",
    "validated",
    "route",
    "ttr",
    "issue",
    "theme",
)
CONTACT_ATTRS = ("nationality", "channel", "language")
ITEMS = ("issue", "theme")  # a case may have several: cells of an item are not additive
TIME_GRAINS = ("month", "quarter", "year")
_RANK = {
    family: {a: i for i, a in enumerate(order)}
    for family, order in (
        ("received", CASE_ATTRS),
        ("resolved", CASE_ATTRS),
        ("contacts", CONTACT_ATTRS),
    )
}


class Sums(NamedTuple):
    """Exact aggregates of a cell's records."""

    n: int  # records: cases, or contacts
    key_sum: int  # sum of the records' keys
    perturbed: int  # sum of the cases' workers, each times its own factor
    contributors: int  # distinct records behind n: cases, or contacts rows


ZERO = Sums(0, 0, 0, 0)


class Cell:
    """A canonical definition: a family, a time period and attribute conditions.

    Immutable; its definition text, hash and shape are computed once, as a request
    handles thousands of cells and each is compared, hashed and looked up many times.
    """

    __slots__ = ("family", "time", "attrs", "definition", "shape", "key", "_values", "_hash")

    def __init__(
        self, family: str, time: tuple[str, str] | None, attrs: tuple[tuple[str, str], ...]
    ) -> None:
        self.family = family
        self.time = time  # (grain, value): ("month", "2023-05"), ("year", "2023")
        self.attrs = attrs  # canonical order, one value per attribute
        period = f"{time[0]}={time[1]}" if time else "all"
        # The text the cell's noise is keyed on: the same for the same definition.
        self.definition = "|".join([family, period, *(f"{a}={v}" for a, v in attrs)])
        self.shape = (family, time[0] if time else None, tuple(a for a, _v in attrs))
        # How `Resolver` finds the cell from a row of its shape's read.
        self.key = (time or (None, None), *(v for _a, v in attrs))
        self._values = dict(attrs)
        self._hash = hash(self.definition)

    def __eq__(self, other) -> bool:
        return isinstance(other, Cell) and self.definition == other.definition

    def __hash__(self) -> int:
        return self._hash

    def __lt__(self, other: Cell) -> bool:
        return self.definition < other.definition

    def __repr__(self) -> str:
        return f"Cell({self.definition})"

    def get(self, attr: str) -> str | None:
        return self._values.get(attr)

    @property
    def item(self) -> str | None:
        return next((i for i in ITEMS if i in self._values), None)


def make(family: str, time: tuple[str, str] | None, attrs: dict[str, str]) -> Cell | None:
    """The canonical cell of a definition, or None when no record can meet it."""
    # Planning names each cell many times over (every row of every breakdown, its
    # margins, each request of a footprint): the definition is worked out once.
    key = (family, time, frozenset(attrs.items()))
    try:
        return _MADE[key]
    except KeyError:
        pass
    cell = _make(family, time, attrs)
    if len(_MADE) >= _CANONICAL_MAX:
        _MADE.clear()
    _MADE[key] = cell
    return cell


def _make(family: str, time: tuple[str, str] | None, attrs: dict[str, str]) -> Cell | None:
    attrs = dict(attrs)
    if family != CONTACTS:
        if family == RESOLVED:
            # Every record of the family is remediated: a status condition adds nothing
            # (or excludes everything).
            status = attrs.pop("status", None)
            if status not in (None, "remediated", RAISED):
                return None
        # Only employment-stage cases have a worksite, so a tier.
        if "tier" in attrs and attrs.pop("stage", "employment") != "employment":
            return None
        if "route" in attrs or attrs.get("validated") in ("yes", "no"):
            # Only remediated cases have a route or a validation (data contract).
            if attrs.get("status", "remediated") not in ("remediated", RAISED):
                return None
            attrs.pop("status", None)
        if "ttr" in attrs and attrs.get("status") == RAISED:
            # Only closed cases have a time to remediation, and every closed status is
            # past intake.
            attrs.pop("status")
        if "issue" in attrs and "theme" in attrs:
            if taxonomy.theme_of(attrs["issue"]) != attrs["theme"]:
                raise ValueError("a cell holds an issue or a theme, not both")
            attrs.pop("theme")
    rank = _RANK[family]
    try:
        ordered = sorted(attrs.items(), key=lambda item: rank[item[0]])
    except KeyError:
        unknown = sorted(set(attrs) - set(rank))
        raise ValueError(f"{family} cells have no attribute {unknown}") from None
    cell = Cell(family, time, tuple(ordered))
    # One object per definition, however many questions name it: a request names the
    # same cells many times (each breakdown's, the cells they nest in), and `parents`
    # keeps tens of thousands between requests, each a Python object the garbage
    # collector walks on every full collection.
    known = _CANONICAL.setdefault(cell.definition, cell)
    if known is cell and len(_CANONICAL) > _CANONICAL_MAX:
        _CANONICAL.clear()
        _MADE.clear()
    return known


# Canonical cells by definition (`make`), at most (about 300 bytes each).
_CANONICAL_MAX = 200_000
_CANONICAL: dict[str, Cell] = {}
# `make`'s answers by the definition as asked (family, time, conditions in any order).
_MADE: dict[tuple, Cell | None] = {}


@functools.lru_cache(maxsize=200_000)
def parents(cell: Cell) -> list[Cell]:
    """The cells `cell` nests in with one condition relaxed (see the module docstring).

    Cached: a cell's parents never change (the caller must not mutate the list)."""
    out: list[Cell] = []
    attrs = dict(cell.attrs)
    if cell.time is not None:
        out.append(make(cell.family, _wider(cell.time), attrs))
    for attr, value in cell.attrs:
        relaxed = dict(attrs)
        del relaxed[attr]
        if cell.family == RECEIVED:
            if attr == "issue":
                relaxed["theme"] = taxonomy.theme_of(value)
            elif attr == "status" and value in RAISED_STATUSES:
                relaxed["status"] = RAISED
            elif attr == "tier":
                relaxed["stage"] = "employment"
            elif attr == "route" or (attr == "validated" and value in ("yes", "no")):
                relaxed["status"] = "remediated"
        elif cell.family == RESOLVED and attr == "issue":
            relaxed["theme"] = taxonomy.theme_of(value)
        out.append(make(cell.family, cell.time, relaxed))
    return [p for p in out if p is not None and p != cell]


def _wider(time: tuple[str, str]) -> tuple[str, str] | None:
    grain, value = time
    if grain == "month":
        return ("quarter", quarter_of(value))
    if grain == "quarter":
        return ("year", value[:4])
    return None


def quarter_of(month: str) -> str:
    return f"{month[:4]}-Q{(int(month[5:7]) - 1) // 3 + 1}"


def months_of_quarter(quarter: str) -> list[str]:
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


# Cube column of each case attribute (the same names but for the worksite's tier).
_CUBE_COLUMN = {a: a for a in CASE_ATTRS}


class Resolver:
    """Exact sums of cells, read from the cubes (cases) and the contacts table.

    Cells of a period that constrain the same attributes share one grouped query at the
    finest time grain any of them needs; coarser periods (a quarter, a year) are folded
    from its rows, so a month cell and the quarter and year it nests in cost one read.
    Their cells over all years read an all-years cube in a query of their own. Shapes
    that read the same cube at the same grain may share one statement (`_together`).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sums(self, cells: Iterable[Cell]) -> dict[Cell, Sums]:
        by_shape: dict[tuple, set[Cell]] = defaultdict(set)
        for cell in cells:
            family, grain, names = cell.shape
            # Cells over all years read an all-years cube, apart from the cells of a
            # period, which read only their periods' rows of a finer one: two small reads
            # instead of one over every period.
            by_shape[(family, names, grain is None)].add(cell)
        # Shapes that read the same cube at the same grain share one statement: a thin
        # selection's cells and the cells they nest in (one condition dropped each) read
        # the same item and month rows, which SQLite would otherwise scan once a shape.
        by_read: dict[tuple, list[_Read]] = defaultdict(list)
        for (family, names, _all), members in by_shape.items():
            read = _read_of(family, names, members)
            by_read[(read.table, read.time_name, read.year_of_month)].append(read)
        out: dict[Cell, Sums] = {}
        with self.engine.connect() as conn:
            for reads in by_read.values():
                for together in _together(reads):
                    out.update(_fold(conn, together))
        return out


class _Read(NamedTuple):
    """How one shape of cells is read: its cube, time grain, columns and wanted values."""

    table: str
    time_name: str | None  # the time column read (None: all years, no time column read)
    year_of_month: bool  # years read from a month column
    aggregates: tuple[str | None, ...]
    columns: tuple[str, ...]
    lists: tuple[tuple[str, ...], ...]  # per column, the values wanted
    periods: tuple[str, ...] | None  # the periods at the read grain wanted
    read_grain: str | None
    names: tuple[str, ...]
    present: tuple[str | None, ...]  # the grains of its cells, coarse last
    cells: frozenset[Cell]


def _read_of(family: str, names: tuple, cells: set[Cell]) -> _Read:
    grains = {cell.time[0] if cell.time else None for cell in cells}
    # The finest grain any cell needs; None (all years) only when every cell is so.
    finest = next((g for g in TIME_GRAINS if g in grains), None)
    read_grain = "month" if finest == "quarter" else finest
    if family == CONTACTS:
        table, time_name = "contacts", "month"
        columns = tuple(names)
        aggregates: tuple[str | None, ...] = ("count", "record_key", None, None)
    else:
        item = next((i for i in ITEMS if i in names), None)
        needed = {_CUBE_COLUMN[a] for a in names if a not in ITEMS}
        if read_grain is not None:
            needed.add(read_grain)
        source = "received" if family == RECEIVED else "remediated"
        spec = _covering(source, item is not None, frozenset(needed), item or "issue")
        table, time_name = spec.name, spec.time_column
        columns = tuple(a if a in ITEMS else _CUBE_COLUMN[a] for a in names)
        aggregates = ("n_cases", "key_sum", "pworkers", "n_cases")
    periods = None
    if read_grain is not None and None not in grains:
        wanted: set[str] = set()
        for time in {cell.time for cell in cells}:
            wanted.update(_read_periods(time, read_grain))
        periods = tuple(sorted(wanted))
    lists = []
    for attr in names:
        values = {cell._values[attr] for cell in cells}
        if RAISED in values:
            values.discard(RAISED)
            values.update(RAISED_STATUSES)
        lists.append(tuple(sorted(values)))
    present = sorted(grains, key=lambda g: -1 if g is None else TIME_GRAINS.index(g))
    return _Read(
        table,
        time_name if read_grain is not None else None,
        read_grain == "year" and time_name == "month",
        aggregates,
        columns,
        tuple(lists),
        periods,
        read_grain,
        tuple(names),
        tuple(present),
        frozenset(cells),
    )


@functools.lru_cache(maxsize=1024)
def _covering(source: str, with_issue: bool, needed: frozenset, item: str) -> schema.CubeSpec:
    # A request reads tens of shapes; each would otherwise walk every cube's columns.
    return schema.covering_cube(source, with_issue, set(needed), item)


def _together(reads: list[_Read]) -> list[list[_Read]]:
    """The reads of one cube and grain, in groups that one statement answers cheaply.

    Shapes join a group when they want the same periods and every column that takes
    several values in the group is one each of them groups by: what they differ in is
    then a condition on one value (a flag), which at most doubles the rows. Other
    shapes would multiply the rows by a code list, or make SQLite test long lists of
    periods row by row, and cost more together than apart (a footprint's segments). A
    shape its cube has a narrowing index for (`_narrowed`) is read alone.
    """
    groups: list[list[_Read]] = []
    for read in reads:
        if _narrowed(read):
            groups.append([read])
            continue
        for group in groups:
            if group[0].periods != read.periods:
                continue
            members = [*group, read]
            values: dict[str, set[str]] = {}
            for member in members:
                for column, wanted in zip(member.columns, member.lists):
                    values.setdefault(column, set()).update(wanted)
            several = [c for c, v in values.items() if len(v) > 1]
            if all(c in member.columns for c in several for member in members):
                group.append(read)
                break
        else:
            groups.append([read])
    return groups


def _narrowed(read: _Read) -> bool:
    """A month-grain read with one value of a dimension an index of its cube leads with
    (schema.NARROWED_MONTHLY): alone, it reads that value's index entries only; merged
    with other shapes into an OR of conditions, it would walk all of them."""
    if read.time_name != "month" or read.year_of_month:
        return False
    lead = schema.NARROWED_MONTHLY.get(read.table, ())
    return any(c in lead and len(v) == 1 for c, v in zip(read.columns, read.lists))


def _fold(conn, reads: list[_Read]) -> dict[Cell, Sums]:
    """Exact sums of the cells of `reads` (shapes of one cube and grain), in one read.

    A column that takes one value in every shape is read as a flag (does the row have
    it?), any other by value, so a shape that drops a condition splits the rows of the
    others by at most that flag. Every shape's own conditions are in the statement; the
    rows are grouped by every column any shape tests, so each group either meets all of
    a shape's conditions or none, and adding the groups that meet them gives exactly
    what the shape's own grouped read gave.
    """
    first = reads[0]
    dialect = conn.dialect
    timed = first.time_name is not None
    if len(reads) == 1:
        flags: dict[str, str] = {}
        value_columns = list(first.columns)
        span = _span(first, first.periods)
        sql = _statement(
            dialect,
            first.table,
            first.time_name,
            first.year_of_month,
            first.columns,
            first.aggregates,
            None if first.periods is None else len(first.periods),
            tuple(len(v) for v in first.lists),
            span is not None,
        )
        periods = span or first.periods or ()
        params = [*periods, *(v for values in first.lists for v in values)]
    else:
        sql, params, value_columns, flags = _merged_statement(dialect, reads)
    width = len(value_columns) + len(flags) + timed
    at = {c: i + timed for i, c in enumerate(value_columns)}
    flag_at = {c: i + timed + len(value_columns) for i, c in enumerate(flags)}
    plans = []
    for read in reads:
        # Per column of the shape: where its value is in a row, or its flag's place and
        # the one value the flag stands for.
        parts = tuple((flag_at[c], flags[c]) if c in flags else (at[c], None) for c in read.columns)
        # A shape that tests no flag reads its values as they lie in the row, side by side:
        # one slice instead of a test per column (most reads are of one shape alone).
        places = [place for place, constant in parts if constant is None]
        direct = None
        if len(places) == len(parts) and places == list(range(timed, timed + len(places))):
            direct = slice(timed, timed + len(places))
        status_at = read.names.index("status") if "status" in read.names else None
        index = {cell.key: cell for cell in read.cells}
        acc = {cell: [0, 0, 0, 0] for cell in read.cells}
        plans.append((read, parts, direct, status_at, index, acc, {}))
    for row in conn.exec_driver_sql(sql, tuple(params)).fetchall():
        if row[width] is None:
            continue
        n, key_sum, perturbed, contributors = (int(v or 0) for v in row[width : width + 4])
        for read, parts, direct, status_at, index, acc, as_grains in plans:
            if direct is not None:
                values = tuple(row[direct])
            else:
                found = []
                for place, constant in parts:
                    if constant is None:
                        found.append(row[place])
                    elif row[place]:
                        found.append(constant)
                    else:
                        break
                if len(found) < len(parts):
                    continue  # a flag the shape tests is not set in this row
                values = tuple(found)
            if timed:
                period = row[0]
                periods_of = as_grains.get(period)
                if periods_of is None:
                    periods_of = [_as_grain(period, read.read_grain, g) for g in read.present]
                    as_grains[period] = periods_of
            else:
                periods_of = _ALL_YEARS
            if status_at is not None and values[status_at] in RAISED_STATUSES:
                raised = list(values)
                raised[status_at] = RAISED
                variants = (values, tuple(raised))
            else:
                variants = (values,)
            for time in periods_of:
                for variant in variants:
                    cell = index.get((time, *variant))
                    if cell is not None:
                        total = acc[cell]
                        total[0] += n
                        total[1] += key_sum
                        total[2] += perturbed
                        total[3] += contributors
    out: dict[Cell, Sums] = {}
    for _read, _parts, _direct, _status, _index, acc, _grains in plans:
        out.update((cell, Sums(*total)) for cell, total in acc.items())
    return out


def _merged_statement(dialect, reads: list[_Read]) -> tuple[str, list, list[str], dict]:
    """One grouped read for several shapes of one cube and grain (see `_fold`)."""
    first = reads[0]
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    union: dict[str, set[str]] = {}
    for read in reads:
        for column, values in zip(read.columns, read.lists):
            union.setdefault(column, set()).update(values)
    flags = {c: next(iter(v)) for c, v in union.items() if len(v) == 1}
    value_columns = [c for c in union if c not in flags]
    select, params = [], []
    time_sql = None
    if first.time_name is not None:
        time_sql = quote(first.time_name)
        if first.year_of_month:
            time_sql = f"substr({time_sql}, 1, 4)"
        select.append(time_sql)
    select += [quote(c) for c in value_columns]
    for column, value in flags.items():
        select.append(f"({quote(column)} = {mark})")
        params.append(value)
    sums = [
        f"sum({quote(a)})" if a else ("sum(0)" if i == 2 else "count(*)")
        for i, a in enumerate(first.aggregates)
    ]
    select += sums

    def within(expr: str, values) -> str:
        params.extend(values)
        return f"{expr} IN ({', '.join([mark] * len(values))})"

    # Conditions every shape shares (the periods and items any of them reads) lead, so
    # the cube's index still narrows the read; each shape's own conditions follow.
    # A shape's condition that repeats a shared one is left out of its own (SQLite
    # would test it again on every row).
    wheres = []
    shared_periods: set[str] | None = None
    if time_sql is not None and all(r.periods is not None for r in reads):
        shared_periods = {p for r in reads for p in r.periods}
        span = _span(first, sorted(shared_periods))
        if span is not None:
            wheres.append(f"{time_sql} BETWEEN {mark} AND {mark}")
            params.extend(span)
        else:
            wheres.append(within(time_sql, sorted(shared_periods)))
    shared = {c for c in union if all(c in r.columns for r in reads)}
    for column in union:
        if column in shared:
            wheres.append(within(quote(column), sorted(union[column])))
    clauses: list[tuple[str, list]] = []
    for read in reads:
        own, own_params = [], []
        if read.periods is not None and set(read.periods) != shared_periods:
            own.append(f"{time_sql} IN ({', '.join([mark] * len(read.periods))})")
            own_params += read.periods
        for column, values in zip(read.columns, read.lists):
            if column not in shared or set(values) != union[column]:
                own.append(f"{quote(column)} IN ({', '.join([mark] * len(values))})")
                own_params += values
        if not own:
            clauses = []  # this shape reads every row the shared conditions leave
            break
        clauses.append(("(" + " AND ".join(own) + ")", own_params))
    if clauses:
        wheres.append("(" + " OR ".join(text for text, _p in clauses) + ")")
        params += [value for _text, values in clauses for value in values]
    groups = len(select) - len(sums)
    sql = f"SELECT {', '.join(select)} FROM {quote(first.table)}"
    if wheres:
        sql += " WHERE " + " AND ".join(wheres)
    if groups:
        # By position: a flag is an expression with a bound value, which PostgreSQL
        # would not match between the select list and a repeated GROUP BY expression.
        sql += " GROUP BY " + ", ".join(str(i + 1) for i in range(groups))
    return sql, params, value_columns, flags


_ALL_YEARS = [(None, None)]


@functools.lru_cache(maxsize=4096)
def _statement(
    dialect,
    table: str,
    time_name: str | None,
    year_of_month: bool,
    columns: tuple[str, ...],
    aggregates: tuple[str | None, ...],
    periods: int | None,
    counts: tuple[int, ...],
    span: bool = False,
) -> str:
    """The grouped read of one shape of cells, as driver-level SQL with bound values.

    Built from schema names only (every value is a bound parameter) and kept per shape
    and list lengths: a request reads tens of shapes, and composing and compiling each
    as an expression cost more than SQLite took to answer it. With `span`, the periods
    are a run of consecutive months, bound as its first and last.
    """
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    group = [quote(c) for c in columns]
    wheres = []
    if time_name is not None:
        time_sql = quote(time_name)
        if year_of_month:
            time_sql = f"substr({time_sql}, 1, 4)"
        group.insert(0, time_sql)
        if span:
            wheres.append(f"{time_sql} BETWEEN {mark} AND {mark}")
        elif periods is not None:
            wheres.append(f"{time_sql} IN ({', '.join([mark] * periods)})")
    for column, count in zip(columns, counts):
        wheres.append(f"{quote(column)} IN ({', '.join([mark] * count)})")
    sums = [
        f"sum({quote(a)})" if a else ("sum(0)" if i == 2 else "count(*)")
        for i, a in enumerate(aggregates)
    ]
    sql = f"SELECT {', '.join([*group, *sums])} FROM {quote(table)}"
    if wheres:
        sql += " WHERE " + " AND ".join(wheres)
    if group:
        sql += " GROUP BY " + ", ".join(group)
    return sql


def _span(read: _Read, periods) -> tuple[str, str] | None:
    """(first, last) when `periods` (sorted) are three or more consecutive months of a
    month column: a trend's years of months, bound as a range, are a few seeks of an
    index instead of one per month (25 % less for a nationality in an industry)."""
    if read.time_name != "month" or read.year_of_month or not periods or len(periods) < 3:
        return None
    first, last = periods[0], periods[-1]
    if contract.month_index(last) - contract.month_index(first) + 1 != len(periods):
        return None
    return first, last


def _read_periods(time: tuple[str, str], read_grain: str) -> list[str]:
    """The periods at the read grain that make up a cell's period."""
    grain, value = time
    if grain == read_grain:
        return [value]
    if read_grain == "month":
        if grain == "quarter":
            return months_of_quarter(value)
        return [f"{value}-{m:02d}" for m in range(1, 13)]
    return [value[:4]]  # a year read for a year


def _as_grain(period: str, read_grain: str, grain: str | None) -> tuple:
    """A row's period as the (grain, value) of a cell of `grain`."""
    if grain is None:
        return (None, None)
    if grain == read_grain:
        return (grain, period)
    if grain == "quarter":
        return (grain, quarter_of(period))
    return (grain, period[:4])
